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
];

/** Streams one request to `target` and the answer back, passing Range/ETag headers both ways. */
async function forward(request: FastifyRequest, reply: FastifyReply, target: string, extra: Record<string, string>, name: string, body?: unknown): Promise<void> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...extra };
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
    exposeHeadRoute: false,
    handler: (request, reply) => forward(request, reply, `${config.imageServer}/${rest(request, '/images/')}`, {}, `image server at ${config.imageServer}`),
  });

  // The backend proxy gets request bodies as raw streams (no JSON parsing).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: '/api/vista3d/*',
      exposeHeadRoute: false,
      handler: (request, reply) =>
        forward(
          request,
          reply,
          `${config.vista3dServer}/${rest(request, '/api/vista3d/')}`,
          config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
          `segmentation backend at ${config.vista3dServer}`,
          request.body === undefined || request.body === null ? undefined : Readable.toWeb(request.body as Readable),
        ),
    });
  });
}
