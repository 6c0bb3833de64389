export type { Datatype, VoxelArray, Vec3, Mat4, NiftiMeta, Volume } from './types.js';
export { NiftiError } from './errors.js';
export type { NiftiErrorCode } from './errors.js';
export { DATATYPES, datatypeFromCode, datatypeOf, allocate } from './datatypes.js';
export {
  identity,
  voxelToWorld,
  worldToVoxel,
  invertAffine,
  spacingFromAffine,
  orientationCode,
  affinesEqual,
  affineToQuatern,
} from './geometry.js';
export { parseHeader, encodeHeader } from './header.js';
export type { NiftiHeaderInfo, HeaderLimits } from './header.js';
export { parseNifti, readNifti, readNiftiStream, readNiftiHeader, isGzip } from './reader.js';
export type { ReadOptions } from './reader.js';
export { writeNifti, encodeNifti, writeFileAtomic } from './writer.js';
export type { WriteOptions } from './writer.js';
export { createVolumeLike, voxelVolumeMl } from './create.js';
export { NiftiValidator, checkVolumeHeader, validateNiftiFile, isNiftiName, uploadRefusal } from './validate.js';
export type { VolumeUploadLimits, NiftiCheck } from './validate.js';
