import type { Vec3, VoxelArray } from '@vista3d/volume';

/**
 * out[i] = 1 where within[i] ≠ 0 and the standard deviation of the raw values of the `within`
 * voxels in the 3×3×3 neighbourhood of i (at least minCount of them) is at most maxStd (raw units):
 * a masked statistic, so a thin homogeneous tube is not made "textured" by its own wall. One streaming pass:
 * in-plane 3×3 sums of value and value² are kept for three consecutive slices only, so memory is
 * a few slices whatever the volume's size.
 */
export function lowStdMask(data: VoxelArray, dims: Vec3, within: Uint8Array, maxStd: number, out: Uint8Array, minCount = 7): number {
  const [nx, ny, nz] = dims;
  const area = nx * ny;
  const sums = [0, 1, 2].map(() => ({ s: new Float64Array(area), q: new Float64Array(area), c: new Float64Array(area) }));
  const row = { s: new Float64Array(area), q: new Float64Array(area), c: new Float64Array(area) };
  const planeSums = (z: number, dst: { s: Float64Array; q: Float64Array; c: Float64Array }): void => {
    const base = z * area;
    for (let y = 0; y < ny; y++) {
      const o = y * nx;
      for (let x = 0; x < nx; x++) {
        let s = 0;
        let q = 0;
        let c = 0;
        for (let a = x - 1; a <= x + 1; a++) {
          if (a < 0 || a >= nx || within[base + o + a] === 0) continue;
          const v = data[base + o + a];
          s += v;
          q += v * v;
          c++;
        }
        row.s[o + x] = s;
        row.q[o + x] = q;
        row.c[o + x] = c;
      }
    }
    for (let y = 0; y < ny; y++) {
      const y0 = Math.max(0, y - 1);
      const y1 = Math.min(ny - 1, y + 1);
      for (let x = 0; x < nx; x++) {
        let s = 0;
        let q = 0;
        let c = 0;
        for (let b = y0; b <= y1; b++) {
          s += row.s[b * nx + x];
          q += row.q[b * nx + x];
          c += row.c[b * nx + x];
        }
        dst.s[y * nx + x] = s;
        dst.q[y * nx + x] = q;
        dst.c[y * nx + x] = c;
      }
    }
  };
  const limit = maxStd * maxStd;
  let count = 0;
  if (nz > 0) planeSums(0, sums[0]);
  for (let z = 0; z < nz; z++) {
    if (z + 1 < nz) planeSums(z + 1, sums[(z + 1) % 3]);
    const base = z * area;
    const parts = [z - 1, z, z + 1].filter((k) => k >= 0 && k < nz).map((k) => sums[k % 3]);
    for (let p = 0; p < area; p++) {
      const i = base + p;
      if (within[i] === 0) { out[i] = 0; continue; }
      let s = 0;
      let q = 0;
      let c = 0;
      for (const part of parts) { s += part.s[p]; q += part.q[p]; c += part.c[p]; }
      const mean = s / c;
      const ok = c >= minCount && q / c - mean * mean <= limit;
      out[i] = ok ? 1 : 0;
      if (ok) count++;
    }
  }
  return count;
}
