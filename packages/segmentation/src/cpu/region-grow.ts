import type { Vec3, Volume } from '@vista3d/volume';
import { flood } from './flood.js';
import { fillHolesSlicewise } from './holes.js';
import { toHu } from './hu.js';
import { closing, morph } from './morphology.js';
import type { AxisInfo } from './orientation.js';

export interface RegionGrowOptions {
  /** Half-size (mm) of the cube around each positive seed that sets the intensity statistics. */
  statsRadiusMm: number;
  /** HU window = mean ± clamp(k·std, minHalfWidthHu, maxHalfWidthHu). */
  k: number;
  minHalfWidthHu: number;
  maxHalfWidthHu: number;
  /** Growth stops this far (mm) from the nearest positive seed. */
  maxRadiusMm: number;
  /** Growth beyond this volume is a leak: the region is cut back to maxRadiusMm/2 and regrown. */
  maxVolumeMl: number;
}

export const REGION_GROW_DEFAULTS: RegionGrowOptions = {
  statsRadiusMm: 6, k: 2, minHalfWidthHu: 15, maxHalfWidthHu: 200, maxRadiusMm: 100, maxVolumeMl: 4000,
};

/**
 * Connected-threshold region growing from point prompts. Voxel values are denoised on the fly as
 * the mean of the voxel and its 6 neighbours (no smoothed copy of the CT). Positive seeds set the HU
 * window from their neighbourhoods; a voxel is taken if 6-connected to a seed, inside the window,
 * within maxRadiusMm of a positive seed and closer to a positive seed than to any negative one
 * (negatives act as barriers: a Voronoi split between inside and outside clicks). The result is
 * opened (cuts one-voxel bridges into neighbouring organs of similar density), reconnected to the
 * seeds, closed and hole-filled per axial slice. Writes 1 into `out` (zeros elsewhere); returns
 * the voxel count and the window used.
 */
export function regionGrow(
  ct: Volume,
  axes: AxisInfo,
  points: readonly Vec3[],
  labels: ReadonlyArray<0 | 1>,
  out: Uint8Array,
  options: Partial<RegionGrowOptions> = {},
): { voxels: number; windowHu: [number, number] } {
  const o = { ...REGION_GROW_DEFAULTS, ...options };
  const [nx, ny, nz] = ct.dims;
  const sp = ct.spacing;
  const data = ct.data;
  const sxy = nx * ny;
  const pos = points.filter((_p, i) => labels[i] === 1).map((p) => p.map(Math.round) as Vec3);
  const neg = points.filter((_p, i) => labels[i] === 0).map((p) => p.map(Math.round) as Vec3);
  out.fill(0);
  if (pos.length === 0) return { voxels: 0, windowHu: [0, 0] };

  const smooth = (v: number): number => {
    const x = v % nx;
    const y = ((v - x) / nx) % ny;
    const z = (v - x - y * nx) / sxy;
    let s = data[v];
    let c = 1;
    if (x > 0) { s += data[v - 1]; c++; }
    if (x < nx - 1) { s += data[v + 1]; c++; }
    if (y > 0) { s += data[v - nx]; c++; }
    if (y < ny - 1) { s += data[v + nx]; c++; }
    if (z > 0) { s += data[v - sxy]; c++; }
    if (z < nz - 1) { s += data[v + sxy]; c++; }
    return toHu(ct, s / c);
  };

  // Window from the seeds' neighbourhoods (smoothed values, as used by the growth test).
  let sum = 0;
  let sum2 = 0;
  let count = 0;
  const r = sp.map((s) => Math.max(1, Math.round(o.statsRadiusMm / s)));
  for (const [px, py, pz] of pos) {
    for (let z = Math.max(0, pz - r[2]); z <= Math.min(nz - 1, pz + r[2]); z++)
      for (let y = Math.max(0, py - r[1]); y <= Math.min(ny - 1, py + r[1]); y++)
        for (let x = Math.max(0, px - r[0]); x <= Math.min(nx - 1, px + r[0]); x++) {
          const h = smooth(x + y * nx + z * sxy);
          sum += h; sum2 += h * h; count++;
        }
  }
  const mean = sum / count;
  const std = Math.sqrt(Math.max(0, sum2 / count - mean * mean));
  const half = Math.min(o.maxHalfWidthHu, Math.max(o.minHalfWidthHu, o.k * std));
  const windowHu: [number, number] = [mean - half, mean + half];

  const dist2 = (v: number, seeds: Vec3[]): number => {
    const x = v % nx;
    const y = ((v - x) / nx) % ny;
    const z = (v - x - y * nx) / sxy;
    let best = Infinity;
    for (const s of seeds) {
      const d = ((x - s[0]) * sp[0]) ** 2 + ((y - s[1]) * sp[1]) ** 2 + ((z - s[2]) * sp[2]) ** 2;
      if (d < best) best = d;
    }
    return best;
  };
  const seedIdx = pos.map(([x, y, z]) => x + y * nx + z * sxy);
  const seedSet = new Set(seedIdx);
  const voxelMl = (sp[0] * sp[1] * sp[2]) / 1000;
  let radius = o.maxRadiusMm;
  let grown = -1;
  for (let attempt = 0; attempt < 4 && grown < 0; attempt++) {
    const r2 = radius * radius;
    const accept = (v: number): boolean => {
      // Seeds are taken even when outside the window: the user said "this is inside".
      if (seedSet.has(v)) return true;
      // Smoothed value tolerates noise inside the organ; the raw value keeps boundary voxels,
      // whose 6-neighbour mean is pulled out of the window by the tissue next door.
      const raw = toHu(ct, data[v]);
      const h = smooth(v);
      if ((h < windowHu[0] || h > windowHu[1]) && (raw < windowHu[0] || raw > windowHu[1])) return false;
      const dp = dist2(v, pos);
      if (dp > r2) return false;
      return neg.length === 0 || dp < dist2(v, neg);
    };
    out.fill(0);
    grown = flood(ct.dims, seedIdx, accept, out, o.maxVolumeMl / voxelMl);
    if (grown < 0) radius /= 2;
  }
  if (grown < 0) return { voxels: 0, windowHu };
  const loose = [mean - 2 * half, mean + 2 * half];
  const compatible = (v: number): boolean => {
    const h = toHu(ct, data[v]);
    return h >= loose[0] && h <= loose[1];
  };
  return { voxels: smoothRegion(out, ct.dims, seedIdx, axes, compatible), windowHu };
}

/** Opening → reconnect to seeds → closing → slice-wise hole fill, on the region's bounding box. */
function smoothRegion(mask: Uint8Array, dims: Vec3, seeds: number[], axes: AxisInfo, compatible: (v: number) => boolean): number {
  const [nx, ny, nz] = dims;
  const lo: Vec3 = [nx, ny, nz];
  const hi: Vec3 = [-1, -1, -1];
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
    const base = (z * ny + y) * nx;
    for (let x = 0; x < nx; x++) if (mask[base + x] !== 0) {
      if (x < lo[0]) lo[0] = x; if (x > hi[0]) hi[0] = x;
      if (y < lo[1]) lo[1] = y; if (y > hi[1]) hi[1] = y;
      if (z < lo[2]) lo[2] = z; if (z > hi[2]) hi[2] = z;
    }
  }
  if (hi[0] < 0) return 0;
  const m = 2;
  for (let a = 0; a < 3; a++) { lo[a] = Math.max(0, lo[a] - m); hi[a] = Math.min(dims[a] - 1, hi[a] + m); }
  const bd: Vec3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const box = new Uint8Array(bd[0] * bd[1] * bd[2]);
  const toBox = (v: number): number => {
    const x = v % nx;
    const y = ((v - x) / nx) % ny;
    const z = (v - x - y * nx) / (nx * ny);
    return (x - lo[0]) + bd[0] * ((y - lo[1]) + bd[1] * (z - lo[2]));
  };
  const fromBox = (b: number): number => {
    const x = b % bd[0];
    const y = ((b - x) / bd[0]) % bd[1];
    const z = (b - x - y * bd[0]) / (bd[0] * bd[1]);
    return (x + lo[0]) + nx * ((y + lo[1]) + ny * (z + lo[2]));
  };
  for (let z = 0; z < bd[2]; z++) for (let y = 0; y < bd[1]; y++) for (let x = 0; x < bd[0]; x++)
    box[x + bd[0] * (y + bd[1] * z)] = mask[(x + lo[0]) + nx * ((y + lo[1]) + ny * (z + lo[2]))];
  const original = box.slice();
  const tmp = new Uint8Array(box.length);
  morph(box, bd, 1, 'erode', tmp);
  morph(box, bd, 1, 'dilate', tmp);
  const boxSeeds = seeds.map(toBox);
  const kept = new Uint8Array(box.length);
  const n = flood(bd, boxSeeds, (v) => box[v] !== 0, kept);
  let result = original;
  if (n > 0) {
    // Reconstruction: the seed-connected part of the opening, dilated back and clipped to the
    // grown region, so bridges stay cut but boundary detail (sphere poles, thin tips) survives.
    morph(kept, bd, 1, 'dilate', tmp);
    for (let i = 0; i < kept.length; i++) kept[i] &= original[i];
    result = kept;
  }
  // Closing fills noise gaps, but only with voxels whose HU is loosely compatible with the window.
  const closed = result.slice();
  closing(closed, bd, 1, tmp);
  fillHolesSlicewise(closed, bd, axes.siAxis);
  for (let i = 0; i < closed.length; i++) if (closed[i] !== 0 && result[i] === 0 && compatible(fromBox(i))) result[i] = 1;
  let count = 0;
  mask.fill(0);
  for (let z = 0; z < bd[2]; z++) for (let y = 0; y < bd[1]; y++) for (let x = 0; x < bd[0]; x++) {
    const b = result[x + bd[0] * (y + bd[1] * z)];
    if (b !== 0) { mask[(x + lo[0]) + nx * ((y + lo[1]) + ny * (z + lo[2]))] = 1; count++; }
  }
  return count;
}
