import type { Vec3 } from '@vista3d/volume';
import { pinClicks } from './click-pin.js';
import { runBounds } from './row-runs.js';

/** Width (mm) of the smoothing box: 3 × 3 × 3 voxels on a 3 mm CT, the nearest odd number of voxels to it on a finer one. */
export const SMOOTH_WIDTH_MM = 9;
/** A voxel is in when at least this fraction of its box is (13 of 27 on a 3 mm CT). */
export const SMOOTH_FRACTION = 13 / 27;

/**
 * Majority smoothing of a click result: a voxel is in when at least SMOOTH_FRACTION of the box of
 * width SMOOTH_WIDTH_MM around it is in; only the box's part inside the scan counts (a 3-slice scan, an
 * organ cut by the scan's edge). A grown region's border follows the HU voxel by voxel — single voxels in
 * and out where tissue at the window's edge touches it — where an organ's or a bone's border in a
 * reference drawn by a person or a network is smooth. Positive clicks stay in, negative ones out.
 *
 * Streamed slice by slice over the result's bounding box (widened by the box): each slice's in-plane box
 * sums (running sums along x, then y) go into a ring of slices, and a running sum over the ring gives the
 * 3-D sums, so the memory is a few slices, not a copy of the box — a colon's box on a 512×512×300 CT is
 * 40 M voxels, and fresh whole-box sum arrays cost ≈ 0.4 s in page faults alone. Rows no voxel of the
 * result comes within the box of are skipped. Returns the voxel count.
 */
export function smoothResult(out: Uint8Array, dims: Vec3, spacing: readonly number[], points: readonly Vec3[], labels: ReadonlyArray<0 | 1>): number {
  const [nx, ny, nz] = dims;
  const filled = new Uint8Array(ny * nz);
  const { lo, hi } = runBounds(out, dims, filled);
  if (hi[0] < 0) return 0;
  const h = spacing.map((s) => Math.max(1, Math.round((SMOOTH_WIDTH_MM / s - 1) / 2)));
  for (let a = 0; a < 3; a++) {
    lo[a] = Math.max(0, lo[a] - h[a]);
    hi[a] = Math.min(dims[a] - 1, hi[a] + h[a]);
  }
  const [bx, by, bz] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const plane = bx * by;
  // The box's voxels inside the scan per axis (beyond the scan's edge is unknown, not background).
  const inside = [0, 1, 2].map((a) => Float64Array.from({ length: [bx, by, bz][a] }, (_v, t) => {
    const g = lo[a] + t;
    return Math.min(g + h[a], dims[a] - 1) - Math.max(g - h[a], 0) + 1;
  }));
  const need = new Int32Array(bx);
  let needScale = -1;
  const ringSize = 2 * h[2] + 2;
  const ring = Array.from({ length: ringSize }, () => new Uint16Array(plane));
  const ringFilled = new Uint8Array(ringSize);
  const rowSums = new Uint16Array(plane);
  const acc = new Int32Array(plane);
  let accAny = 0;
  const sliceHas = (z: number): boolean => {
    const base = ny * (lo[2] + z);
    for (let y = lo[1]; y <= hi[1]; y++) if (filled[base + y] !== 0) return true;
    return false;
  };
  /** The in-plane box sums of box slice z into the ring; false when the slice is empty. */
  const sliceSums = (z: number): boolean => {
    const slot = z % ringSize;
    if (!sliceHas(z)) { ringFilled[slot] = 0; return false; }
    rowSums.fill(0);
    for (let y = 0; y < by; y++) {
      const row = lo[1] + y + ny * (lo[2] + z);
      if (filled[row] !== 0) runningSum(out, lo[0] + nx * row, 1, rowSums, bx * y, 1, bx, h[0]);
    }
    const dst = ring[slot];
    for (let x = 0; x < bx; x++) runningSum(rowSums, x, bx, dst, x, bx, by, h[1]);
    ringFilled[slot] = 1;
    return true;
  };
  let count = 0;
  for (let z = 0; z < Math.min(h[2], bz); z++) if (sliceSums(z)) { const p = ring[z % ringSize]; for (let i = 0; i < plane; i++) acc[i] += p[i]; accAny++; }
  for (let z = 0; z < bz; z++) {
    // Slice z + h enters the running sum, slice z − h − 1 leaves (computed before any output is written
    // over it: the ring holds the sums of the input).
    const enter = z + h[2];
    if (enter < bz && sliceSums(enter)) { const p = ring[enter % ringSize]; for (let i = 0; i < plane; i++) acc[i] += p[i]; accAny++; }
    const leave = z - h[2] - 1;
    if (leave >= 0 && ringFilled[leave % ringSize] !== 0) { const p = ring[leave % ringSize]; for (let i = 0; i < plane; i++) acc[i] -= p[i]; accAny--; ringFilled[leave % ringSize] = 0; }
    if (accAny === 0) continue;
    for (let y = 0; y < by; y++) {
      // The thresholds change only in rows whose box the scan's edge cuts: most rows reuse the last ones.
      const scale = SMOOTH_FRACTION * inside[1][y] * inside[2][z];
      if (scale !== needScale) {
        for (let x = 0; x < bx; x++) need[x] = Math.ceil(scale * inside[0][x] - 1e-9);
        needScale = scale;
      }
      const src = bx * y;
      const dst = lo[0] + nx * (lo[1] + y + ny * (lo[2] + z));
      for (let x = 0; x < bx; x++) {
        const v = acc[src + x] >= need[x] ? 1 : 0;
        out[dst + x] = v;
        count += v;
      }
    }
  }
  return pinClicks(out, dims, count, points, labels);
}

/** dst[d + t·ds] = sum of src[s + u·ss] for u in [t − r, t + r] ∩ [0, len): one line's running sum. */
function runningSum(src: Uint8Array | Uint16Array, s: number, ss: number, dst: Uint16Array, d: number, ds: number, len: number, r: number): void {
  let acc = 0;
  for (let u = 0; u <= Math.min(r, len - 1); u++) acc += src[s + u * ss];
  dst[d] = acc;
  for (let t = 1; t < len; t++) {
    if (t + r < len) acc += src[s + (t + r) * ss];
    if (t - r - 1 >= 0) acc -= src[s + (t - r - 1) * ss];
    dst[d + t * ds] = acc;
  }
}
