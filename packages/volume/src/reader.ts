import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DATATYPES } from './datatypes.js';
import { NiftiError } from './errors.js';
import { NIFTI2_HEADER_BYTES, parseHeader, type HeaderLimits, type NiftiHeaderInfo } from './header.js';
import type { Volume, VoxelArray } from './types.js';

export interface ReadOptions extends HeaderLimits {
  /** Refuse inputs whose compressed (wire/file) size exceeds this many bytes. */
  maxCompressedBytes?: number;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A real copy (Buffer#slice would only make a view into the same, possibly pooled, memory). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

function swapBytesInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i + width <= bytes.byteLength; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Wraps decoded voxel bytes (which this module owns) in the right typed array, without copying. */
function toVolume(info: NiftiHeaderInfo, voxels: Uint8Array): Volume {
  const { ctor, bytes } = DATATYPES[info.datatype];
  let owned = voxels;
  if (owned.byteOffset % bytes !== 0) owned = copyBytes(owned); // misaligned vox_offset: one copy is unavoidable
  if (!info.littleEndian) swapBytesInPlace(owned, bytes);
  const data: VoxelArray = new ctor(owned.buffer, owned.byteOffset, owned.byteLength / bytes);
  return {
    dims: info.dims,
    frames: info.frames,
    spacing: info.spacing,
    affine: info.affine,
    datatype: info.datatype,
    data,
    scl: info.scl,
    meta: info.meta,
  };
}

function gunzipError(err: unknown): NiftiError {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof NiftiError) return e;
  if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)) {
    return new NiftiError('TRUNCATED', 'gzip stream ends early: the file is truncated');
  }
  return new NiftiError('CORRUPT_GZIP', `corrupted gzip data: ${e.message}`);
}

/** Decodes a whole .nii or .nii.gz held in memory. The result shares memory with the decompressed buffer. */
export function parseNifti(bytes: Uint8Array, options: ReadOptions = {}): Volume {
  if (options.maxCompressedBytes !== undefined && bytes.byteLength > options.maxCompressedBytes) {
    throw new NiftiError('TOO_LARGE', `input is ${bytes.byteLength} bytes, more than the limit of ${options.maxCompressedBytes}`);
  }
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch (err) {
      throw gunzipError(err);
    }
  }
  const info = parseHeader(raw.subarray(0, NIFTI2_HEADER_BYTES + 4), options);
  const end = info.voxOffset + info.dataBytes;
  if (raw.byteLength < end) {
    throw new NiftiError('TRUNCATED', `voxel data truncated: header promises ${info.dataBytes} bytes after offset ${info.voxOffset}, file has ${Math.max(0, raw.byteLength - info.voxOffset)}`);
  }
  // A fresh buffer from gunzip is ours to reuse; caller-owned bytes are copied so we never alias them.
  const voxels = raw === bytes ? copyBytes(raw.subarray(info.voxOffset, end)) : raw.subarray(info.voxOffset, end);
  return toVolume(info, voxels);
}

/**
 * Streams a .nii/.nii.gz from any byte source: gunzips on the fly (detected by magic bytes),
 * parses the header as soon as it arrives, then copies voxels straight into one exactly-sized buffer.
 * Peak memory is the volume itself plus a chunk.
 */
export async function readNiftiStream(source: AsyncIterable<Uint8Array>, options: ReadOptions = {}): Promise<Volume> {
  const compressedIter = source[Symbol.asyncIterator]();
  let compressedBytes = 0;
  const countCompressed = (chunk: Uint8Array): Uint8Array => {
    compressedBytes += chunk.byteLength;
    if (options.maxCompressedBytes !== undefined && compressedBytes > options.maxCompressedBytes) {
      throw new NiftiError('TOO_LARGE', `input exceeds the limit of ${options.maxCompressedBytes} bytes`);
    }
    return chunk;
  };
  const first = await compressedIter.next();
  if (first.done) throw new NiftiError('TRUNCATED', 'empty input: no bytes received');
  const firstChunk = countCompressed(first.value);

  async function* compressed(): AsyncGenerator<Uint8Array> {
    yield firstChunk;
    for (let r = await compressedIter.next(); !r.done; r = await compressedIter.next()) yield countCompressed(r.value);
  }
  let decoded: AsyncIterable<Uint8Array>;
  let gunzip: ReturnType<typeof createGunzip> | undefined;
  if (isGzip(firstChunk)) {
    gunzip = createGunzip({ chunkSize: 1 << 20 });
    const gz = gunzip;
    // Feed the gunzip stream from the source; errors on either side surface in the loop below.
    void (async () => {
      try {
        for await (const c of compressed()) if (!gz.write(c)) await new Promise((r) => gz.once('drain', r));
        gz.end();
      } catch (err) {
        gz.destroy(err as Error);
      }
    })();
    decoded = gz;
  } else {
    decoded = compressed();
  }

  let head = new Uint8Array(0);
  let info: NiftiHeaderInfo | undefined;
  let voxels: Uint8Array | undefined;
  let filled = 0;
  let skip = 0; // bytes between header and vox_offset still to discard
  try {
    for await (const chunk of decoded) {
      let c = chunk as Uint8Array;
      if (!info) {
        const merged = new Uint8Array(head.byteLength + c.byteLength);
        merged.set(head);
        merged.set(c, head.byteLength);
        if (merged.byteLength < NIFTI2_HEADER_BYTES + 4 && merged.byteLength < 352) {
          head = merged;
          continue;
        }
        try {
          info = parseHeader(merged.subarray(0, NIFTI2_HEADER_BYTES + 4), options);
        } catch (err) {
          // A NIfTI-1 header may be complete before 544 bytes arrive; wait for more only if truncated.
          if (err instanceof NiftiError && err.code === 'TRUNCATED' && merged.byteLength < NIFTI2_HEADER_BYTES + 4) {
            head = merged;
            continue;
          }
          throw err;
        }
        voxels = new Uint8Array(info.dataBytes);
        skip = info.voxOffset;
        c = merged;
      }
      if (skip > 0) {
        const drop = Math.min(skip, c.byteLength);
        skip -= drop;
        c = c.subarray(drop);
      }
      const take = Math.min(c.byteLength, voxels!.byteLength - filled);
      voxels!.set(c.subarray(0, take), filled);
      filled += take;
      if (filled === voxels!.byteLength) break; // ignore trailing bytes
    }
  } catch (err) {
    gunzip?.destroy();
    throw gunzipError(err);
  }
  gunzip?.destroy();
  if (!info) {
    // Fewer bytes than a full header ever arrived.
    parseHeader(head, options);
    throw new NiftiError('TRUNCATED', 'file ends inside the header');
  }
  if (filled < voxels!.byteLength) {
    throw new NiftiError('TRUNCATED', `voxel data truncated: got ${filled} of ${voxels!.byteLength} bytes`);
  }
  return toVolume(info, voxels!);
}

/** Reads a .nii or .nii.gz file (compression detected from content, not the name). */
export async function readNifti(path: string, options: ReadOptions = {}): Promise<Volume> {
  const stream: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return await readNiftiStream(stream, options);
  } finally {
    stream.destroy();
  }
}

/** Reads only the header of a file: dims, spacing, affine, datatype. Cheap for listings. */
export async function readNiftiHeader(path: string): Promise<NiftiHeaderInfo> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  let head: Uint8Array;
  try {
    const first = stream[Symbol.asyncIterator]();
    const r = await first.next();
    if (r.done) throw new NiftiError('TRUNCATED', 'empty file');
    const chunk = r.value as Buffer;
    if (isGzip(chunk)) {
      const gz = createGunzip();
      const parts: Buffer[] = [];
      let total = 0;
      await new Promise<void>((resolve, reject) => {
        gz.on('data', (d: Buffer) => {
          parts.push(d);
          total += d.byteLength;
          if (total >= NIFTI2_HEADER_BYTES + 4) resolve();
        });
        gz.on('error', reject);
        gz.on('end', resolve);
        gz.write(chunk);
        void (async () => {
          for (let n = await first.next(); !n.done && total < NIFTI2_HEADER_BYTES + 4; n = await first.next()) gz.write(n.value);
          gz.end();
        })().catch(reject);
      }).catch((err: unknown) => {
        throw gunzipError(err);
      });
      gz.destroy();
      head = Buffer.concat(parts);
    } else {
      head = chunk;
    }
    return parseHeader(head);
  } finally {
    stream.destroy();
  }
}
