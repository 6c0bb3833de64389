import type { Vec3 } from '@vista3d/volume';

/**
 * Binary erosion/dilation by a (2r+1)³ cube, separable: three 1D sliding-window passes using a
 * running count, so the cost is O(voxels) whatever r is. Outside the grid counts as background.
 * `axes` restricts the element (e.g. in-plane only). `tmp` (same length) can be passed to avoid an allocation; the result is written to `mask`.
 * Returns the number of foreground voxels of the result (−1 when r ≤ 0: nothing done, not counted);
 * an erosion that empties the mask stops there (the remaining axes cannot bring anything back).
 */
export function morph(
  mask: Uint8Array,
  dims: Vec3,
  r: number,
  op: 'erode' | 'dilate',
  tmp?: Uint8Array,
  axes: readonly number[] = [0, 1, 2],
): number {
  if (r <= 0) return -1;
  const buf = tmp ?? new Uint8Array(mask.length);
  const stride: Vec3 = [1, dims[0], dims[0] * dims[1]];
  let src = mask;
  let dst = buf;
  let count = 0;
  for (const axis of axes) {
    count = axis === 0 ? lineX(src, dst, dims, r, op) : sweep(src, dst, dims[axis], stride[axis], mask.length / (dims[axis] * stride[axis]), r, op);
    const t = src;
    src = dst;
    dst = t;
    if (count === 0) { mask.fill(0); return 0; }
  }
  // after an odd number of passes the result sits in buf
  if (src !== mask) mask.set(src);
  return count;
}

/**
 * One axis with stride s > 1, as whole rows: the volume is [outer][n][s] and a running count per
 * position of a row (s counters) slides along the axis, so every inner loop is contiguous memory
 * (cache-friendly for the z axis too, unlike stepping voxel by voxel along a strided line).
 */
function sweep(src: Uint8Array, dst: Uint8Array, n: number, s: number, outer: number, r: number, op: 'erode' | 'dilate'): number {
  const count = new Uint16Array(s);
  const full = 2 * r + 1;
  let total = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * n * s;
    count.fill(0);
    for (let k = 0; k < Math.min(r, n); k++) {
      const row = base + k * s;
      for (let j = 0; j < s; j++) count[j] += src[row + j];
    }
    for (let k = 0; k < n; k++) {
      const add = k + r;
      if (add < n) {
        const row = base + add * s;
        for (let j = 0; j < s; j++) count[j] += src[row + j];
      }
      const drop = k - r - 1;
      if (drop >= 0) {
        const row = base + drop * s;
        for (let j = 0; j < s; j++) count[j] -= src[row + j];
      }
      const out = base + k * s;
      if (op === 'dilate') for (let j = 0; j < s; j++) { const v = count[j] > 0 ? 1 : 0; dst[out + j] = v; total += v; }
      else if (k < r || k + r >= n) dst.fill(0, out, out + s); // the window leaves the grid: background
      else for (let j = 0; j < s; j++) { const v = count[j] === full ? 1 : 0; dst[out + j] = v; total += v; }
    }
  }
  return total;
}

/** The x axis (contiguous lines): a running count per line. */
function lineX(src: Uint8Array, dst: Uint8Array, dims: Vec3, r: number, op: 'erode' | 'dilate'): number {
  const nx = dims[0];
  const lines = src.length / nx;
  const full = 2 * r + 1;
  let total = 0;
  for (let l = 0; l < lines; l++) {
    const base = l * nx;
    let count = 0;
    for (let k = 0; k < Math.min(r, nx); k++) count += src[base + k];
    for (let k = 0; k < nx; k++) {
      if (k + r < nx) count += src[base + k + r];
      if (k - r - 1 >= 0) count -= src[base + k - r - 1];
      const v = op === 'dilate' ? (count > 0 ? 1 : 0) : (count === full && k >= r && k + r < nx ? 1 : 0);
      dst[base + k] = v;
      total += v;
    }
  }
  return total;
}

export function opening(mask: Uint8Array, dims: Vec3, r: number, tmp?: Uint8Array): void {
  morph(mask, dims, r, 'erode', tmp);
  morph(mask, dims, r, 'dilate', tmp);
}

export function closing(mask: Uint8Array, dims: Vec3, r: number, tmp?: Uint8Array): void {
  morph(mask, dims, r, 'dilate', tmp);
  morph(mask, dims, r, 'erode', tmp);
}
