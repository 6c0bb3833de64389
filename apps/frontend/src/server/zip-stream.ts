import { createReadStream, createWriteStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { HttpError, badRequest } from '@vista3d/service-kit';

/** Caps on one ZIP upload (ZIP_MAX_ENTRIES, ZIP_MAX_INFLATED_BYTES, ZIP_MAX_RATIO). */
export interface ZipLimits {
  maxEntries: number;
  maxInflatedBytes: number;
  maxRatio: number;
}

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Entries smaller than this may have any ratio (a tiny file of zeros is harmless). */
const RATIO_FREE_BYTES = 1 << 20;

const unprocessable = (code: string, message: string): HttpError => new HttpError(422, code, message);

/**
 * Reads the central directory of a ZIP file on disk and checks the declared sizes against the caps
 * before anything is inflated. ZIP64 archives and encrypted entries are refused.
 */
export async function readZipDirectory(path: string, limits: ZipLimits, label = 'ZIP'): Promise<ZipEntry[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const tailLen = Math.min(fileSize, 22 + 0xffff);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, fileSize - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw badRequest('BAD_ZIP', `"${label}" is not a readable ZIP archive (no end of central directory)`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw unprocessable('ZIP64_UNSUPPORTED', `"${label}" is a ZIP64 archive, which is not accepted`);
    if (count > limits.maxEntries) throw new HttpError(413, 'ZIP_TOO_MANY_ENTRIES', `"${label}" has ${count} entries; at most ${limits.maxEntries} are accepted (ZIP_MAX_ENTRIES)`);
    if (cdOffset + cdSize > fileSize) throw badRequest('BAD_ZIP', `"${label}" is truncated (central directory outside the file)`);
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const entries: ZipEntry[] = [];
    let total = 0;
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw badRequest('BAD_ZIP', `"${label}" has a damaged central directory`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const compressedSize = cd.readUInt32LE(p + 20);
      const size = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (compressedSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff) throw unprocessable('ZIP64_UNSUPPORTED', `"${label}" is a ZIP64 archive, which is not accepted`);
      if (name.endsWith('/')) continue;
      if (flags & 1) throw unprocessable('ZIP_ENCRYPTED', `"${label}": entry ${JSON.stringify(name)} is encrypted`);
      if (method !== 0 && method !== 8) throw unprocessable('ZIP_METHOD_UNSUPPORTED', `"${label}": entry ${JSON.stringify(name)} uses compression method ${method} (only stored and deflate are accepted)`);
      if (size > RATIO_FREE_BYTES && size > limits.maxRatio * Math.max(compressedSize, 1)) {
        throw new HttpError(413, 'ZIP_RATIO_TOO_HIGH', `"${label}": entry ${JSON.stringify(name)} inflates ${compressedSize} → ${size} bytes, more than ${limits.maxRatio}× (ZIP_MAX_RATIO)`);
      }
      total += size;
      if (total > limits.maxInflatedBytes) throw new HttpError(413, 'ZIP_TOO_LARGE', `"${label}" inflates to more than ${limits.maxInflatedBytes} bytes (ZIP_MAX_INFLATED_BYTES)`);
      entries.push({ name, method, flags, compressedSize, size, localOffset });
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/**
 * Inflates one entry to `dest`, streaming, with a running byte counter: an entry that inflates past
 * its declared size (a lying central directory) is cut off at once (422 ZIP_SIZE_MISMATCH).
 */
export async function extractZipEntry(path: string, entry: ZipEntry, dest: string, label = 'ZIP'): Promise<number> {
  const fh = await open(path, 'r');
  let dataStart: number;
  try {
    const local = Buffer.alloc(30);
    const { bytesRead } = await fh.read(local, 0, 30, entry.localOffset);
    if (bytesRead < 30 || local.readUInt32LE(0) !== 0x04034b50) throw badRequest('BAD_ZIP', `"${label}": entry ${JSON.stringify(entry.name)} has no local header`);
    dataStart = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  let bytes = 0;
  const mismatch = (): HttpError => unprocessable('ZIP_SIZE_MISMATCH', `"${label}": entry ${JSON.stringify(entry.name)} inflates past the ${entry.size} bytes its directory declares`);
  const source = (): ReturnType<typeof createReadStream> => createReadStream(path, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  const counter = async function* (src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of src) {
      bytes += chunk.byteLength;
      if (bytes > entry.size) throw mismatch();
      yield chunk;
    }
  };
  try {
    if (entry.compressedSize === 0) {
      await writeFile(dest, new Uint8Array(0));
    } else if (entry.method === 8) {
      await pipeline(source(), createInflateRaw(), counter, createWriteStream(dest));
    } else {
      await pipeline(source(), counter, createWriteStream(dest));
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw badRequest('BAD_ZIP', `"${label}": entry ${JSON.stringify(entry.name)} cannot be inflated: ${(err as Error).message}`);
  }
  if (bytes !== entry.size) throw unprocessable('ZIP_SIZE_MISMATCH', `"${label}": entry ${JSON.stringify(entry.name)} inflated to ${bytes} bytes, its directory declares ${entry.size}`);
  return bytes;
}
