import type { Vec3, Volume } from '@vista3d/volume';
import type { ModelCard } from './card.js';

/** Grid size at the model spacing covering the same extent as the input grid. */
export function modelGrid(ct: Pick<Volume, 'dims' | 'spacing'>, spacing: Vec3): Vec3 {
  return [0, 1, 2].map((a) => Math.max(1, Math.round((ct.dims[a] * ct.spacing[a]) / spacing[a]))) as Vec3;
}

/** Maps an intensity in HU to the model's input scale (clip to window, then minmax or zscore). */
export function normaliser(card: ModelCard): (hu: number) => number {
  const [lo, hi] = card.intensity.window;
  const { normalise, mean = 0, std = 1 } = card.intensity;
  return (hu) => {
    const c = hu < lo ? lo : hu > hi ? hi : hu;
    return normalise === 'minmax' ? (c - lo) / (hi - lo) : (c - mean) / std;
  };
}

/**
 * Trilinear resampling of the CT straight into the model's normalised Float32 input grid
 * (one output array; the CT is read in place). Voxel centres are aligned as MONAI's Spacing
 * with align_corners=False: out index i ↦ input coordinate (i + 0.5)·s_out/s_in − 0.5.
 */
export function resampleCt(ct: Volume, card: ModelCard, grid: Vec3): Float32Array {
  const [nx, ny, nz] = ct.dims;
  const [mx, my, mz] = grid;
  const scale = [0, 1, 2].map((a) => ct.dims[a] / grid[a]);
  const norm = normaliser(card);
  const slope = ct.scl.slope || 1;
  const inter = ct.scl.inter || 0;
  const data = ct.data;
  const out = new Float32Array(mx * my * mz);
  const axis = (i: number, a: number, n: number): [number, number, number] => {
    const c = Math.min(n - 1, Math.max(0, (i + 0.5) * scale[a] - 0.5));
    const i0 = Math.floor(c);
    const i1 = Math.min(n - 1, i0 + 1);
    return [i0, i1, c - i0];
  };
  for (let z = 0; z < mz; z++) {
    const [z0, z1, fz] = axis(z, 2, nz);
    for (let y = 0; y < my; y++) {
      const [y0, y1, fy] = axis(y, 1, ny);
      const r00 = (z0 * ny + y0) * nx; const r01 = (z0 * ny + y1) * nx;
      const r10 = (z1 * ny + y0) * nx; const r11 = (z1 * ny + y1) * nx;
      for (let x = 0; x < mx; x++) {
        const [x0, x1, fx] = axis(x, 0, nx);
        const l = (r: number): number => data[r + x0] + (data[r + x1] - data[r + x0]) * fx;
        const a = l(r00) + (l(r01) - l(r00)) * fy;
        const b = l(r10) + (l(r11) - l(r10)) * fy;
        out[x + mx * (y + my * z)] = norm((a + (b - a) * fz) * slope + inter);
      }
    }
  }
  return out;
}

/** Nearest-neighbour resampling of a label grid back onto the input grid (same extent). */
export function resampleLabelsNearest(labels: Uint8Array, grid: Vec3, dims: Vec3): Uint8Array {
  const out = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const idx = [0, 1, 2].map((a) => {
    const m = new Int32Array(dims[a]);
    for (let i = 0; i < dims[a]; i++) m[i] = Math.min(grid[a] - 1, Math.max(0, Math.floor(((i + 0.5) * grid[a]) / dims[a])));
    return m;
  });
  for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) {
    const src = grid[0] * (idx[1][y] + grid[1] * idx[2][z]);
    const dst = dims[0] * (y + dims[1] * z);
    for (let x = 0; x < dims[0]; x++) out[dst + x] = labels[src + idx[0][x]];
  }
  return out;
}
