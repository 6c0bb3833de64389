import { nameProblem } from '@vista3d/store';
import { NiftiError, validateNiftiFile, type NiftiCheck } from '@vista3d/volume';
import { UsageError } from './ui.js';

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
 * The id rule of the store (the one every service applies) for a `--patient`/`--scan` value:
 * a usage error (exit 2) before anything is read or written.
 */
export function checkId(id: string | undefined, option: '--patient' | '--scan'): void {
  if (id === undefined) return;
  const why = nameProblem(id);
  if (why) throw new UsageError(`${option}: invalid ${option === '--patient' ? 'patient' : 'scan'} id ${JSON.stringify(id)}: ${why}`);
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
