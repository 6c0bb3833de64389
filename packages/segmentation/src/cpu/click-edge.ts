import type { Vec3, Volume } from '@vista3d/volume';
import { IntList } from './growable.js';
import { huScale } from './hu.js';
import { runBounds } from './row-runs.js';

/** Least HU difference between the structure and the tissue beyond it for a border voxel to count as mixed. */
const MIN_CONTRAST_HU = 60;
/** A mixed voxel joins when its value lies at least this far from the tissue beyond towards the structure. */
const PARTIAL_FRACTION = 0.5;

/**
 * Adds to a result the voxels beside it that are mostly the structure (partial volume): along one of
 * the six axis directions, the voxel lies between the result's voxel on one side and the tissue on the
 * other and is at least half-way to the result's value, where the two differ by 60 HU or more. The
 * general algorithm's window is narrow (±20–40 HU about the click's median), so on a thin structure the
 * voxels its border cuts — a third of a costal cartilage at 3 mm — fall outside it.
 * Decided on the result as given (no voxel added counts as inside for another), in its bounding box
 * widened by one voxel. Returns the new voxel count.
 */
export function addPartialVolumeBorder(ct: Volume, out: Uint8Array, count: number): number {
  const [nx, ny, nz] = ct.dims;
  const sxy = nx * ny;
  const { lo, hi } = runBounds(out, ct.dims);
  if (hi[0] < 0) return count;
  const { slope, inter } = huScale(ct);
  const data = ct.data;
  const dims = [nx, ny, nz];
  const strides = [1, nx, sxy];
  const added = new IntList();
  const at: Vec3 = [0, 0, 0];
  for (let z = Math.max(0, lo[2] - 1); z <= Math.min(nz - 1, hi[2] + 1); z++) {
    for (let y = Math.max(0, lo[1] - 1); y <= Math.min(ny - 1, hi[1] + 1); y++) {
      for (let x = Math.max(0, lo[0] - 1); x <= Math.min(nx - 1, hi[0] + 1); x++) {
        const v = x + nx * (y + ny * z);
        if (out[v] !== 0) continue;
        at[0] = x;
        at[1] = y;
        at[2] = z;
        const value = data[v] * slope + inter;
        for (let a = 0; a < 3; a++) {
          if (at[a] === 0 || at[a] === dims[a] - 1) continue;
          // The result on one side, tissue outside it on the other: either orientation.
          for (let sign = 1; sign >= -1; sign -= 2) {
            const d = sign * strides[a];
            if (out[v + d] === 0 || out[v - d] !== 0) continue;
            const beyond = data[v - d] * slope + inter;
            const contrast = data[v + d] * slope + inter - beyond;
            if (Math.abs(contrast) >= MIN_CONTRAST_HU && (value - beyond) / contrast >= PARTIAL_FRACTION) {
              added.push(v);
              a = 3;
              break;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < added.length; i++) out[added.data[i]] = 1;
  return count + added.length;
}
