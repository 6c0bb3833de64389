import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '@vista3d/service-kit';
import type { FrontendConfig } from '../config.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves the built web UI from WEB_ROOT; unknown paths without an extension get index.html (client routes). */
export async function staticRoutes(app: FastifyInstance, opts: { config: FrontendConfig }): Promise<void> {
  const root = normalize(opts.config.webRoot);
  const fileAt = async (p: string): Promise<{ path: string; size: number; mtime: Date } | null> => {
    const st = await stat(p).catch(() => null);
    return st?.isFile() ? { path: p, size: st.size, mtime: st.mtime } : null;
  };
  // The UI shell (HTML, scripts, styles) holds no patient data: the app logs in through the API.
  app.get('/*', { config: { role: 'public' } }, async (request, reply) => {
    const urlPath = (request.raw.url ?? '/').split('?')[0];
    if (/^\/(api|images)(\/|$)/.test(urlPath)) throw new HttpError(404, 'NOT_FOUND', `no route for GET ${urlPath}`);
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      throw new HttpError(400, 'BAD_PATH', 'malformed URL path');
    }
    const candidate = normalize(join(root, decoded));
    if (candidate !== root && !candidate.startsWith(root + sep)) throw new HttpError(404, 'NOT_FOUND', 'not found');
    let file = decoded.endsWith('/') ? null : await fileAt(candidate);
    if (!file && !extname(decoded)) file = await fileAt(join(root, 'index.html'));
    if (!file) {
      throw new HttpError(404, 'NOT_FOUND', extname(decoded) ? `no file ${urlPath}` : `web UI not built: ${join(root, 'index.html')} is missing`);
    }
    const isIndex = file.path.endsWith('index.html');
    reply
      .header('content-type', TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream')
      .header('content-length', file.size)
      .header('last-modified', file.mtime.toUTCString())
      .header('cache-control', isIndex ? 'no-cache' : 'public, max-age=3600');
    return reply.send(createReadStream(file.path));
  });
}
