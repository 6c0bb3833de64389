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
  /**
   * Receives finished voxels: planes x0 ≤ x < x1 of every blended map, stored in a slab at
   * (x − base) + width·(y + ny·z).
   */
  emit: (slab: Slab) => void;
  signal?: AbortSignal;
  onWindow?: (done: number, total: number) => void;
}

/** Finished planes x0…x1−1 of the blended maps, in a slab buffer starting at plane `base`. */
export interface Slab {
  x0: number;
  x1: number;
  base: number;
  width: number;
  maps: readonly Float32Array[];
}

/**
 * MONAI `sliding_window_inference`: Σ w·logits / Σ w per map in float32, windows in MONAI's order
 * (x slowest). Only a slab one patch wide in x is accumulated at a time: once the windows move past a
 * plane, no later window touches it, so it is divided, handed to `emit` and its memory reused.
 * Memory: maps × patch_x × ny × nz × 4 bytes, not maps × voxels × 4.
 */
export async function slidingWindow(r: SlidingWindowRun): Promise<void> {
  const { dims, sw } = r;
  const [nx, ny, nz] = dims;
  const patch = sw.patchSize;
  const pn = patch[0] * patch[1] * patch[2];
  const { at } = patchLayout(patch, r.order);
  const imp = importanceMap(patch, sw.blend, sw.sigmaScale);
  const width = Math.min(patch[0], nx);
  const rows = ny * nz;
  const acc = Array.from({ length: r.maps }, () => new Float32Array(width * rows));
  const count = new Float32Array(width * rows);
  const starts = windowStarts(dims, sw);
  const total = starts[0].length * starts[1].length * starts[2].length;
  const input = new Float32Array(pn);
  // Tensor offset of every patch voxel (x fastest), computed once.
  const offsets = new Int32Array(pn);
  for (let z = 0, i = 0; z < patch[2]; z++) for (let y = 0; y < patch[1]; y++) for (let x = 0; x < patch[0]; x++, i++) offsets[i] = at(x, y, z);
  let base = 0;
  const finish = (x1: number): void => {
    for (const a of acc) {
      for (let q = 0; q < rows; q++) {
        const row = q * width;
        for (let x = base; x < x1; x++) a[row + x - base] /= count[row + x - base];
      }
    }
    r.emit({ x0: base, x1, base, width, maps: acc });
  };
  const shift = (to: number): void => {
    const d = to - base;
    for (const a of [...acc, count]) {
      for (let q = 0; q < rows; q++) {
        const row = q * width;
        if (d < width) a.copyWithin(row, row + d, row + width);
        a.fill(0, row + Math.max(0, width - d), row + width);
      }
    }
    base = to;
  };
  let done = 0;
  for (const sx of starts[0]) {
    const lo = Math.max(sx, 0);
    if (lo > base) {
      finish(lo);
      shift(lo);
    }
    for (const sy of starts[1]) for (const sz of starts[2]) {
      r.signal?.throwIfAborted();
      fillPatch(r.image, dims, [sx, sy, sz], patch, at, input);
      const out = await r.run(input);
      for (let z = 0; z < patch[2]; z++) {
        const gz = sz + z;
        if (gz < 0 || gz >= nz) continue;
        for (let y = 0; y < patch[1]; y++) {
          const gy = sy + y;
          if (gy < 0 || gy >= ny) continue;
          const row = width * (gy + ny * gz) - base + sx;
          const prow = patch[0] * (y + patch[1] * z);
          const xa = Math.max(0, -sx);
          const xb = Math.min(patch[0], nx - sx);
          for (let x = xa; x < xb; x++) count[row + x] += imp[prow + x];
          // One map at a time along the row (same summation order per voxel, better locality).
          for (let k = 0; k < r.maps; k++) {
            const a = acc[k];
            const ko = k * pn;
            for (let x = xa; x < xb; x++) a[row + x] += Math.fround(imp[prow + x] * out[ko + offsets[prow + x]]);
          }
        }
      }
      done++;
      r.onWindow?.(done, total);
    }
  }
  finish(Math.min(base + width, nx));
}

/**
 * Running argmax over finished slabs: a voxel takes `ids[k]` where map k beats everything so far
 * (strictly: the first maximum wins, as torch.argmax). `best` starts at −∞ (softmax) or 0 (VISTA3D:
 * background unless some logit is > 0).
 */
export function foldArgmax(best: Float32Array, label: Uint8Array, ids: ArrayLike<number>, dims: Vec3, slab: Slab): void {
  const [nx, ny, nz] = dims;
  for (let k = 0; k < slab.maps.length; k++) {
    const map = slab.maps[k];
    const id = ids[k];
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
      const src = slab.width * (y + ny * z) - slab.base;
      const dst = nx * (y + ny * z);
      for (let x = slab.x0; x < slab.x1; x++) {
        const v = map[src + x];
        if (v > best[dst + x]) { best[dst + x] = v; label[dst + x] = id; }
      }
    }
  }
}

/** Copies map k of a finished slab into a full model-grid array (diagnostics). */
export function copySlab(full: Float32Array, slab: Slab, k: number, dims: Vec3): void {
  const [nx, ny, nz] = dims;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
    const src = slab.width * (y + ny * z) - slab.base;
    const dst = nx * (y + ny * z);
    for (let x = slab.x0; x < slab.x1; x++) full[dst + x] = slab.maps[k][src + x];
  }
}
