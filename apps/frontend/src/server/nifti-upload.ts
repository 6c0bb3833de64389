import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { HttpError } from '@vista3d/service-kit';
import { isGzip, readNiftiHeader } from '@vista3d/volume';
import type { NiftiHeaderInfo } from '@vista3d/volume';

async function firstBytes(path: string, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of createReadStream(path, { start: 0, end: n - 1 })) {
    parts.push(chunk as Buffer);
    total += (chunk as Buffer).byteLength;
  }
  return Buffer.concat(parts, total);
}

/**
 * Checks that a file is a complete single-frame 3D NIfTI (.nii or .nii.gz) without loading
 * its voxels: parses the header, then streams the (decompressed) bytes to check none are missing.
 * Throws HttpError 422 saying what is wrong.
 */
export async function validateNiftiFile(path: string): Promise<{ header: NiftiHeaderInfo; gzip: boolean }> {
  const gzip = isGzip(await firstBytes(path, 2));
  let header: NiftiHeaderInfo;
  try {
    header = await readNiftiHeader(path);
  } catch (err) {
    throw new HttpError(422, 'INVALID_NIFTI', `not a readable NIfTI file: ${(err as Error).message}`);
  }
  if (header.frames !== 1) throw new HttpError(422, 'NOT_3D', `expected a 3D volume, got ${header.frames} frames (4D)`);
  if (header.dims.some((d) => d < 1) || header.dims.filter((d) => d > 1).length < 2 || header.dims[2] < 1) {
    throw new HttpError(422, 'NOT_3D', `expected a 3D volume, got dims ${header.dims.join('×')}`);
  }
  let total = 0;
  try {
    const source = createReadStream(path, { highWaterMark: 1 << 20 });
    const count = async (src: AsyncIterable<Buffer>): Promise<void> => {
      for await (const c of src) total += c.byteLength;
    };
    if (gzip) await pipeline(source, createGunzip(), count);
    else await pipeline(source, count);
  } catch (err) {
    throw new HttpError(422, 'INVALID_NIFTI', `corrupted ${gzip ? 'gzip stream' : 'file'}: ${(err as Error).message}`);
  }
  const needed = header.voxOffset + header.dataBytes;
  if (total < needed) {
    throw new HttpError(422, 'INVALID_NIFTI', `NIfTI truncated: ${total} bytes, header needs ${needed}`);
  }
  return { header, gzip };
}

