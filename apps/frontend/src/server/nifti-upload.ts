import { HttpError } from '@vista3d/service-kit';
import { NiftiError, uploadRefusal, validateNiftiFile as checkNiftiFile } from '@vista3d/volume';
import type { NiftiCheck, VolumeUploadLimits } from '@vista3d/volume';

/**
 * Checks that an uploaded file is a complete single-frame 3D NIfTI (.nii or .nii.gz) without loading
 * its voxels (the rule of @vista3d/volume, shared with the image server and the CLI; gzip bombs stop at
 * the size the header promises). Throws HttpError 413/422 saying what is wrong.
 */
export async function validateNiftiFile(path: string, limits: VolumeUploadLimits): Promise<NiftiCheck> {
  try {
    return await checkNiftiFile(path, limits);
  } catch (err) {
    if (!(err instanceof NiftiError)) throw err;
    const r = uploadRefusal(err);
    throw new HttpError(r.status, r.code, r.message);
  }
}
