import { lstat, rm } from 'node:fs/promises';
import { PassThrough, Transform, type Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '@vista3d/service-kit';
import { NiftiError, NiftiValidator, isNiftiName, uploadRefusal, writeFileAtomic } from '@vista3d/volume';
import { TEMP_FILE, parseRootPath } from './request-path.js';

/** Refuses a declared body larger than the limit before a single byte is read. */
export function checkDeclaredLength(contentLength: string | undefined, maxBytes: number): void {
  if (contentLength === undefined) return;
  const n = Number(contentLength);
  if (Number.isFinite(n) && n > maxBytes) throw tooLarge(maxBytes);
}

export const tooLarge = (maxBytes: number): HttpError =>
  new HttpError(413, 'UPLOAD_TOO_LARGE', `upload exceeds MAX_UPLOAD_BYTES (${maxBytes} bytes)`);

/** A file name given by the client (`?name=` or the multipart filename): exactly one safe segment. */
export function checkFileName(name: string): string {
  const { segments } = parseRootPath(encodeURIComponent(name));
  if (segments.length !== 1) throw new HttpError(400, 'BAD_NAME', 'file name must be a single, non-empty path segment');
  if (TEMP_FILE.test(segments[0])) throw new HttpError(400, 'BAD_NAME', 'names of the form ".*.tmp" are reserved for in-flight uploads');
  return segments[0];
}

/**
 * The request body as a stream that we may destroy without destroying the socket: on a 413 the
 * client must still be able to read our answer. Client aborts are forwarded so the write fails
 * (and its temp file is removed) instead of waiting forever for an end that never comes.
 */
export function detachedBody(raw: IncomingMessage): Readable {
  const body = new PassThrough();
  raw.on('error', (err) => body.destroy(err));
  raw.on('close', () => {
    if (!raw.complete) body.destroy(new HttpError(400, 'UPLOAD_ABORTED', 'the client closed the connection mid-upload'));
  });
  raw.pipe(body);
  return body;
}

/**
 * Streams `source` into `target` through a byte counter, atomically (temp file in the same folder,
 * then rename). Over the limit, or on any error, the temp file is removed and nothing appears.
 * A `.nii`/`.nii.gz` target is checked on the way by the upload rule every entry point shares (a 3D
 * volume within `maxVolumeBytes`, inflating to no more than its header promises).
 */
export async function writeUpload(target: string, source: Readable, maxBytes: number, maxVolumeBytes: number): Promise<number> {
  let size = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) cb(tooLarge(maxBytes));
      else cb(null, chunk);
    },
  });
  try {
    const st = await lstat(target).catch(() => null);
    if (st?.isDirectory()) throw new HttpError(409, 'IS_DIRECTORY', 'the target is a directory');
    const checks = isNiftiName(target) ? [new NiftiValidator({ maxVolumeBytes })] : [];
    await writeFileAtomic(target, source, [limiter, ...checks]);
  } catch (err) {
    if (!source.destroyed) source.destroy();
    if (err instanceof HttpError) throw err;
    if (err instanceof NiftiError) {
      const r = uploadRefusal(err);
      throw new HttpError(r.status, r.code, `${target.split('/').pop()}: ${r.message}`);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new HttpError(409, 'NOT_A_DIRECTORY', 'a parent of the target is a file, not a folder');
    if (code === 'ENOSPC') throw new HttpError(507, 'NO_SPACE', 'the output volume is full');
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') throw new HttpError(400, 'UPLOAD_ABORTED', 'the upload stream ended early');
    throw err;
  }
  return size;
}

/** DELETE helper: removes a file or link (never a folder, never through a link). */
export async function deleteFile(target: string, shown: string): Promise<void> {
  const st = await lstat(target).catch(() => null);
  if (st === null) throw new HttpError(404, 'NOT_FOUND', `${shown} not found`);
  if (st.isDirectory()) throw new HttpError(409, 'IS_DIRECTORY', `${shown} is a directory; only files can be deleted`);
  await rm(target);
}
