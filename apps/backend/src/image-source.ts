import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { HttpError, badRequest } from '@vista3d/service-kit';
import { NiftiError, readNiftiStream, type Volume } from '@vista3d/volume';
import { NonPublicAddressError, addressNotAllowed, checkImageUrl, guardedLookup, type CheckedUrl, type FetchPolicy } from './image-fetch-policy.js';

export { checkImageUrl, type FetchPolicy } from './image-fetch-policy.js';

export interface ImageLimits {
  maxVoxels: number;
  /** Decoded voxel bytes (voxels × bytes of the data type). */
  maxVolumeBytes: number;
  maxImageBytes: number;
}

const MAX_REDIRECTS = 5;

/** Maps a NIfTI decoding failure to the HTTP error the client sees. */
export function niftiHttpError(err: NiftiError, what: string): HttpError {
  if (err.code === 'BAD_MAGIC') return new HttpError(422, 'NOT_NIFTI', `${what} is not a NIfTI image: ${err.message}`);
  if (err.code === 'TOO_LARGE') return new HttpError(413, 'VOLUME_TOO_LARGE', `${what}: ${err.message}`);
  return new HttpError(422, err.code, `${what} is not a readable NIfTI: ${err.message}`);
}

/**
 * Streams `source` into a volume under the byte and voxel limits, then checks it is one 3D frame.
 * Errors raised by the source itself (size limit, timeout, network) win over the decoder's view of them.
 */
export async function readVolume(
  source: AsyncIterable<Uint8Array>,
  limits: ImageLimits,
  what: string,
  sourceError: () => Error | undefined = () => undefined,
): Promise<Volume> {
  let received = 0;
  let limitError: HttpError | undefined;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      received += chunk.byteLength;
      if (received > limits.maxImageBytes) {
        limitError = new HttpError(413, 'IMAGE_TOO_LARGE', `${what} is larger than MAX_IMAGE_BYTES (${limits.maxImageBytes} bytes)`);
        throw limitError;
      }
      yield chunk;
    }
  }
  let vol: Volume;
  try {
    vol = await readNiftiStream(counted(), { maxVoxels: limits.maxVoxels, maxBytes: limits.maxVolumeBytes });
  } catch (err) {
    const cause = limitError ?? sourceError();
    if (cause) throw cause;
    if (err instanceof HttpError) throw err;
    if (err instanceof NiftiError) {
      if (received === 0) throw badRequest('MISSING_IMAGE', `${what} is empty`);
      throw niftiHttpError(err, what);
    }
    throw err;
  }
  checkVolumeShape(vol, what);
  return vol;
}

export function checkVolumeShape(vol: Volume, what: string): void {
  const [nx, ny, nz] = vol.dims;
  if (vol.frames > 1) {
    throw new HttpError(422, 'NOT_3D', `${what} is 4D (${nx}×${ny}×${nz}, ${vol.frames} frames); send a single 3D CT volume`, {
      dims: vol.dims,
      frames: vol.frames,
    });
  }
  if (nz <= 1 || ny <= 1 || nx <= 1) {
    throw new HttpError(422, 'NOT_3D', `${what} is 2D (${nx}×${ny}×${nz}); send a 3D CT volume`, { dims: vol.dims });
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

/** One GET without redirects; resolves with the response head, the body unread. */
function getOnce(target: CheckedUrl, signal: AbortSignal): { response: Promise<IncomingMessage>; request: ClientRequest } {
  const get = target.url.protocol === 'https:' ? httpsGet : httpGet;
  const request = get(target.url, {
    headers: { accept: 'application/gzip, application/octet-stream, */*', 'user-agent': 'vista3d-backend' },
    signal,
    lookup: guardedLookup(target.trusted),
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  return { response, request };
}

/**
 * Fetches an image URL and decodes it while it streams in. Redirects, when enabled, are followed by
 * hand (at most 5), each hop re-checked like the first URL. Uses node:http directly so
 * that giving up (limit hit, bad content) destroys the socket at once instead of leaving the image
 * server streaming into a full connection.
 */
export async function fetchVolume(
  imageUrl: string,
  policy: FetchPolicy,
  limits: ImageLimits,
  signal?: AbortSignal,
): Promise<Volume> {
  let target = checkImageUrl(imageUrl, policy);
  let url = target.url;
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const combined = AbortSignal.any([timeout, ...(signal ? [signal] : [])]);
  // An image URL the backend cannot fetch is the request's problem (4xx), as the API promises:
  // unreachable host, refused connection, non-2xx answer, too many redirects, or no answer in time.
  // For a host the operator did not name, every failure reads the same, so that the backend
  // cannot be used to learn which ports of someone else's host are open.
  const failed = (reason: string): HttpError =>
    target.trusted
      ? new HttpError(400, 'IMAGE_FETCH_FAILED', `could not fetch the image from ${url.host}: ${reason}`, { host: url.host, url: url.href, reason })
      : new HttpError(400, 'IMAGE_FETCH_FAILED', `could not fetch the image from ${url.host}`, { host: url.host, url: url.href });
  const abortError = (phase: 'answer' | 'download'): HttpError =>
    timeout.aborted
      ? failed(phase === 'answer' ? `no answer within IMAGE_FETCH_TIMEOUT_MS (${policy.timeoutMs} ms)` : `download did not finish within IMAGE_FETCH_TIMEOUT_MS (${policy.timeoutMs} ms)`)
      : new HttpError(499, 'CLIENT_CLOSED', 'the client went away');
  const requests: ClientRequest[] = [];
  try {
    let res: IncomingMessage;
    for (let hop = 0; ; hop++) {
      const { response, request } = getOnce(target, combined);
      requests.push(request);
      try {
        res = await response;
      } catch (err) {
        if (err instanceof NonPublicAddressError) throw addressNotAllowed(url);
        if (combined.aborted) throw abortError('answer');
        throw failed(describeFetchError(err));
      }
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        request.destroy();
        if (!policy.followRedirects) throw failed(`the image server answered a redirect (HTTP ${status}); set IMAGE_FETCH_FOLLOW_REDIRECTS=true to follow it`);
        if (hop >= MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects`);
        target = checkImageUrl(new URL(res.headers.location, url).href, policy);
        url = target.url;
        continue;
      }
      if (status < 200 || status >= 300) throw failed(`the image server answered HTTP ${status} ${res.statusMessage ?? ''}`.trim());
      break;
    }
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && length > limits.maxImageBytes) {
      throw new HttpError(413, 'IMAGE_TOO_LARGE', `the image at ${url.host} is ${length} bytes, more than MAX_IMAGE_BYTES (${limits.maxImageBytes})`);
    }
    let bodyError: Error | undefined;
    const body = res;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for await (const c of body) yield c as Buffer;
      } catch (err) {
        bodyError = combined.aborted ? abortError('download') : failed(`download broke off: ${describeFetchError(err)}`);
        throw bodyError;
      }
      if (!body.complete) {
        bodyError = combined.aborted ? abortError('download') : failed('download broke off: connection closed early');
        throw bodyError;
      }
    }
    return await readVolume(chunks(), limits, `the image at ${url.href}`, () => bodyError);
  } finally {
    // Done reading (or gave up): release every connection, whatever is left unread.
    for (const r of requests) r.destroy();
  }
}
