import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import { HttpError } from '@vista3d/service-kit';

/**
 * Content-Security-Policy of the web app: scripts only from our own origin (the bundle has no inline
 * script), nothing may frame it, and data leaves only to our own origin. NiiVue needs WebGL2 only;
 * blob:/data: cover screenshots and volumes it builds in memory. Inline styles stay allowed because
 * React and NiiVue set element styles at run time.
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'", 'blob:', 'data:'],
  workerSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Security headers on every answer of the web app (pages, API, proxied files). */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Cross-origin isolation would break nothing today but forbids future PACS viewers in popups.
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    // HSTS only makes sense behind TLS; the ingress (or a proxy) terminates it and adds its own.
    strictTransportSecurity: false,
  });
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function originOf(request: FastifyRequest): string | undefined {
  const o = request.headers.origin;
  return typeof o === 'string' ? o.replace(/\/+$/, '').toLowerCase() : undefined;
}

/**
 * Cross-site request forgery guard: a browser always sends Origin (and Sec-Fetch-Site) with a
 * cross-site POST, so a state-changing request whose Origin is neither this app's own (by Host)
 * nor allow-listed is refused before any handler or body parser runs. Clients that are not
 * browsers (CLI, scripts) send neither header and are judged by authentication alone.
 */
export function isCrossSiteWrite(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  if (!UNSAFE.has(request.method)) return false;
  const origin = originOf(request);
  const fetchSite = request.headers['sec-fetch-site'];
  if (origin === undefined) return fetchSite === 'cross-site';
  if (origin === 'null') return true;
  if (allowedOrigins.includes(origin)) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return true;
  }
  return host !== (request.headers.host ?? '').toLowerCase();
}

export function installCsrfGuard(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  app.addHook('onRequest', async (request, reply) => {
    if (isCrossSiteWrite(request, allowedOrigins)) {
      reply.header('connection', 'close');
      throw new HttpError(403, 'CROSS_SITE_REQUEST', `refused a ${request.method} from another site (Origin ${request.headers.origin ?? 'absent'}); add it to ALLOWED_ORIGINS if it is yours`);
    }
  });
}
