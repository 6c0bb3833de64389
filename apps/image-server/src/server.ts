import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import { fastifyTimeoutOptions, installErrorHandler, installMetrics, loggerOptions } from '@vista3d/service-kit';
import { sweepLeftovers } from '@vista3d/store';
import pkg from '../package.json' with { type: 'json' };
import type { ImageServerConfig } from './config.js';
import { checkHealth } from './health.js';
import { registerFileMetrics } from './metrics.js';
import { PREFIXES, registerFileRoutes } from './routes.js';

/** Headers a browser viewer (NiiVue) must be able to read on cross-origin range responses. */
const EXPOSED_HEADERS = ['Content-Range', 'Content-Length', 'Content-Encoding', 'Accept-Ranges', 'ETag', 'Last-Modified'];

export function buildServer(config: ImageServerConfig): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions('image-server'),
    // Uploads of whole CT volumes take a while on slow links: the overall deadline is generous
    // (REQUEST_TIMEOUT_MS), a connection that goes silent is closed after IDLE_TIMEOUT_MS.
    ...fastifyTimeoutOptions(config.timeouts),
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 4096 },
  });
  installErrorHandler(app);
  // Crash leftovers (half-written PUT temp files, staging folders) older than a minute, before serving.
  if (!config.readOnly) {
    app.addHook('onReady', async () => {
      const swept = await sweepLeftovers([config.outputFolder]);
      if (swept.length > 0) app.log.warn({ removed: swept }, `removed ${swept.length} crash leftover(s) at start-up`);
    });
  }
  const registry = installMetrics(app, 'image_server');
  const metrics = registerFileMetrics(registry);

  // Cross-origin reads only, and only for listed origins: a browser page never writes here.
  if (config.corsOrigins.length > 0) {
    app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'HEAD', 'OPTIONS'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  // Bodies are streamed by the upload handlers themselves (to disk, with their own size limit);
  // Fastify must not buffer or parse them, whatever their Content-Type (a .json upload included).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.register(multipart);

  for (const prefix of PREFIXES) {
    app.route({ method: ['GET', 'HEAD'], url: `${prefix}/health`, handler: async () => checkHealth(config.outputFolder, config.dicomFolder, pkg.version, config.readOnly) });
  }
  registerFileRoutes(app, config, metrics);
  return app;
}
