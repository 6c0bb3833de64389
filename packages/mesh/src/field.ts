import type { Volume } from '@vista3d/volume';
import type { LabelBox } from './label-boxes.js';

/** A scalar field on a regular grid whose sample (0,0,0) is voxel `origin` of the source volume. */
export interface ScalarGrid {
  dims: [number, number, number];
  origin: [number, number, number];
  values: Float32Array;
}

const CLAMP_EPS = 1e-3;

function gaussianKernel(sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable 1D convolution along `axis` (stride), zero outside. */
function convolveAxis(src: Float32Array, dst: Float32Array, dims: [number, number, number], axis: 0 | 1 | 2, k: Float32Array): void {
  const [gx, gy] = dims;
  const stride = axis === 0 ? 1 : axis === 1 ? gx : gx * gy;
  const n = dims[axis];
  const r = (k.length - 1) / 2;
  const total = src.length;
  for (let start = 0; start < total; start++) {
    // start must be the first sample of a line along axis
    const pos = axis === 0 ? start % gx : axis === 1 ? Math.floor(start / gx) % gy : Math.floor(start / (gx * gy));
    if (pos !== 0) continue;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      const lo = Math.max(-r, -i);
      const hi = Math.min(r, n - 1 - i);
      for (let t = lo; t <= hi; t++) acc += k[t + r] * src[start + (i + t) * stride];
      dst[start + i * stride] = acc;
    }
  }
}

/**
 * The field whose 0.5 iso-surface is the label's surface: the binary mask of `box` padded so the
 * surface closes (voxels outside the volume count as outside), optionally Gaussian-blurred
 * (σ in voxels) and then clamped so every voxel keeps its class (inside > 0.5 > outside).
 */
export function labelField(volume: Pick<Volume, 'dims' | 'data'>, box: LabelBox, blurSigma: number): ScalarGrid {
  const [nx, ny, nz] = volume.dims;
  const data = volume.data;
  const id = box.labelId;
  const pad = 1 + (blurSigma > 0 ? Math.ceil(3 * blurSigma) : 0);
  const origin: [number, number, number] = [box.min[0] - pad, box.min[1] - pad, box.min[2] - pad];
  const dims: [number, number, number] = [
    box.max[0] - box.min[0] + 1 + 2 * pad,
    box.max[1] - box.min[1] + 1 + 2 * pad,
    box.max[2] - box.min[2] + 1 + 2 * pad,
  ];
  const [gx, gy, gz] = dims;
  const mask = new Uint8Array(gx * gy * gz);
  for (let z = box.min[2]; z <= box.max[2]; z++) {
    for (let y = box.min[1]; y <= box.max[1]; y++) {
      const src = (z * ny + y) * nx;
      const dst = ((z - origin[2]) * gy + (y - origin[1])) * gx - origin[0];
      for (let x = box.min[0]; x <= box.max[0]; x++) if (Math.round(data[src + x]) === id) mask[dst + x] = 1;
    }
  }
  void nz;
  const values = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) values[i] = mask[i];
  if (blurSigma > 0) {
    const k = gaussianKernel(blurSigma);
    const tmp = new Float32Array(values.length);
    convolveAxis(values, tmp, dims, 0, k);
    convolveAxis(tmp, values, dims, 1, k);
    convolveAxis(values, tmp, dims, 2, k);
    values.set(tmp);
  }
  for (let i = 0; i < values.length; i++) {
    values[i] = mask[i] ? Math.max(values[i], 0.5 + CLAMP_EPS) : Math.min(values[i], 0.5 - CLAMP_EPS);
  }
  return { dims, origin, values };
}
