import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '@vista3d/service-kit';
import type { FrontendConfig } from '../config.js';

const REQUEST_HEADERS = ['range', 'if-range', 'if-none-match', 'if-modified-since', 'accept', 'content-type', 'content-length'];
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'vary',
  // The image server's own protection of stored files must survive the proxy (stored XSS).
  'content-security-policy',
  'x-content-type-options',
];

/** Types a browser shows without running anything: everything else is sandboxed and downloaded. */
const PASSIVE_TYPE = /^(application\/(gzip|x-gzip|octet-stream|json|dicom|zip|pdf)|image\/(png|jpeg|gif|webp)|model\/[\w.+-]+|text\/(csv|plain))(;|$)/i;

/** Paths of the backend a browser may reach through /api/vista3d: the NIM API, never /metrics. */
const BACKEND_PATHS = /^v1\/(vista3d\/(inference|info)|health\/(live|ready))(\?|$)/;

/** Of the image server, browsers read files and listings only (not /metrics, /health, writes). */
const IMAGE_PATHS = /^(output|dicom)(\/|\?|$)/;

/**
 * A path tail is forwarded as sent, so dot segments and encoded separators that the upstream (or
 * fetch's URL parser) would resolve are refused here: `/api/vista3d/../metrics` must not escape.
 */
function checkTail(tail: string, allowed: RegExp, what: string): string {
  const path = tail.split('?')[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new HttpError(400, 'BAD_PATH', 'malformed URL path');
  }
  if (/(^|\/)\.\.?(\/|$)/.test(decoded) || /%2f|%5c|\\/i.test(path) || decoded.includes('\0')) {
    throw new HttpError(400, 'BAD_PATH', 'dot segments and encoded separators are not allowed');
  }
  if (!allowed.test(tail)) throw new HttpError(404, 'NOT_FOUND', `no ${what} route /${path}`);
  return tail;
}

/** Streams one request to `target` and the answer back, passing Range/ETag headers both ways. */
async function forward(request: FastifyRequest, reply: FastifyReply, target: string, extra: Record<string, string>, name: string, body?: unknown): Promise<void> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'x-forwarded-for': request.ip, ...extra };
  for (const h of REQUEST_HEADERS) {
    const v = request.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const hasBody = body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
  if (!hasBody) delete headers['content-length'];
  let res: Response;
  try {
    res = await fetch(target, {
      method: request.method,
      headers,
      signal: controller.signal,
      redirect: 'manual',
      ...(hasBody ? { body: body as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new HttpError(502, 'UPSTREAM_UNAVAILABLE', `${name} is unavailable (${cause})`);
  }
  reply.code(res.status);
  for (const h of RESPONSE_HEADERS) {
    const v = res.headers.get(h);
    if (v !== null) reply.header(h, v);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!PASSIVE_TYPE.test(type)) {
    reply.header('content-security-policy', 'sandbox');
    if (!res.headers.get('content-disposition')) reply.header('content-disposition', 'attachment');
  }
  reply.header('x-content-type-options', 'nosniff');
  if (!res.body || request.method === 'HEAD' || res.status === 304 || res.status === 204) {
    await res.body?.cancel();
    return reply.send();
  }
  return reply.send(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
}

function rest(request: FastifyRequest, prefix: string): string {
  const raw = request.raw.url ?? '';
  return raw.slice(prefix.length);
}

export async function proxyRoutes(app: FastifyInstance, opts: { config: FrontendConfig }): Promise<void> {
  const { config } = opts;
  app.route({
    method: ['GET', 'HEAD'],
    url: '/images/*',
    config: { role: 'viewer' },
    exposeHeadRoute: false,
    handler: (request, reply) =>
      forward(request, reply, `${config.imageServer}/${checkTail(rest(request, '/images/'), IMAGE_PATHS, 'image')}`, {}, `image server at ${config.imageServer}`),
  });

  // The backend proxy gets request bodies as raw streams (no JSON parsing).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const handler = (request: FastifyRequest, reply: FastifyReply): Promise<void> =>
      forward(
        request,
        reply,
        `${config.vista3dServer}/${checkTail(rest(request, '/api/vista3d/'), BACKEND_PATHS, 'backend')}`,
        config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
        `segmentation backend at ${config.vista3dServer}`,
        request.body === undefined || request.body === null ? undefined : Readable.toWeb(request.body as Readable),
      );
    // Reading the backend's info/health is a read; inference runs on the backend like a job does.
    scope.route({ method: ['GET', 'HEAD'], url: '/api/vista3d/*', config: { role: 'viewer' }, exposeHeadRoute: false, handler });
    scope.route({ method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/api/vista3d/*', config: { role: 'annotator' }, handler });
  });
}
