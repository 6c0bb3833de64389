import { HttpError, badRequest } from '@vista3d/service-kit';
import { NiftiError, readNiftiStream, type Volume } from '@vista3d/volume';

export interface ImageLimits {
  maxVoxels: number;
  maxImageBytes: number;
}

export interface FetchPolicy {
  /** Lower-case hostnames; empty = any. */
  allowedHosts: string[];
  timeoutMs: number;
}

const MAX_REDIRECTS = 5;

/** Checks scheme and allow-list of an image URL; throws a 4xx HttpError saying what is wrong. */
export function checkImageUrl(raw: string, policy: FetchPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest('BAD_IMAGE_URL', `"image" must be an absolute http(s) URL, got ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest('BAD_IMAGE_URL', `image URL scheme ${url.protocol} is not allowed; use http or https`);
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (policy.allowedHosts.length > 0 && !policy.allowedHosts.includes(host)) {
    throw new HttpError(
      403,
      'IMAGE_HOST_NOT_ALLOWED',
      `image host "${host}" is not in ALLOWED_IMAGE_HOSTS (${policy.allowedHosts.join(', ')})`,
    );
  }
  return url;
}

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
    vol = await readNiftiStream(counted(), { maxVoxels: limits.maxVoxels });
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
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/**
 * Fetches an image URL and decodes it while it streams in. Redirects are followed by hand (at most 5),
 * each hop re-checked against the scheme rule and ALLOWED_IMAGE_HOSTS.
 */
export async function fetchVolume(
  imageUrl: string,
  policy: FetchPolicy,
  limits: ImageLimits,
  signal?: AbortSignal,
): Promise<Volume> {
  let url = checkImageUrl(imageUrl, policy);
  const timeout = AbortSignal.timeout(policy.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const failed = (reason: string, status = 502): HttpError =>
    new HttpError(status, 'IMAGE_FETCH_FAILED', `could not fetch the image from ${url.host}: ${reason}`, {
      host: url.host,
      url: url.href,
      reason,
    });
  let res: Response;
  for (let hop = 0; ; hop++) {
    try {
      res = await fetch(url, { redirect: 'manual', signal: combined, headers: { accept: 'application/gzip, application/octet-stream, */*' } });
    } catch (err) {
      if (timeout.aborted) throw failed(`no answer within IMAGE_FETCH_TIMEOUT_MS (${policy.timeoutMs} ms)`, 504);
      if (signal?.aborted) throw new HttpError(499, 'CLIENT_CLOSED', 'the client went away');
      throw failed(describeFetchError(err));
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects`);
      url = checkImageUrl(new URL(res.headers.get('location')!, url).href, policy);
      continue;
    }
    break;
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw failed(`the image server answered HTTP ${res.status} ${res.statusText}`.trim(), 400);
  }
  const length = Number(res.headers.get('content-length'));
  if (Number.isFinite(length) && length > limits.maxImageBytes) {
    await res.body?.cancel().catch(() => {});
    throw new HttpError(413, 'IMAGE_TOO_LARGE', `the image at ${url.host} is ${length} bytes, more than MAX_IMAGE_BYTES (${limits.maxImageBytes})`);
  }
  if (!res.body) throw badRequest('MISSING_IMAGE', `the image at ${url.href} has an empty body`);
  let bodyError: Error | undefined;
  const body = res.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const c of body) yield c;
    } catch (err) {
      bodyError = timeout.aborted
        ? failed(`download did not finish within IMAGE_FETCH_TIMEOUT_MS (${policy.timeoutMs} ms)`, 504)
        : signal?.aborted
          ? new HttpError(499, 'CLIENT_CLOSED', 'the client went away')
          : failed(`download broke off: ${describeFetchError(err)}`);
      throw bodyError;
    }
  }
  try {
    return await readVolume(chunks(), limits, `the image at ${url.href}`, () => bodyError);
  } finally {
    await body.cancel().catch(() => {});
  }
}
