import type { Vec3 } from '@vista3d/volume';

/** MONAI `_get_scan_interval`: int(roi·(1 − overlap)), or roi when the roi equals the image, at least 1. */
export function scanInterval(imageSize: number, roi: number, overlap: number): number {
  if (roi === imageSize) return roi;
  return Math.max(1, Math.trunc(roi * (1 - overlap)));
}

/** MONAI `dense_patch_slices` starts along one axis: k·interval, the last moved back to end at the edge. */
export function monaiStarts(size: number, roi: number, interval: number): number[] {
  const num = Math.ceil(size / interval);
  let last = 0;
  for (let d = 0; d < num; d++) if (d * interval + roi >= size) { last = d; break; }
  const starts: number[] = [];
  for (let d = 0; d <= last; d++) {
    const s = d * interval;
    starts.push(s - Math.max(s + roi - size, 0));
  }
  return starts;
}

/** nnU-Net `compute_steps_for_sliding_window`: evenly spread steps with at most `stepSize`·patch between them. */
export function nnunetStarts(size: number, patch: number, stepSize: number): number[] {
  const n = Math.ceil((size - patch) / (patch * stepSize)) + 1;
  if (n <= 1) return [0];
  const step = (size - patch) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(step * i));
}

/** Symmetric padding of an axis smaller than the patch (MONAI and nnU-Net): ⌊diff/2⌋ before, the rest after. */
export function padBeforeAfter(size: number, patch: number): [number, number] {
  const diff = Math.max(patch - size, 0);
  return [Math.floor(diff / 2), diff - Math.floor(diff / 2)];
}

export type Blend = 'gaussian' | 'constant' | 'nnunet-gaussian';

/**
 * Blending weights for one patch, x fastest.
 * - gaussian: MONAI `compute_importance_map`: σ = sigmaScale·patch, centred at (n − 1)/2, product of
 *   float32 1-D gaussians, clamped from below at max(min, 1e-3).
 * - nnunet-gaussian: nnU-Net's map: centred at ⌊n/2⌋, σ = patch/8, cut at 4σ (scipy's gaussian_filter
 *   of a delta), max 1, zeros raised to the smallest non-zero value.
 * - constant: ones.
 */
export function importanceMap(patch: Vec3, blend: Blend, sigmaScale = 0.125): Float32Array {
  const [px, py, pz] = patch;
  const out = new Float32Array(px * py * pz);
  if (blend === 'constant') return out.fill(1);
  const f = Math.fround;
  const axis = (n: number): Float32Array => {
    const g = new Float32Array(n);
    if (blend === 'gaussian') {
      const den = f(-2 * (n * sigmaScale) ** 2);
      for (let i = 0; i < n; i++) {
        const x = f(i - (n - 1) / 2);
        g[i] = Math.exp(f(f(x * x) / den));
      }
    } else {
      const sigma = n / 8;
      const radius = Math.trunc(4 * sigma + 0.5);
      const c = Math.floor(n / 2);
      for (let i = 0; i < n; i++) g[i] = Math.abs(i - c) <= radius ? Math.exp(-0.5 * ((i - c) / sigma) ** 2) : 0;
    }
    return g;
  };
  const gx = axis(px); const gy = axis(py); const gz = axis(pz);
  let i = 0;
  let min = Infinity;
  let minNonZero = Infinity;
  for (let z = 0; z < pz; z++) for (let y = 0; y < py; y++) {
    const gyz = gy[y];
    for (let x = 0; x < px; x++, i++) {
      const v = f(f(gx[x] * gyz) * gz[z]);
      out[i] = v;
      if (v < min) min = v;
      if (v > 0 && v < minNonZero) minNonZero = v;
    }
  }
  const floor = blend === 'gaussian' ? Math.max(min, 1e-3) : minNonZero;
  for (let k = 0; k < out.length; k++) if (out[k] < floor) out[k] = floor;
  return out;
}
