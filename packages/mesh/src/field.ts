import type { Volume } from '@vista3d/volume';
import type { LabelBox } from './label-boxes.js';

/** A scalar field on a regular grid whose sample (0,0,0) is voxel `origin` of the source volume. */
export interface ScalarGrid {
  dims: [number, number, number];
  origin: [number, number, number];
  values: Float32Array;
  /** 1 where the sample is inside (the label's voxels), when known. */
  inside?: Uint8Array;
}

const CLAMP_EPS = 1e-3;

/** Normalised Gaussian taps out to 2.5σ (the tail beyond holds < 2% of the weight). */
function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * The field whose 0.5 iso-surface is the label's surface: the binary mask of `box` padded so the
 * surface closes (voxels outside the volume count as outside), optionally Gaussian-blurred
 * (σ in voxels) and then clamped so every voxel keeps its class (inside > 0.5 > outside).
 */
export function labelField(volume: Pick<Volume, 'dims' | 'data'>, box: LabelBox, blurSigma: number): ScalarGrid {
  const [nx, ny] = volume.dims;
  const data = volume.data;
  const id = box.labelId;
  // Only samples next to a sample of the other class are ever interpolated by the iso-surface, so the
  // blurred value is computed at those alone (a narrow band) and read neighbours outside the label's
  // box count as 0: a padding of 1 closes the surface.
  const pad = 1;
  const origin: [number, number, number] = [box.min[0] - pad, box.min[1] - pad, box.min[2] - pad];
  const dims: [number, number, number] = [
    box.max[0] - box.min[0] + 1 + 2 * pad,
    box.max[1] - box.min[1] + 1 + 2 * pad,
    box.max[2] - box.min[2] + 1 + 2 * pad,
  ];
  const [gx, gy, gz] = dims;
  const plane = gx * gy;
  const mask = new Uint8Array(plane * gz);
  for (let z = box.min[2]; z <= box.max[2]; z++) {
    for (let y = box.min[1]; y <= box.max[1]; y++) {
      const src = (z * ny + y) * nx;
      const dst = ((z - origin[2]) * gy + (y - origin[1])) * gx - origin[0];
      for (let x = box.min[0]; x <= box.max[0]; x++) if (Math.round(data[src + x]) === id) mask[dst + x] = 1;
    }
  }
  const values = new Float32Array(mask.length);
  const lo = 0.5 - CLAMP_EPS, hi = 0.5 + CLAMP_EPS;
  const k = blurSigma > 0 ? gaussianKernel(blurSigma) : null;
  const r = k ? (k.length - 1) / 2 : 0;
  for (let z = 0; z < gz; z++) {
    for (let y = 0; y < gy; y++) {
      let i = (z * gy + y) * gx;
      for (let x = 0; x < gx; x++, i++) {
        const m = mask[i];
        const edge =
          (x > 0 && mask[i - 1] !== m) || (x + 1 < gx && mask[i + 1] !== m) ||
          (y > 0 && mask[i - gx] !== m) || (y + 1 < gy && mask[i + gx] !== m) ||
          (z > 0 && mask[i - plane] !== m) || (z + 1 < gz && mask[i + plane] !== m);
        if (!edge) {
          values[i] = m;
          continue;
        }
        let v = m;
        if (k) {
          v = 0;
          const z0 = Math.max(0, z - r), z1 = Math.min(gz - 1, z + r);
          const y0 = Math.max(0, y - r), y1 = Math.min(gy - 1, y + r);
          const x0 = Math.max(0, x - r), x1 = Math.min(gx - 1, x + r);
          for (let zz = z0; zz <= z1; zz++) {
            const kz = k[zz - z + r];
            for (let yy = y0; yy <= y1; yy++) {
              const kzy = kz * k[yy - y + r];
              const row = (zz * gy + yy) * gx;
              let acc = 0;
              for (let xx = x0; xx <= x1; xx++) if (mask[row + xx]) acc += k[xx - x + r];
              v += kzy * acc;
            }
          }
        }
        values[i] = m ? Math.max(v, hi) : Math.min(v, lo);
      }
    }
  }
  return { dims, origin, values, inside: mask };
}
