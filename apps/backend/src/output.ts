import { createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { Zip, ZipPassThrough } from 'fflate';
import { encodeHeader, writeNifti, type Volume } from '@vista3d/volume';

const CHUNK = 4 << 20;

/** Header then voxels as views over the label map's memory (no copy). */
function* niftiChunks(volume: Volume<Uint8Array>): Generator<Uint8Array> {
  yield encodeHeader(volume);
  const d = volume.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  for (let o = 0; o < bytes.byteLength; o += CHUNK) yield bytes.subarray(o, Math.min(o + CHUNK, bytes.byteLength));
}

/** The label map as a streaming .nii.gz (level 1: label maps compress well and fast). */
export function gzipNifti(volume: Volume<Uint8Array>): Readable {
  return Readable.from(niftiChunks(volume)).pipe(createGzip({ level: 1, chunkSize: 1 << 20 }));
}

/** Wraps a byte stream as a one-entry ZIP (stored, the entry is already gzip), streaming. */
export async function* zipOne(name: string, source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else pending.push(data);
  });
  const entry = new ZipPassThrough(name);
  entry.mtime = new Date();
  zip.add(entry);
  for await (const chunk of source) {
    entry.push(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer), false);
    if (failure) throw failure;
    while (pending.length > 0) yield pending.shift()!;
  }
  entry.push(new Uint8Array(0), true);
  zip.end();
  if (failure) throw failure;
  while (pending.length > 0) yield pending.shift()!;
}

/** `liver_ct.nii.gz` → `liver_ct_seg.nii.gz`; names are reduced to a safe character set. */
export function outputName(inputName: string | undefined): string {
  const base = basename(inputName ?? '').replace(/\.nii(\.gz)?$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);
  return `${base && base !== '.' && base !== '..' ? base : 'image'}_seg.nii.gz`;
}

/**
 * Saves the label map under WORKSPACE_OUTPUTS_PATH (atomically) and returns a stream of the saved
 * file, so the result is compressed once for both the disk and the response.
 */
export async function saveToWorkspace(dir: string, requestId: string, name: string, volume: Volume<Uint8Array>): Promise<{ path: string; stream: Readable }> {
  const safeId = requestId.replace(/[^A-Za-z0-9_-]+/g, '_');
  const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}_${safeId}_${name}`);
  await writeNifti(path, volume, { gzip: true, level: 1 });
  return { path, stream: createReadStream(path, { highWaterMark: 1 << 20 }) };
}
