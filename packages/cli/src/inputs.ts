import { NiftiError, validateNiftiFile, type NiftiCheck } from '@vista3d/volume';

/** 1 GiB of decoded voxels unless MAX_VOLUME_BYTES says otherwise: the services' default. */
export function maxVolumeBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.MAX_VOLUME_BYTES);
  return Number.isInteger(n) && n > 0 ? n : 1024 * 1024 * 1024;
}

/** A NIfTI input the CLI cannot use: exit code 1 with the reason. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Checks a NIfTI input with the upload rule every entry point shares (3D, within MAX_VOLUME_BYTES,
 * inflating to no more than its header promises) before any work is spent on it.
 */
export async function checkNiftiInput(path: string, what: string): Promise<NiftiCheck> {
  try {
    return await validateNiftiFile(path, { maxVolumeBytes: maxVolumeBytes() });
  } catch (err) {
    if (err instanceof NiftiError) throw new InputError(`${what} (${path}) is refused: ${err.message} [${err.code}]`);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') throw new InputError(`${what} (${path}) cannot be read: ${e.code}`);
    throw err;
  }
}
