import type { Vec3 } from '@vista3d/volume';

/**
 * Binary erosion/dilation by a (2r+1)³ cube, separable: three 1D sliding-window passes using a
 * running count, so the cost is O(voxels) whatever r is. Outside the grid counts as background.
 * `axes` restricts the element (e.g. in-plane only). `tmp` (same length) can be passed to avoid an allocation; the result is written to `mask`.
 */
export function morph(
  mask: Uint8Array,
  dims: Vec3,
  r: number,
  op: 'erode' | 'dilate',
  tmp?: Uint8Array,
  axes: readonly number[] = [0, 1, 2],
): void {
  if (r <= 0) return;
  const buf = tmp ?? new Uint8Array(mask.length);
  const stride: Vec3 = [1, dims[0], dims[0] * dims[1]];
  let src = mask;
  let dst = buf;
  for (const axis of axes) {
    const n = dims[axis];
    const s = stride[axis];
    const others = [0, 1, 2].filter((a) => a !== axis);
    const [a1, a2] = others;
    for (let j = 0; j < dims[a2]; j++) {
      for (let i = 0; i < dims[a1]; i++) {
        const base = i * stride[a1] + j * stride[a2];
        // count of ones in window [k-r, k+r]
        let count = 0;
        for (let k = 0; k <= Math.min(r, n - 1); k++) count += src[base + k * s];
        for (let k = 0; k < n; k++) {
          const full = Math.min(k + r, n - 1) - Math.max(k - r, 0) + 1;
          const inside = op === 'dilate' ? count > 0 : count === full && full === 2 * r + 1;
          dst[base + k * s] = inside ? 1 : 0;
          const add = k + r + 1;
          const drop = k - r;
          if (add < n) count += src[base + add * s];
          if (drop >= 0) count -= src[base + drop * s];
        }
      }
    }
    const t = src;
    src = dst;
    dst = t;
  }
  // after an odd number of passes the result sits in buf
  if (src !== mask) mask.set(src);
}

export function opening(mask: Uint8Array, dims: Vec3, r: number, tmp?: Uint8Array): void {
  morph(mask, dims, r, 'erode', tmp);
  morph(mask, dims, r, 'dilate', tmp);
}

export function closing(mask: Uint8Array, dims: Vec3, r: number, tmp?: Uint8Array): void {
  morph(mask, dims, r, 'dilate', tmp);
  morph(mask, dims, r, 'erode', tmp);
}
