import { allocate } from './datatypes.js';
import type { Datatype, Volume, VoxelArray } from './types.js';

/**
 * A new single-frame volume on the same grid (dims, spacing, affine) as `like`,
 * e.g. a label map for a CT. Voxels are zero unless `data` is given.
 */
export function createVolumeLike<T extends VoxelArray = VoxelArray>(
  like: Pick<Volume, 'dims' | 'spacing' | 'affine' | 'meta'>,
  datatype: Datatype,
  data?: T,
  description = '',
): Volume<T> {
  const n = like.dims[0] * like.dims[1] * like.dims[2];
  const voxels = (data ?? allocate(datatype, n)) as T;
  if (voxels.length !== n) throw new Error(`data has ${voxels.length} voxels, grid needs ${n}`);
  return {
    dims: [...like.dims],
    frames: 1,
    spacing: [...like.spacing],
    affine: like.affine.map((r) => [...r]) as Volume['affine'],
    datatype,
    data: voxels,
    scl: { slope: 1, inter: 0 },
    meta: {
      description,
      qformCode: like.meta.qformCode,
      sformCode: like.meta.sformCode,
      affineSource: like.meta.affineSource,
      xyztUnits: like.meta.xyztUnits,
      intentCode: 0,
      calMin: 0,
      calMax: 0,
    },
  };
}

/** Voxel volume in millilitres (mm³ / 1000). */
export function voxelVolumeMl(volume: Pick<Volume, 'spacing'>): number {
  return (volume.spacing[0] * volume.spacing[1] * volume.spacing[2]) / 1000;
}
