import { sweepLeftovers } from '@vista3d/store';
import { mkdir } from 'node:fs/promises';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { JobExecutor, createBoss, createPool, migrate, recordSegmentationVersion, reindexPatient } from '@vista3d/db';
import type { JobHandler, JobRecord, Pool } from '@vista3d/db';
import { makeConfig } from '@vista3d/frontend/server/config';
import { loadIntegrations } from '@vista3d/frontend/server/integrations';
import type { JobParams, JobResult } from '@vista3d/frontend/server/jobs';
import { createRunners } from '@vista3d/frontend/server/runners';
import { installErrorHandler, installMetrics, loggerOptions } from '@vista3d/service-kit';
import pkg from '../package.json' with { type: 'json' };
import { BackendPool } from './backend-pool.js';
import type { WorkerConfig } from './config.js';

export const VERSION: string = pkg.version;

export interface Worker {
  app: FastifyInstance;
  executor: JobExecutor<JobParams, JobResult>;
  backends: BackendPool;
  pool: Pool;
  /** Stops taking jobs; running ones get `graceMs`, then go back to the queue. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A worker process: takes convert/segment/mesh jobs from PostgreSQL and runs them with the same
 * runners the single-process frontend uses, segmentation spread over the backend pool; serves
 * /health and /metrics (not listening yet: call app.listen).
 */
export async function buildWorker(config: WorkerConfig): Promise<Worker> {
  await mkdir(config.outputFolder, { recursive: true });
  const pool = createPool(config.databaseUrl, { max: 6, applicationName: `vista3d-worker-${config.workerId}` });
  await migrate(pool);
  const backends = new BackendPool(config.backends, {
    maxInFlight: config.backendMaxInFlight,
    waitMs: config.backendWaitMs,
    healthIntervalMs: config.backendHealthIntervalMs,
    timeoutMs: config.inferenceTimeoutMs,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
  });
  const runnerConfig = makeConfig({
    outputFolder: config.outputFolder,
    dicomFolder: config.dicomFolder,
    imageServer: config.imageServer,
    vista3dServer: config.backends[0]!,
    inferenceTimeoutMs: config.inferenceTimeoutMs,
    jobMemoryMb: config.jobMemoryMb,
  });
  // Meshing and conversion run in child processes (the frontend's isolated tasks): a crash or OOM
  // fails that job item, not the worker and the other jobs it runs.
  const runners = createRunners(runnerConfig, loadIntegrations(runnerConfig, { backend: backends }));
  const folders = { outputFolder: config.outputFolder, dicomFolder: config.dicomFolder };
  const handlers: Record<string, JobHandler<JobParams, JobResult>> = {};
  for (const type of config.jobTypes) {
    const run = runners[type] as unknown as JobHandler<JobParams, JobResult>;
    // A saved segmentation gets its provenance (job, engine) before the job can read as succeeded,
    // so whoever sees the job finished also sees which version it wrote.
    handlers[type] =
      type !== 'segment'
        ? run
        : async (job, ctx) => {
            const recording: Array<Promise<unknown>> = [];
            await run(job, {
              ...ctx,
              addResult: (r) => {
                ctx.addResult(r);
                if (r.status !== 'succeeded' || !r.scan) return;
                const entry = { patient: r.patient, scan: r.scan, source: 'segment-job', jobId: job.id, engine: config.backends.join(',') };
                recording.push(recordSegmentationVersion(pool, folders, entry).catch((err: unknown) => app.log.warn({ err, patient: r.patient }, 'segmentation provenance not recorded')));
              },
            });
            await Promise.all(recording);
          };
  }

  const app = Fastify({ logger: loggerOptions('worker'), forceCloseConnections: true });
  const swept = await sweepLeftovers([config.outputFolder, config.dicomFolder]);
  if (swept.length > 0) app.log.warn({ removed: swept }, `removed ${swept.length} crash leftover(s) at start-up`);
  installErrorHandler(app);
  const registry = installMetrics(app, 'vista3d_worker');
  const finished = new Counter({ name: 'vista3d_worker_jobs_total', help: 'Jobs this worker finished, by type and outcome', labelNames: ['type', 'outcome'] as const, registers: [registry] });
  const active: Gauge = new Gauge({
    name: 'vista3d_worker_active_jobs',
    help: 'Jobs running on this worker',
    registers: [registry],
    collect(): void {
      active.set(executor.activeJobs.length);
    },
  });

  const onFinished = async (job: JobRecord<JobParams, JobResult>, outcome: string): Promise<void> => {
    finished.inc({ type: job.type, outcome });
    // Keep the index in step with what the job wrote; segmentations carry their provenance.
    const patients = new Set((job.params.targets ?? []).map((t) => t.patient));
    for (const p of patients) await reindexPatient(pool, folders, p).catch((err: unknown) => app.log.warn({ err, patient: p }, 'index refresh failed'));
    app.log.info({ job: job.id, type: job.type, outcome, attempts: job.attempts }, 'job finished');
  };

  const executor = new JobExecutor<JobParams, JobResult>({
    pool,
    boss: createBoss(config.databaseUrl, { worker: true }),
    url: config.databaseUrl,
    workerId: config.workerId,
    types: config.jobTypes,
    handlers,
    concurrency: config.concurrency,
    heartbeatMs: config.heartbeatMs,
    staleMs: config.staleMs,
    pollMs: config.pollMs,
    onFinished,
  });

  app.get('/health', async () => ({ status: 'ok', version: VERSION, workerId: config.workerId, activeJobs: executor.activeJobs.length }));
  app.get('/status', async () => ({
    version: VERSION,
    workerId: config.workerId,
    jobTypes: config.jobTypes,
    concurrency: config.concurrency,
    activeJobs: executor.activeJobs,
    backends: backends.state(),
  }));

  backends.start();
  await executor.start();
  let stopped: Promise<void> | null = null;
  return {
    app,
    executor,
    backends,
    pool,
    stop(graceMs = 10_000) {
      stopped ??= (async () => {
        await executor.stop(graceMs);
        backends.stop();
        await app.close();
        await pool.end();
      })();
      return stopped;
    },
  };
}
