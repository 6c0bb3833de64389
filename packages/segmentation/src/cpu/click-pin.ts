import type { Vec3 } from '@vista3d/volume';

/**
 * Puts every positive click's voxel into a result, then takes every negative click's out (a voxel clicked
 * both ways ends out); returns the voxel count adjusted from `count`.
 */
export function pinClicks(out: Uint8Array, dims: Vec3, count: number, positives: readonly Vec3[], negatives: readonly Vec3[]): number {
  const [nx, ny] = dims;
  for (const p of positives) {
    const v = p[0] + nx * (p[1] + ny * p[2]);
    if (out[v] === 0) { out[v] = 1; count++; }
  }
  for (const p of negatives) {
    const v = p[0] + nx * (p[1] + ny * p[2]);
    if (out[v] !== 0) { out[v] = 0; count--; }
  }
  return count;
}
