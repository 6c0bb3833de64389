import type { FastifyInstance } from 'fastify';
import './route-role.js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HttpError } from './http-error.js';
import { metricsAllowed, type MetricsAccess } from './metrics-access.js';

/**
 * A per-service Prometheus registry with default process metrics and an HTTP request histogram,
 * served at GET /metrics. Each service registers its own metrics on `registry`.
 * Metrics reveal traffic and internals: without `METRICS_TOKEN` only direct loopback scrapes are
 * answered; with it, only scrapes that present it as a bearer token.
 */
export function installMetrics(app: FastifyInstance, prefix: string, access: MetricsAccess = { token: process.env.METRICS_TOKEN || undefined }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `${prefix}_` });
  const requests = new Counter({
    name: `${prefix}_http_requests_total`,
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}_http_request_duration_seconds`,
    help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { config: { role: 'public' } }, async (request, reply) => {
    if (!metricsAllowed(request, access)) {
      throw new HttpError(403, 'METRICS_FORBIDDEN', access.token ? '/metrics needs the METRICS_TOKEN bearer token' : '/metrics answers only direct loopback requests unless METRICS_TOKEN is set');
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return registry;
}
