import type { Vec3, VoxelArray } from '@vista3d/volume';
import { RunCollector, type Components } from './runs.js';

/**
 * Components (runs, 6-connected) of the voxels with within[i] ≠ 0 whose 3×3×3 neighbourhood, over
 * the `within` voxels only (at least minCount of them), has a standard deviation of the raw values
 * of at most maxStd (raw units): a masked statistic, so a thin homogeneous tube is not made
 * "textured" by its own wall. Computed only at `within` voxels (a sparse band of the CT), straight
 * into runs: no mask and no per-voxel sums of the whole volume are written.
 */
export function lowStdComponents(data: VoxelArray, dims: Vec3, within: Uint8Array, maxStd: number, minCount = 7): Components {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const limit = maxStd * maxStd;
  const out = new RunCollector(dims);
  for (let z = 0; z < nz; z++) {
    const z0 = Math.max(0, z - 1);
    const z1 = Math.min(nz - 1, z + 1);
    for (let y = 0; y < ny; y++) {
      const y0 = Math.max(0, y - 1);
      const y1 = Math.min(ny - 1, y + 1);
      const r = y + ny * z;
      const base = r * nx;
      let from = -1;
      for (let x = 0; x < nx; x++) {
        let ok = false;
        if (within[base + x] !== 0) {
          const x0 = Math.max(0, x - 1);
          const x1 = Math.min(nx - 1, x + 1);
          let s = 0;
          let q = 0;
          let c = 0;
          for (let cz = z0; cz <= z1; cz++) for (let cy = y0; cy <= y1; cy++) {
            const row = cz * sxy + cy * nx;
            for (let cx = x0; cx <= x1; cx++) {
              if (within[row + cx] === 0) continue;
              const v = data[row + cx];
              s += v;
              q += v * v;
              c++;
            }
          }
          const mean = s / c;
          ok = c >= minCount && q / c - mean * mean <= limit;
        }
        if (ok) { if (from < 0) from = x; } else if (from >= 0) { out.addRun(r, from, x - 1); from = -1; }
      }
      if (from >= 0) out.addRun(r, from, nx - 1);
    }
  }
  return out.components();
}
