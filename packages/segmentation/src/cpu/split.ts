import type { Vec3 } from '@vista3d/volume';
import { IntList } from './growable.js';
import { morph } from './morphology.js';
import { componentsOfMask, componentStats } from './runs.js';

/**
 * Splits a binary mask (a box, x fastest) into two parts by connectivity: erodes it step by step
 * (3×3×3) until it falls apart into two large pieces (each ≥ minFraction of the mask) lying on
 * either side of `midIndex` along `lrAxis`, then gives every voxel to the piece it reaches first
 * through the mask (multi-source breadth-first growth, a geodesic Voronoi split). So two lungs
 * touching at the anterior junction are cut along the thin junction itself, wherever it lies, not
 * at a straight plane. Returns labels 1 (piece on the low-index side) / 2 (high side), 0 outside,
 * or null when no erosion up to maxSteps separates it.
 */
export function splitByErosion(mask: Uint8Array, dims: Vec3, lrAxis: number, midIndex: number, maxSteps: number, minFraction = 0.1): Uint8Array | null {
  const n = mask.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += mask[i];
  const core = Uint8Array.from(mask);
  const tmp = new Uint8Array(n);
  for (let step = 1; step <= maxSteps; step++) {
    morph(core, dims, 1, 'erode', tmp);
    const comps = componentsOfMask(core, dims);
    if (comps.count === 0) return null;
    const stats = componentStats(comps);
    const big = [];
    for (let k = 1; k <= comps.count; k++) if (comps.size[k] >= minFraction * total) big.push(k);
    if (big.length < 2) continue;
    big.sort((a, b) => comps.size[b] - comps.size[a]);
    const [a, b] = big;
    const ca = stats[a].centroid[lrAxis];
    const cb = stats[b].centroid[lrAxis];
    if ((ca - midIndex) * (cb - midIndex) >= 0) continue;
    const low = ca < cb ? a : b;
    const out = new Uint8Array(n);
    const queue = new IntList(1 << 14);
    const nx = dims[0];
    for (let i = 0; i < comps.start.length; i++) {
      const l = comps.label[i];
      if (l !== a && l !== b) continue;
      const base = comps.rowOf[i] * nx;
      for (let x = comps.start[i]; x <= comps.end[i]; x++) { out[base + x] = l === low ? 1 : 2; queue.push(base + x); }
    }
    growWithin(mask, dims, out, queue);
    return out;
  }
  return null;
}

/** Breadth-first growth of the labels in `out` (seeds in `queue`) through mask voxels (6-connected). */
function growWithin(mask: Uint8Array, dims: Vec3, out: Uint8Array, queue: IntList): void {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  let head = 0;
  while (head < queue.length) {
    const v = queue.data[head++];
    const label = out[v];
    const x = v % nx;
    const y = ((v - x) / nx) % ny;
    const z = (v - x - y * nx) / sxy;
    for (let d = 0; d < 6; d++) {
      let w: number;
      if (d === 0) { if (x === 0) continue; w = v - 1; }
      else if (d === 1) { if (x === nx - 1) continue; w = v + 1; }
      else if (d === 2) { if (y === 0) continue; w = v - nx; }
      else if (d === 3) { if (y === ny - 1) continue; w = v + nx; }
      else if (d === 4) { if (z === 0) continue; w = v - sxy; }
      else { if (z === nz - 1) continue; w = v + sxy; }
      if (mask[w] !== 0 && out[w] === 0) { out[w] = label; queue.push(w); }
    }
  }
}
