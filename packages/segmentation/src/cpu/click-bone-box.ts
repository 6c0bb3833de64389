import type { Vec3 } from '@vista3d/volume';
import type { ClickBox } from './click-box.js';

/**
 * The result's bounding box as two voxel corners: the next box is the clicks' and the result's extent
 * plus the margin, so a box grows only towards where the bone runs (a column, a femoral shaft).
 */
export function resultCorners(mask: Uint8Array, box: ClickBox): Vec3[] {
  const [bx, by] = box.dims;
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    const c = [i % bx, Math.floor(i / bx) % by, Math.floor(i / (bx * by))];
    for (let a = 0; a < 3; a++) { if (c[a] < min[a]) min[a] = c[a]; if (c[a] > max[a]) max[a] = c[a]; }
  }
  if (min[0] === Infinity) return [];
  const vox = (c: number[]): Vec3 => c.map((v, a) => box.lo[a] + v * box.f[a]) as Vec3;
  return [vox(min), vox(max)];
}
