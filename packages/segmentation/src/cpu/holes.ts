import type { Vec3 } from '@vista3d/volume';
import { Plane } from './plane.js';

/**
 * Fills 2D holes of a mask slice by slice (slices perpendicular to `axis`), in place: background
 * not 4-connected to the slice border becomes `value`. Slice-wise because 3D hole filling would miss
 * body cavities open at the scan's top/bottom, which are exactly the cases we see in partial scans.
 * Holes larger than maxHoleVoxels stay background. `outsideSeed(voxel)` limits which border pixels
 * count as outside (e.g. only gas: lung cut by the field of view touches the border but is inside).
 * Each slice is labelled once by its background runs (see Plane.fillHoles).
 */
export function fillHolesSlicewise(mask: Uint8Array, dims: Vec3, axis = 2, value = 1, maxHoleVoxels = Infinity, outsideSeed?: (voxel: number) => boolean): void {
  const plane = new Plane(dims, axis);
  const s = new Uint8Array(plane.area);
  for (let w = 0; w < plane.g.count; w++) {
    plane.gather(mask, w, s);
    plane.fillHoles(s, value, maxHoleVoxels, outsideSeed ? (a, b) => outsideSeed(plane.voxel(w, a, b)) : undefined);
    plane.scatter(s, mask, w);
  }
}
