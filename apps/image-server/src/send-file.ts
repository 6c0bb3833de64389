import { open } from 'node:fs/promises';
import { Transform, pipeline, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, errorBody } from '@vista3d/service-kit';
import { ifRangeAllows, isNotModified, validatorsFor } from './conditional.js';
import { contentTypeFor, isActiveContent, isCompressible } from './content-types.js';
import { parseRange } from './range.js';
import { mapFsError } from './resolve.js';

/** Below this, gzip's header and CPU cost more than they save. */
const GZIP_MIN_BYTES = 1024;
/** Larger reads than the 64 KiB default: fewer syscalls and chunks for 100 MB volumes. */
const READ_CHUNK = 256 * 1024;

/** Accept-Encoding allows gzip (explicitly or via `*`) with a non-zero q. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (token !== 'gzip' && token !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

const header = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Streams one file with validators, conditional requests, a single byte range and optional gzip.
 * The file is opened once and stat'ed through the handle, so size, ETag and bytes all describe the
 * same file even if an upload renames a new version over it meanwhile.
 */
export async function sendFile(request: FastifyRequest, reply: FastifyReply, file: string, shown: string, onBytes: (n: number) => void): Promise<FastifyReply> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw mapFsError(err, shown);
  }
  let streaming = false;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new HttpError(404, 'NOT_FOUND', `${shown} is not a file`);
    const h = request.headers;
    const type = contentTypeFor(file);
    const { etag, lastModified } = validatorsFor(st.size, st.mtimeMs);
    const gzip = isCompressible(type) && h.range === undefined && acceptsGzip(header(h['accept-encoding'])) && st.size >= GZIP_MIN_BYTES;
    // A gzipped body is a different representation and needs its own validator.
    const tag = gzip ? etag.replace(/"$/, '-gz"') : etag;
    reply
      .header('accept-ranges', 'bytes')
      .header('etag', tag)
      .header('last-modified', lastModified)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff');
    if (isCompressible(type)) reply.header('vary', 'Accept-Encoding');

    if (isNotModified({ ifNoneMatch: header(h['if-none-match']), ifModifiedSince: header(h['if-modified-since']) }, st.mtimeMs, tag)) {
      return reply.code(304).send();
    }
    let range = parseRange(header(h.range), st.size);
    if (range.kind !== 'full' && !ifRangeAllows(header(h['if-range']), etag, st.mtimeMs)) range = { kind: 'full' };
    if (range.kind === 'unsatisfiable') {
      return reply
        .code(416)
        .header('content-range', `bytes */${st.size}`)
        .header('content-type', 'application/json; charset=utf-8')
        .send(errorBody(416, 'RANGE_NOT_SATISFIABLE', `range "${header(h.range)}" is outside the file (${st.size} bytes)`));
    }

    reply.header('content-type', type);
    if (isActiveContent(type)) reply.header('content-security-policy', 'sandbox');
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : st.size - 1;
    const length = st.size === 0 ? 0 : end - start + 1;
    if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${st.size}`);
    if (gzip) reply.header('content-encoding', 'gzip');
    else reply.header('content-length', length);
    if (request.method === 'HEAD' || length === 0) return reply.send();

    const source = handle.createReadStream({ start, end, highWaterMark: READ_CHUNK });
    streaming = true; // the stream owns the handle now and closes it when done or destroyed
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        onBytes(chunk.length);
        cb(null, chunk);
      },
    });
    // pipeline tears every stage down (and closes the fd) if the client goes away mid-transfer.
    const stages: Array<Readable | Transform> = gzip ? [source, createGzip({ level: 6 }), counter] : [source, counter];
    pipeline(stages, () => undefined);
    return reply.send(counter);
  } finally {
    if (!streaming) await handle.close();
  }
}
