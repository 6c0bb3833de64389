import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { encodeHeader } from './header.js';
import type { Volume, VoxelArray } from './types.js';

export interface WriteOptions {
  /** gzip the output; by default decided by the `.gz` extension. */
  gzip?: boolean;
  /** zlib level 1 (fast) … 9 (small); default 6. Label maps compress well at 1. */
  level?: number;
}

const CHUNK = 4 << 20;

/** Header then voxels, as views over the volume's memory (no copy of the voxels). */
function* niftiChunks(volume: Volume<VoxelArray>): Generator<Uint8Array> {
  yield encodeHeader(volume);
  const d = volume.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  for (let o = 0; o < bytes.byteLength; o += CHUNK) yield bytes.subarray(o, Math.min(o + CHUNK, bytes.byteLength));
}

function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
}

/**
 * Writes `source` to `path` atomically: into a temporary file in the same folder, then rename.
 * Readers never see a half-written file; on any error the temporary file is removed.
 */
export async function writeFileAtomic(
  path: string,
  source: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Readable,
  transforms: NodeJS.ReadWriteStream[] = [],
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  const input = source instanceof Uint8Array ? Readable.from([source]) : source instanceof Readable ? source : Readable.from(source);
  // Opened before the pipeline starts: a stream opens its file asynchronously, so a source that failed
  // at once left the clean-up below racing the open, and the temporary file appeared after its removal.
  const file = await open(tmp, 'wx');
  try {
    await pipeline([input, ...transforms, file.createWriteStream()]);
    await rename(tmp, path);
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes a volume as .nii or .nii.gz, streaming through gzip, atomically. */
export async function writeNifti(path: string, volume: Volume<VoxelArray>, options: WriteOptions = {}): Promise<void> {
  const gzip = options.gzip ?? path.endsWith('.gz');
  const transforms = gzip ? [createGzip({ level: options.level ?? 6, chunkSize: 1 << 20 })] : [];
  await writeFileAtomic(path, niftiChunks(volume), transforms);
}

/** Encodes a volume to bytes in memory (e.g. for an HTTP response or a ZIP entry). */
export async function encodeNifti(volume: Volume<VoxelArray>, options: { gzip?: boolean; level?: number } = {}): Promise<Buffer> {
  if (!options.gzip) return Buffer.concat([...niftiChunks(volume)]);
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(niftiChunks(volume)),
    createGzip({ level: options.level ?? 6, chunkSize: 1 << 20 }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const d of source) out.push(d);
    },
  );
  return Buffer.concat(out);
}
