import type { Vec3 } from '@vista3d/volume';

/**
 * Puts every positive click's voxel into a result and takes every negative click's out, in click order,
 * so a voxel clicked both ways ends as its latest click says (a user who clicks a voxel again the other
 * way means the second); returns the voxel count adjusted from `count`.
 */
export function pinClicks(out: Uint8Array, dims: Vec3, count: number, points: readonly Vec3[], labels: ReadonlyArray<0 | 1>): number {
  const [nx, ny] = dims;
  points.forEach((p, i) => {
    const v = p[0] + nx * (p[1] + ny * p[2]);
    if (labels[i] === 1 && out[v] === 0) { out[v] = 1; count++; }
    if (labels[i] === 0 && out[v] !== 0) { out[v] = 0; count--; }
  });
  return count;
}
