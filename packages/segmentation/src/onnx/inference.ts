import type { Vec3 } from '@vista3d/volume';
import type { SlidingWindow } from './card.js';
import { importanceMap, monaiStarts, nnunetStarts, padBeforeAfter, scanInterval } from './transforms/sliding-window.js';

export type AxisOrder = 'xyz' | 'zyx';

/** Where patch voxel (x, y, z) lives in the ONNX tensor, and the tensor's spatial shape. */
export function patchLayout(patch: Vec3, order: AxisOrder): { shape: number[]; at: (x: number, y: number, z: number) => number } {
  const [px, py, pz] = patch;
  return order === 'xyz'
    ? { shape: [px, py, pz], at: (x, y, z) => (x * py + y) * pz + z }
    : { shape: [pz, py, px], at: (x, y, z) => x + px * (y + py * z) };
}

/** Window origins on the model grid per axis (negative when the grid is padded: MONAI pads symmetrically). */
export function windowStarts(dims: Vec3, sw: Pick<SlidingWindow, 'patchSize' | 'overlap' | 'placement'>): [number[], number[], number[]] {
  return [0, 1, 2].map((a) => {
    const roi = sw.patchSize[a];
    const [before] = padBeforeAfter(dims[a], roi);
    const size = Math.max(dims[a], roi);
    const starts = sw.placement === 'nnunet' ? nnunetStarts(size, roi, 1 - sw.overlap) : monaiStarts(size, roi, scanInterval(size, roi, sw.overlap));
    return starts.map((s) => s - before);
  }) as [number[], number[], number[]];
}

/** Copies a window of the image into a patch tensor; voxels outside the grid get `pad` (0 in normalised space, as MONAI). */
export function fillPatch(image: Float32Array, dims: Vec3, start: Vec3, patch: Vec3, at: (x: number, y: number, z: number) => number, out: Float32Array, pad = 0): void {
  const [nx, ny, nz] = dims;
  for (let z = 0; z < patch[2]; z++) {
    const gz = start[2] + z;
    for (let y = 0; y < patch[1]; y++) {
      const gy = start[1] + y;
      const inside = gz >= 0 && gz < nz && gy >= 0 && gy < ny;
      const row = nx * (gy + ny * gz);
      for (let x = 0; x < patch[0]; x++) {
        const gx = start[0] + x;
        out[at(x, y, z)] = inside && gx >= 0 && gx < nx ? image[row + gx] : pad;
      }
    }
  }
}

export interface SlidingWindowRun {
  image: Float32Array;
  dims: Vec3;
  sw: SlidingWindow;
  order: AxisOrder;
  /** Output maps per window (the class group's size). */
  maps: number;
  /** One network call: the patch tensor in, `maps` × patch voxels out (tensor layout). */
  run: (patch: Float32Array) => Promise<Float32Array>;
  signal?: AbortSignal;
  onWindow?: (done: number, total: number) => void;
}

/**
 * MONAI `sliding_window_inference`: Σ w·logits / Σ w per map, float32, windows in MONAI's order
 * (x slowest). Returns one blended map per output map on the model grid (x fastest).
 */
export async function slidingWindow(r: SlidingWindowRun): Promise<Float32Array[]> {
  const { dims, sw } = r;
  const patch = sw.patchSize;
  const n = dims[0] * dims[1] * dims[2];
  const pn = patch[0] * patch[1] * patch[2];
  const { at } = patchLayout(patch, r.order);
  const imp = importanceMap(patch, sw.blend, sw.sigmaScale);
  const acc = Array.from({ length: r.maps }, () => new Float32Array(n));
  const count = new Float32Array(n);
  const starts = windowStarts(dims, sw);
  const total = starts[0].length * starts[1].length * starts[2].length;
  const input = new Float32Array(pn);
  // Tensor offset of every patch voxel (x fastest), computed once.
  const offsets = new Int32Array(pn);
  for (let z = 0, i = 0; z < patch[2]; z++) for (let y = 0; y < patch[1]; y++) for (let x = 0; x < patch[0]; x++, i++) offsets[i] = at(x, y, z);
  let done = 0;
  for (const sx of starts[0]) for (const sy of starts[1]) for (const sz of starts[2]) {
    r.signal?.throwIfAborted();
    const start: Vec3 = [sx, sy, sz];
    fillPatch(r.image, dims, start, patch, at, input);
    const out = await r.run(input);
    for (let z = 0; z < patch[2]; z++) {
      const gz = sz + z;
      if (gz < 0 || gz >= dims[2]) continue;
      for (let y = 0; y < patch[1]; y++) {
        const gy = sy + y;
        if (gy < 0 || gy >= dims[1]) continue;
        const row = dims[0] * (gy + dims[1] * gz);
        const prow = patch[0] * (y + patch[1] * z);
        for (let x = 0; x < patch[0]; x++) {
          const gx = sx + x;
          if (gx < 0 || gx >= dims[0]) continue;
          const g = row + gx;
          const p = prow + x;
          const w = imp[p];
          const o = offsets[p];
          count[g] += w;
          for (let k = 0; k < r.maps; k++) acc[k][g] += Math.fround(w * out[k * pn + o]);
        }
      }
    }
    done++;
    r.onWindow?.(done, total);
  }
  for (const a of acc) for (let g = 0; g < n; g++) a[g] /= count[g];
  return acc;
}
