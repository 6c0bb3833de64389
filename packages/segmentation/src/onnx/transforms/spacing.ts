import type { Mat4, Vec3 } from '@vista3d/volume';

/** numpy's round: half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Voxel size along each voxel axis: the affine's column norms (as MONAI reads pixdim from the affine). */
export function affineSpacing(affine: Mat4): Vec3 {
  return [0, 1, 2].map((a) => Math.hypot(affine[0][a], affine[1][a], affine[2][a])) as Vec3;
}

export interface SpacingGrid {
  dims: Vec3;
  affine: Mat4;
  /** Input voxels per output voxel along each axis (s_out / s_in). */
  ratio: Vec3;
  /** Output voxel j sits at input coordinate j·ratio + offset (0 for MONAI). */
  offset: Vec3;
}

/**
 * MONAI `Spacing(pixdim, scale_extent=False)`: the axes keep their directions, the first voxel
 * centre is kept and n_out = round((n − 1)·s_in/s_out + 1) (numpy rounding). Not extent-preserving.
 */
export function spacingGrid(dims: Vec3, affine: Mat4, pixdim: Vec3, convention: 'monai' | 'nnunet' = 'monai'): SpacingGrid {
  const sIn = affineSpacing(affine);
  let ratio = [0, 1, 2].map((a) => pixdim[a] / sIn[a]) as Vec3;
  let offset: Vec3 = [0, 0, 0];
  let out = [0, 1, 2].map((a) => Math.max(1, roundHalfEven(((dims[a] - 1) * sIn[a]) / pixdim[a] + 1))) as Vec3;
  if (convention === 'nnunet') {
    // nnU-Net: shape round(n·s_in/s_out), voxel centres spread over the same extent (skimage resize).
    out = [0, 1, 2].map((a) => Math.max(1, Math.round((dims[a] * sIn[a]) / pixdim[a]))) as Vec3;
    ratio = [0, 1, 2].map((a) => dims[a] / out[a]) as Vec3;
    offset = [0, 1, 2].map((a) => 0.5 * ratio[a] - 0.5) as Vec3;
  }
  const aff = affine.map((r) => [...r]) as Mat4;
  for (let row = 0; row < 3; row++) {
    for (let a = 0; a < 3; a++) aff[row][a] = affine[row][a] * ratio[a];
    aff[row][3] = affine[row][3] + affine[row][0] * offset[0] + affine[row][1] * offset[1] + affine[row][2] * offset[2];
  }
  return { dims: out, affine: aff, ratio, offset };
}

interface Taps { i0: Int32Array; i1: Int32Array; f: Float64Array }

/** Output voxel j reads input coordinate j·ratio + offset, clamped to the border (padding_mode "border"). */
function taps(nOut: number, nIn: number, ratio: number, offset: number): Taps {
  const t: Taps = { i0: new Int32Array(nOut), i1: new Int32Array(nOut), f: new Float64Array(nOut) };
  for (let j = 0; j < nOut; j++) {
    const c = Math.min(nIn - 1, Math.max(0, j * ratio + offset));
    const i0 = Math.floor(c);
    t.i0[j] = i0;
    t.i1[j] = Math.min(nIn - 1, i0 + 1);
    t.f[j] = c - i0;
  }
  return t;
}

/**
 * Trilinear resampling onto a spacing grid, in float64 and stored as float32 (MONAI computes
 * Spacingd in float64). `src` holds raw values; HU = raw·slope + inter.
 */
export function resampleBilinear(src: ArrayLike<number>, dims: Vec3, grid: SpacingGrid, slope = 1, inter = 0): Float32Array {
  const [nx, ny] = dims;
  const [mx, my, mz] = grid.dims;
  const tx = taps(mx, dims[0], grid.ratio[0], grid.offset[0]);
  const ty = taps(my, dims[1], grid.ratio[1], grid.offset[1]);
  const tz = taps(mz, dims[2], grid.ratio[2], grid.offset[2]);
  const out = new Float32Array(mx * my * mz);
  let o = 0;
  for (let z = 0; z < mz; z++) {
    const z0 = tz.i0[z] * nx * ny; const z1 = tz.i1[z] * nx * ny; const fz = tz.f[z];
    for (let y = 0; y < my; y++) {
      const y0 = ty.i0[y] * nx; const y1 = ty.i1[y] * nx; const fy = ty.f[y];
      const r00 = z0 + y0; const r01 = z0 + y1; const r10 = z1 + y0; const r11 = z1 + y1;
      for (let x = 0; x < mx; x++) {
        const x0 = tx.i0[x]; const x1 = tx.i1[x]; const fx = tx.f[x]; const gx = 1 - fx;
        const c00 = src[r00 + x0] * gx + src[r00 + x1] * fx;
        const c01 = src[r01 + x0] * gx + src[r01 + x1] * fx;
        const c10 = src[r10 + x0] * gx + src[r10 + x1] * fx;
        const c11 = src[r11 + x0] * gx + src[r11 + x1] * fx;
        const c0 = c00 * (1 - fy) + c01 * fy;
        const c1 = c10 * (1 - fy) + c11 * fy;
        out[o++] = (c0 * (1 - fz) + c1 * fz) * slope + inter;
      }
    }
  }
  return out;
}

/**
 * MONAI `Invertd(nearest_interp=True)` of Spacing for a label map: input voxel i takes the model
 * voxel round_half_even((i − offset) / ratio), clamped to the grid.
 */
export function resampleNearestBack(labels: Uint8Array, grid: SpacingGrid, dims: Vec3): Uint8Array {
  const idx = [0, 1, 2].map((a) => {
    const m = new Int32Array(dims[a]);
    const n = grid.dims[a];
    for (let i = 0; i < dims[a]; i++) m[i] = Math.min(n - 1, Math.max(0, roundHalfEven((i - grid.offset[a]) / grid.ratio[a])));
    return m;
  });
  const [mx, my] = grid.dims;
  const out = new Uint8Array(dims[0] * dims[1] * dims[2]);
  let o = 0;
  for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) {
    const row = mx * (idx[1][y] + my * idx[2][z]);
    for (let x = 0; x < dims[0]; x++) out[o++] = labels[row + idx[0][x]];
  }
  return out;
}
