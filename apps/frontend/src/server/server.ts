import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { Gauge } from 'prom-client';
import { fastifyTimeoutOptions, installErrorHandler, installMetrics, loggerOptions } from '@vista3d/service-kit';
import { MAX_NAME_LENGTH, listPatients, sweepLeftovers } from '@vista3d/store';
import pkg from '../../package.json' with { type: 'json' };
import type { FrontendConfig } from './config.js';
import { toHttpError } from './http-errors.js';
import { loadIntegrations } from './integrations.js';
import type { Integrations } from './integrations.js';
import { JobManager } from './jobs.js';
import type { Job } from './jobs.js';
import type { JobQueue } from './job-queue.js';
import { openPlatformState } from './platform-state.js';
import type { PlatformState } from './platform-state.js';
import { installIndexSync } from './routes/index-sync.js';
import { createRunners } from './runners.js';
import { dataRoutes, dicomPatients } from './routes/data.js';
import { exportRoutes } from './routes/export.js';
import { pacsRoutes } from './routes/pacs.js';
import { interactiveRoutes } from './routes/interactive.js';
import { jobRoutes, jobJson } from './routes/jobs.js';
import { proxyRoutes } from './routes/proxy.js';
import { staticRoutes } from './routes/static.js';
import { installCsrfGuard, installSecurityHeaders } from './security.js';
import { setupAuth } from './auth/index.js';
import { uploadRoutes } from './routes/uploads.js';
import { versionRoutes } from './routes/versions.js';

export const VERSION: string = pkg.version;

export interface BuildOptions {
  /** Replace the backend client / DICOM / mesh modules (tests, embedding). */
  integrations?: Partial<Integrations>;
}

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobQueue;
    state: PlatformState | null;
  }
}

async function probe(url: string, timeoutMs: number): Promise<{ ok: boolean; status?: number; body?: unknown; error?: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain text */
    }
    return { ok: res.ok, status: res.status, body };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    return { ok: false, error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message ?? String(err)) };
  }
}

const pick = (body: unknown, ...keys: string[]): string | undefined => {
  if (!body || typeof body !== 'object') return undefined;
  for (const k of keys) {
    const v = (body as Record<string, unknown>)[k];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return undefined;
};

/** The frontend service: web UI, data API, job queue and proxies (not listening yet). */
export async function buildServer(config: FrontendConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  await mkdir(config.outputFolder, { recursive: true });
  const integrations = loadIntegrations(config, options.integrations);
  // maxParamLength: an id of MAX_NAME_LENGTH characters, percent-encoded (up to 12 bytes each), must route.
  const app = Fastify({ logger: loggerOptions('frontend'), ...fastifyTimeoutOptions(config.timeouts), bodyLimit: 1 << 20, forceCloseConnections: true, trustProxy: config.auth.trustProxy, routerOptions: { maxParamLength: MAX_NAME_LENGTH * 12 } });
  // Crash leftovers (staging folders, upload parts, swap .old folders) older than a minute.
  const swept = await sweepLeftovers([config.outputFolder, config.dicomFolder]);
  if (swept.length > 0) app.log.warn({ removed: swept }, `removed ${swept.length} crash leftover(s) at start-up`);
  // With DATABASE_URL the replica is stateless: jobs and the index live in PostgreSQL and run on
  // apps/worker. Without it (tests, a single process) jobs run here as before.
  const state = config.databaseUrl ? await openPlatformState({ ...config, databaseUrl: config.databaseUrl }) : null;
  let jobs: JobQueue;
  if (state) jobs = state.jobs;
  else {
    const local = new JobManager({
      file: join(config.outputFolder, '.jobs.json'),
      concurrency: config.jobConcurrency,
      runners: createRunners(config, integrations),
      log: { warn: (m) => app.log.warn(m), error: (m) => app.log.error(m) },
    });
    await local.load();
    jobs = local;
  }

  installErrorHandler(app);
  await installSecurityHeaders(app);
  installCsrfGuard(app, config.allowedOrigins);
  // Before any route: every route declares its role (docs/security.md), checked on each request.
  await setupAuth(app, config.auth, config.host, state?.pool ?? null);
  const registry = installMetrics(app, 'vista3d_frontend');
  const jobGauge = new Gauge({
    name: 'vista3d_frontend_jobs',
    help: 'Jobs by type and status',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const j of await jobs.list()) this.inc({ type: j.type, status: j.status });
    },
  });
  void jobGauge;
  app.decorate('jobs', jobs);
  app.decorate('state', state);
  app.addHook('onClose', async () => {
    await (state ? state.close() : jobs.close());
  });

  await app.register(multipart, {
    limits: { fileSize: config.maxUploadBytes, files: 20_000, fields: 50, fieldSize: 1 << 16, parts: 20_100 },
  });

  app.get('/health', { config: { role: 'public' } }, async () => ({ status: 'ok', version: VERSION }));

  app.get('/api/status', { config: { role: 'viewer' } }, async () => {
    const t = config.probeTimeoutMs;
    const [live, ready, info, image, patients, dicomOnly] = await Promise.all([
      probe(`${config.vista3dServer}/v1/health/live`, t),
      probe(`${config.vista3dServer}/v1/health/ready`, t),
      probe(`${config.vista3dServer}/v1/vista3d/info`, t),
      probe(`${config.imageServer}/health`, t),
      state ? state.patients() : listPatients(config.outputFolder),
      dicomPatients(config.dicomFolder),
    ]);
    const backend: Record<string, unknown> = { url: config.vista3dServer, live: live.ok, ready: ready.ok };
    // Our backend answers engine: {name, version, description}; a NIM answers flat strings.
    const engineObj = info.body && typeof info.body === 'object' ? (info.body as Record<string, unknown>).engine : undefined;
    const engine = pick(engineObj, 'name') ?? pick(info.body, 'engine', 'name', 'model');
    const version = pick(info.body, 'version', 'modelVersion');
    if (engine) backend.engine = engine;
    if (version) backend.version = version;
    if (!live.ok) backend.error = live.error ?? `live probe answered HTTP ${live.status}`;
    else if (!ready.ok) backend.error = ready.error ?? `not ready (HTTP ${ready.status})`;
    const imageServer: Record<string, unknown> = { url: config.imageServer, live: image.ok };
    const isVersion = pick(image.body, 'version');
    if (isVersion) imageServer.version = isVersion;
    if (!image.ok) imageServer.error = image.error ?? `health answered HTTP ${image.status}`;
    return {
      version: VERSION,
      backend,
      imageServer,
      counts: {
        // a patient with only DICOM (uploaded, not converted yet) is a patient too
        patients: new Set([...patients.map((p) => p.id), ...dicomOnly]).size,
        scans: patients.reduce((s, p) => s + p.scans, 0),
        segmentations: patients.reduce((s, p) => s + p.segmentations, 0),
      },
      features: { dicom: integrations.dicom !== null, mesh: integrations.mesh !== null },
      recentJobs: (await jobs.list()).slice(0, 10).map((j: Job) => jobJson(j)),
    };
  });

  await app.register(async (api) => {
    // Library errors (bad names, missing scans, corrupt NIfTI, backend down) become 4xx/5xx JSON.
    api.setErrorHandler((err, _request, _reply) => {
      throw toHttpError(err);
    });
    if (state) installIndexSync(api, state);
    await api.register(dataRoutes, { config, integrations, ...(state ? { patientIndex: () => state.patientsJson() } : {}) });
    await api.register(uploadRoutes, { config });
    await api.register(jobRoutes, { config, jobs });
    await api.register(interactiveRoutes, { config, integrations });
    await api.register(versionRoutes, { config });
    await api.register(exportRoutes, { config });
    await api.register(pacsRoutes, { config });
  });
  await app.register(proxyRoutes, { config });
  await app.register(staticRoutes, { config });
  return app;
}
