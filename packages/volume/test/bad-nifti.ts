import { gzipSync } from 'node:zlib';
import { encodeNifti } from '../src/index.js';
import type { Volume } from '../src/index.js';

/** A small, valid uint8 volume (64×64×32 = 128 KiB of voxels), uncompressed. */
export async function smallNifti(dims: [number, number, number] = [64, 64, 32]): Promise<Uint8Array> {
  const vol: Volume<Uint8Array> = {
    dims,
    frames: 1,
    spacing: [1, 1, 2],
    affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]],
    datatype: 'uint8',
    data: new Uint8Array(dims[0] * dims[1] * dims[2]),
    scl: { slope: 1, inter: 0 },
    meta: { description: '', qformCode: 1, sformCode: 1, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 },
  };
  return new Uint8Array(await encodeNifti(vol, { gzip: false }));
}

/**
 * A ~2 MB .nii.gz whose 352-byte header promises 128 KiB of voxels and which inflates to 2 GiB: gzip
 * members concatenated (as `cat a.gz b.gz` makes, which every gunzip reads as one stream), so making
 * it compresses 64 MiB once instead of 2 GiB.
 */
export async function gzipBomb(): Promise<Buffer> {
  const header = (await smallNifti()).subarray(0, 352);
  const zeros = gzipSync(new Uint8Array(64 << 20), { level: 9 });
  return Buffer.concat([gzipSync(header), ...Array.from({ length: 32 }, () => zeros)]);
}

/** A complete, well-formed 2D image (64×64×1), uncompressed. */
export function flatNifti(): Promise<Uint8Array> {
  return smallNifti([64, 64, 1]);
}
