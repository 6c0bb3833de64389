import type { Vec3, Volume } from '@vista3d/volume';
import { fillHolesSlicewise } from './holes.js';
import { lowStdMask } from './local-std.js';
import { morph } from './morphology.js';
import { rawRange } from './hu.js';
import type { AxisInfo } from './orientation.js';
import { componentsOfMask, componentStats, paintComponents, type Components } from './runs.js';

export interface BoneOptions {
  /** Trabecular bone and marrow-rich cortex; contrast-filled blood (150–500 HU) passes too. */
  minHu: number;
  /** Cortex: denser than contrast-filled blood in a CTA (aorta and heart 250–450 HU). */
  cortexHu: number;
  /** Contrast-filled blood is homogeneous: 3×3×3 standard deviation ≤ this (raised to 2.3× the
   *  image noise on noisy scans), while bone at CT resolution is textured (trabecula, cortex, fat). */
  bloodMaxStdHu: number;
  /** Homogeneous regions of at least this size between minHu and cortexHu are blood pools. */
  minBloodMl: number;
  /** Components smaller than this are calcifications, contrast specks or noise. */
  minComponentMl: number;
  /** Marrow enclosed by cortex is filled per axial slice up to this area; larger holes are body
   *  cavities ringed by bone (the pelvic inlet), which must stay open. */
  maxHoleMm2: number;
  /** Closing radius (voxels, in-plane) sealing thin cortex before the marrow fill. */
  closeRadius: number;
  /** Costal cartilage (part of VISTA3D's bone group) is denser than soft tissue but below minHu: this
   *  HU band, where it touches bone, and only where thinner than cartilageMaxMm (a liver or an
   *  enhanced organ in the same band is thick). [0, 0] turns it off. */
  cartilageHu: [number, number];
  cartilageMaxMm: number;
}

export const BONE_DEFAULTS: BoneOptions = { minHu: 130, cortexHu: 500, bloodMaxStdHu: 30, minBloodMl: 5, cartilageHu: [80, 130], cartilageMaxMm: 18, minComponentMl: 0.5, maxHoleMm2: 1500, closeRadius: 1 };

/**
 * Bone mask (1/0) into `out`. Two thresholds with a distance between them (hysteresis by reach):
 * voxels above `cortexHu` are cortex; voxels above `minHu` are bone only within `reachMm` of
 * cortex; then small components are dropped, thin cortex sealed in-plane and marrow enclosed by
 * it filled per slice. Contrast-filled blood is as bright as trabecular bone but is not ringed by
 * cortex, so the heart and aorta of a CTA stay out, apart from a rim where they touch a bone.
 */
export function boneMask(ct: Volume, axes: AxisInfo, body: Uint8Array, out: Uint8Array, options: Partial<BoneOptions> = {}): void {
  const o = { ...BONE_DEFAULTS, ...options };
  const lo = rawRange(ct, o.minHu, 0).lo;
  const cortex = rawRange(ct, o.cortexHu, 0).lo;
  const data = ct.data;
  const n = out.length;
  const voxelMl = (ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1000;
  const tmp = new Uint8Array(n);
  for (let i = 0; i < n; i++) tmp[i] = body[i] !== 0 && data[i] >= lo && data[i] < cortex ? 1 : 0;
  const slope = Math.abs(ct.scl.slope) > 0 ? Math.abs(ct.scl.slope) : 1;
  const maxStdHu = Math.max(o.bloodMaxStdHu, 2.3 * noiseHu(ct, body));
  lowStdMask(data, ct.dims, tmp, maxStdHu / slope, out);
  const pools = componentsOfMask(out, ct.dims);
  out.fill(0);
  paintComponents(pools, (l) => pools.size[l] * voxelMl >= o.minBloodMl, out, 1);
  // Bone candidates: > minHu minus the pools and their rim (partial volume with the wall: band
  // voxels with a pool voxel among their 26 neighbours), in one pass, into tmp.
  const [nx, ny, nz] = ct.dims;
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    const band = tmp[i] !== 0;
    if (!(body[i] !== 0 && data[i] >= lo)) { tmp[i] = 0; continue; }
    let rim = band && out[i] !== 0;
    // 26 neighbours (the rim is one voxel thick in every direction), only for band voxels.
    if (band && !rim) {
      for (let c = Math.max(0, z - 1); c <= Math.min(nz - 1, z + 1) && !rim; c++)
        for (let b = Math.max(0, y - 1); b <= Math.min(ny - 1, y + 1) && !rim; b++) {
          const row = nx * (b + ny * c);
          for (let a = Math.max(0, x - 1); a <= Math.min(nx - 1, x + 1); a++) if (out[row + a] !== 0) { rim = true; break; }
        }
    }
    tmp[i] = rim ? 0 : 1;
  }
  const comps = componentsOfMask(tmp, ct.dims);
  out.fill(0);
  paintComponents(comps, (l) => comps.size[l] * voxelMl >= o.minComponentMl, out, 1);
  const inPlane = [0, 1, 2].filter((a) => a !== axes.siAxis);
  if (o.closeRadius > 0) {
    morph(out, ct.dims, o.closeRadius, 'dilate', tmp, inPlane);
    morph(out, ct.dims, o.closeRadius, 'erode', tmp, inPlane);
  }
  const pixelMm2 = ct.spacing[inPlane[0]] * ct.spacing[inPlane[1]];
  fillHolesSlicewise(out, ct.dims, axes.siAxis, 1, o.maxHoleMm2 / pixelMm2);
  if (o.cartilageHu[1] > o.cartilageHu[0]) addCartilage(ct, body, out, tmp, o.cartilageHu, o.cartilageMaxMm);
}

/**
 * Image noise (HU): robust standard deviation of the difference between x-neighbours in soft tissue
 * (both 0–100 HU) inside the body, from every 5th voxel: MAD·1.4826/√2.
 */
export function noiseHu(ct: Volume, body: Uint8Array): number {
  const { lo, hi } = rawRange(ct, 0, 100);
  const slope = Math.abs(ct.scl.slope) > 0 ? Math.abs(ct.scl.slope) : 1;
  const data = ct.data;
  const nx = ct.dims[0];
  const hist = new Float64Array(256);
  let total = 0;
  for (let i = 0; i + 1 < data.length; i += 5) {
    if (body[i] === 0 || (i + 1) % nx === 0) continue;
    const a = data[i];
    const b = data[i + 1];
    if (a < lo || a > hi || b < lo || b > hi) continue;
    hist[Math.min(255, Math.round(Math.abs(a - b) * slope))]++;
    total++;
  }
  if (total < 100) return 0;
  let acc = 0;
  for (let k = 0; k < 256; k++) { acc += hist[k]; if (acc >= total / 2) return (k * 1.4826) / Math.SQRT2; }
  return 0;
}

/** Adds to `bone` the thin parts of the cartilage HU band's components that touch bone. */
function addCartilage(ct: Volume, body: Uint8Array, bone: Uint8Array, tmp: Uint8Array, hu: [number, number], maxMm: number): void {
  const { lo, hi } = rawRange(ct, hu[0], hu[1]);
  const data = ct.data;
  const n = bone.length;
  const band = tmp;
  for (let i = 0; i < n; i++) band[i] = body[i] !== 0 && bone[i] === 0 && data[i] >= lo && data[i] < hi ? 1 : 0;
  const comps = componentsOfMask(band, ct.dims);
  const touches = new Uint8Array(comps.count + 1);
  const [nx, ny, nz] = ct.dims;
  const sxy = nx * ny;
  forEachRunVoxel(comps, (label, v) => {
    if (touches[label] === 1) return;
    const x = v % nx;
    const y = Math.floor(v / nx) % ny;
    const z = Math.floor(v / sxy);
    if ((x > 0 && bone[v - 1] !== 0) || (x < nx - 1 && bone[v + 1] !== 0) || (y > 0 && bone[v - nx] !== 0)
      || (y < ny - 1 && bone[v + nx] !== 0) || (z > 0 && bone[v - sxy] !== 0) || (z < nz - 1 && bone[v + sxy] !== 0)) touches[label] = 1;
  });
  band.fill(0);
  paintComponents(comps, (l) => touches[l] === 1, band, 1);
  // Work in the box of the kept components: the opening below is the costly part.
  const stats = componentStats(comps);
  const lo3 = [Infinity, Infinity, Infinity];
  const hi3 = [-1, -1, -1];
  for (let k = 1; k <= comps.count; k++) if (touches[k] === 1) for (let a = 0; a < 3; a++) {
    lo3[a] = Math.min(lo3[a], stats[k].min[a]);
    hi3[a] = Math.max(hi3[a], stats[k].max[a]);
  }
  if (hi3[0] < 0) return;
  const bd = [0, 1, 2].map((a) => hi3[a] - lo3[a] + 1) as Vec3;
  const box = new Uint8Array(bd[0] * bd[1] * bd[2]);
  for (let z = 0; z < bd[2]; z++) for (let y = 0; y < bd[1]; y++) {
    const from = lo3[0] + nx * (lo3[1] + y + ny * (lo3[2] + z));
    box.set(band.subarray(from, from + bd[0]), bd[0] * (y + bd[1] * z));
  }
  // Thick parts (opening survivors, grown back by one voxel more) are organs, not cartilage.
  const thick = Uint8Array.from(box);
  for (let a = 0; a < 3; a++) morph(thick, bd, Math.max(1, Math.round(maxMm / 2 / ct.spacing[a])), 'erode', undefined, [a]);
  for (let a = 0; a < 3; a++) morph(thick, bd, Math.max(1, Math.round(maxMm / 2 / ct.spacing[a])) + 1, 'dilate', undefined, [a]);
  // Costal cartilage lies in the front half of the chest; elsewhere the band is the partial-volume
  // rim of bones, which is not bone.
  const ap = anteriorHalf(ct, body, lo3, hi3);
  for (let z = 0; z < bd[2]; z++) for (let y = 0; y < bd[1]; y++) for (let x = 0; x < bd[0]; x++) {
    const b = x + bd[0] * (y + bd[1] * z);
    if (box[b] === 0 || thick[b] !== 0) continue;
    const v = lo3[0] + x + nx * (lo3[1] + y + ny * (lo3[2] + z));
    if (ap(v)) bone[v] = 1;
  }
}

/** Predicate: voxel lies anterior to the body's centre (world +y is anterior in RAS). */
function anteriorHalf(ct: Volume, body: Uint8Array, lo3: number[], hi3: number[]): (voxel: number) => boolean {
  const a = ct.affine;
  let axis = 0;
  for (let c = 1; c < 3; c++) if (Math.abs(a[1][c]) > Math.abs(a[1][axis])) axis = c;
  const sign = a[1][axis] >= 0 ? 1 : -1;
  const [nx, ny] = ct.dims;
  const stride = [1, nx, nx * ny][axis];
  const len = ct.dims[axis];
  // Body centre along that axis, from the rows of the cartilage box's slices (not a full pass).
  let s = 0;
  let t = 0;
  for (let z = lo3[2]; z <= hi3[2]; z++) for (let y = 0; y < ny; y++) {
    const row = nx * (y + ny * z);
    const c = axis === 1 ? y : z;
    for (let x = 0; x < nx; x++) if (body[row + x] !== 0) { s += axis === 0 ? x : c; t++; }
  }
  const mid = t > 0 ? s / t : (len - 1) / 2;
  return (v) => sign * ((Math.floor(v / stride) % len) - mid) > 0;
}

function forEachRunVoxel(c: Components, fn: (label: number, voxel: number) => void): void {
  const nx = c.dims[0];
  for (let i = 0; i < c.start.length; i++) {
    const base = c.rowOf[i] * nx;
    for (let x = c.start[i]; x <= c.end[i]; x++) fn(c.label[i], base + x);
  }
}
