import { PassThrough, type Readable } from 'node:stream';
import { HttpError } from './http-error.js';

/**
 * A malformed or over-limit multipart body, as the parsers (busboy, @fastify/multipart) report it,
 * turned into the client error it is (null: not such an error). Without this they surface as 500s.
 */
export function multipartClientError(err: unknown): HttpError | null {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; message?: string } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  switch (e?.code) {
    case 'FST_FIELDS_LIMIT':
      return new HttpError(413, 'TOO_MANY_FIELDS', 'the multipart body has more form fields than this route accepts');
    case 'FST_PARTS_LIMIT':
      return new HttpError(413, 'TOO_MANY_PARTS', 'the multipart body has more parts than this route accepts');
    case 'FST_FILES_LIMIT':
      return new HttpError(413, 'TOO_MANY_FILES', 'the multipart body has more files than this route accepts');
    case 'FST_PROTO_VIOLATION':
      return new HttpError(400, 'BAD_MULTIPART', `the multipart body is malformed: ${message}`);
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpError(415, 'NOT_MULTIPART', 'expected a multipart/form-data body');
    default:
  }
  if (/^Multipart: Boundary not found/.test(message) || /boundary/i.test(message) && /not found|missing/i.test(message)) {
    return new HttpError(400, 'NO_MULTIPART_BOUNDARY', 'Content-Type multipart/form-data needs a boundary parameter (multipart/form-data; boundary=...)');
  }
  if (/terminated early|Unexpected end of (multipart|form|file)|Malformed part header/i.test(message)) {
    return incomplete();
  }
  return null;
}

const incomplete = (): HttpError =>
  new HttpError(400, 'INCOMPLETE_MULTIPART', 'the multipart body ended before its closing boundary (truncated upload)');

/**
 * The bytes of a multipart file part as a stream that fails with a 400 when the body ends before the
 * part is closed. Busboy reports that with an 'error' and a 'close' on the part that can happen
 * before anyone listens (a small body arrives in one chunk); a consumer attached later would wait
 * forever on a stream that neither ends nor fails.
 */
export function multipartFileStream(file: Readable): Readable {
  const out = new PassThrough();
  // The consumer may attach later; it then finds the stream errored (no unhandled 'error' meanwhile).
  out.on('error', () => {});
  let ended = false;
  file.on('end', () => (ended = true));
  file.on('error', (err) => out.destroy(multipartClientError(err) ?? err));
  file.on('close', () => {
    if (!ended && !out.destroyed) out.destroy(incomplete());
  });
  out.on('close', () => {
    if (!ended && !file.destroyed) file.destroy();
  });
  // already torn down by the parser before we were called (an iterator hands parts over later)
  if (file.destroyed && !file.readableEnded) out.destroy(incomplete());
  else file.pipe(out);
  return out;
}
