import { identity, type Mat4, type Vec3, type Volume } from '@vista3d/volume';

export const SHARED = new URL('../../../../shared/data/', import.meta.url).pathname;

/** An int16 CT filled by a function of voxel coordinates (HU, slope 1). */
export function syntheticCt(dims: Vec3, spacing: Vec3, hu: (x: number, y: number, z: number) => number): Volume<Int16Array> {
  const [nx, ny, nz] = dims;
  const data = new Int16Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[x + nx * (y + ny * z)] = hu(x, y, z);
  const affine = identity() as Mat4;
  for (let a = 0; a < 3; a++) affine[a][a] = spacing[a];
  return {
    dims, frames: 1, spacing, affine, datatype: 'int16', data, scl: { slope: 1, inter: 0 },
    meta: { description: '', qformCode: 0, sformCode: 2, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 },
  };
}

export function dice(a: ArrayLike<number>, fa: (v: number) => boolean, b: ArrayLike<number>, fb: (v: number) => boolean): number {
  let na = 0; let nb = 0; let both = 0;
  for (let i = 0; i < a.length; i++) {
    const p = fa(a[i]);
    const q = fb(b[i]);
    if (p) na++;
    if (q) nb++;
    if (p && q) both++;
  }
  return na + nb === 0 ? 1 : (2 * both) / (na + nb);
}

/** Voxel-index centroid of voxels matching f. */
export function centroid(dims: Vec3, v: ArrayLike<number>, f: (x: number) => boolean): Vec3 {
  const [nx, ny] = dims;
  let sx = 0; let sy = 0; let sz = 0; let c = 0;
  for (let i = 0; i < v.length; i++) if (f(v[i])) {
    sx += i % nx; sy += Math.floor(i / nx) % ny; sz += Math.floor(i / (nx * ny)); c++;
  }
  return [sx / c, sy / c, sz / c];
}

/** Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator). */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
}
