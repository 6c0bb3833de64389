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
export async function validateNiftiFile(path: string, limits: { maxVolumeBytes: number }): Promise<{ header: NiftiHeaderInfo; gzip: boolean }> {
  const gzip = isGzip(await firstBytes(path, 2));
  let header: NiftiHeaderInfo;
  try {
    header = await readNiftiHeader(path);
  } catch (err) {
    throw new HttpError(422, 'INVALID_NIFTI', `not a readable NIfTI file: ${(err as Error).message}`);
  }
  if (header.frames !== 1) throw new HttpError(422, 'NOT_3D', `expected a 3D volume, got ${header.frames} frames (4D)`);
  if (header.dims.some((d) => !Number.isInteger(d) || d < 2)) {
    throw new HttpError(422, 'NOT_3D', `expected a 3D volume (every dimension at least 2), got dims ${header.dims.join('×')}`);
  }
  if (header.spacing.some((s) => !Number.isFinite(s) || s <= 0 || s > 1000)) {
    throw new HttpError(422, 'BAD_SPACING', `voxel spacing ${header.spacing.join('×')} mm is not a sane CT spacing`);
  }
  if (header.dataBytes > limits.maxVolumeBytes) {
    throw new HttpError(413, 'VOLUME_TOO_LARGE', `the volume decodes to ${header.dataBytes} bytes (${header.dims.join('×')}, ${header.datatype}); the limit is ${limits.maxVolumeBytes} (MAX_VOLUME_BYTES)`);
  }
  const needed = header.voxOffset + header.dataBytes;
  // A gzip stream may inflate to no more than the header promises (plus a little trailing slack):
  // a bomb is refused as soon as it passes that, after reading at most `needed` bytes.
  const allowed = needed + (1 << 20);
  let total = 0;
  let refused: HttpError | null = null;
  try {
    const source = createReadStream(path, { highWaterMark: 1 << 20 });
    const count = async (src: AsyncIterable<Buffer>): Promise<void> => {
      for await (const c of src) {
        total += c.byteLength;
        if (total > allowed) {
          throw (refused = new HttpError(422, 'INFLATED_SIZE_MISMATCH', `the file inflates beyond the ${needed} bytes its header promises (${header.dims.join('×')}, ${header.datatype}): refused as a decompression bomb`));
        }
      }
    };
    if (gzip) await pipeline(source, createGunzip(), count);
    else await pipeline(source, count);
  } catch (err) {
    if (refused) throw refused;
    throw new HttpError(422, 'INVALID_NIFTI', `corrupted ${gzip ? 'gzip stream' : 'file'}: ${(err as Error).message}`);
  }
  if (total < needed) {
    throw new HttpError(422, 'INVALID_NIFTI', `NIfTI truncated: ${total} bytes, header needs ${needed}`);
  }
  return { header, gzip };
}

