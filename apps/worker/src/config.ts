import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { JOB_TYPES } from '@vista3d/frontend/server/jobs';
import type { JobType } from '@vista3d/frontend/server/jobs';
import { envList, envPort, loadConfig } from '@vista3d/service-kit';

const url = z
  .string()
  .url()
  .transform((s) => s.replace(/\/+$/, ''));

/** Every job type the frontend can create; a worker takes all of them unless WORKER_JOB_TYPES narrows it. */
const TYPES: readonly JobType[] = JOB_TYPES;

/** Environment variables of the worker (docs/deployment.md). */
export const envSchema = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required: the worker takes its jobs from PostgreSQL'),
  OUTPUT_FOLDER: z.string().min(1).default('.run/output'),
  DICOM_FOLDER: z.string().min(1).default('.run/dicom'),
  /** One or more segmentation backends (ours or NIMs), comma-separated; VISTA3D_SERVER is the single-backend spelling. */
  VISTA3D_SERVERS: envList,
  VISTA3D_SERVER: url.default('http://localhost:8000'),
  VISTA3D_API_KEY: z.string().optional(),
  NGC_API_KEY: z.string().optional(),
  IMAGE_SERVER: url.default('http://localhost:8888'),
  WORKER_ID: z.string().min(1).optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  WORKER_JOB_TYPES: envList,
  WORKER_PORT: envPort(8601),
  HOST: z.string().min(1).default('0.0.0.0'),
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5000),
  /** A job whose worker has been silent this long is retried elsewhere (must exceed the heartbeat). */
  WORKER_STALE_MS: z.coerce.number().int().min(500).default(60_000),
  WORKER_POLL_MS: z.coerce.number().int().min(100).default(2000),
  /** Requests one backend gets at once from this worker (its own queue answers 429 past its limit). */
  BACKEND_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(2),
  /** How long a segmentation waits for a free, healthy backend before the job attempt fails. */
  BACKEND_WAIT_MS: z.coerce.number().int().min(0).default(10 * 60 * 1000),
  BACKEND_HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  INFERENCE_TIMEOUT_MS: z.coerce.number().int().positive().default(30 * 60 * 1000),
  /** Memory limit of each meshing/conversion child process (MiB), as in the frontend. */
  JOB_MEMORY_MB: z.coerce.number().int().min(256).default(6144),
});

export type JobTypeName = JobType;

export interface WorkerConfig {
  databaseUrl: string;
  outputFolder: string;
  dicomFolder: string;
  backends: string[];
  apiKey?: string;
  imageServer: string;
  workerId: string;
  concurrency: number;
  jobTypes: JobTypeName[];
  port: number;
  host: string;
  heartbeatMs: number;
  staleMs: number;
  pollMs: number;
  backendMaxInFlight: number;
  backendWaitMs: number;
  backendHealthIntervalMs: number;
  inferenceTimeoutMs: number;
  jobMemoryMb: number;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = loadConfig(envSchema, env);
  const types = e.WORKER_JOB_TYPES.length ? e.WORKER_JOB_TYPES : [...TYPES];
  const bad = types.filter((t) => !(TYPES as readonly string[]).includes(t));
  if (bad.length) throw new Error(`invalid configuration:\n  WORKER_JOB_TYPES: unknown job type ${bad.join(', ')}; expected some of ${TYPES.join(', ')}`);
  const backends = (e.VISTA3D_SERVERS.length ? e.VISTA3D_SERVERS : [e.VISTA3D_SERVER]).map((u) => {
    const parsed = url.safeParse(u);
    if (!parsed.success) throw new Error(`invalid configuration:\n  VISTA3D_SERVERS: "${u}" is not a URL`);
    return parsed.data;
  });
  if (e.WORKER_STALE_MS <= 2 * e.WORKER_HEARTBEAT_MS) throw new Error('invalid configuration:\n  WORKER_STALE_MS must be more than twice WORKER_HEARTBEAT_MS');
  const apiKey = e.VISTA3D_API_KEY || e.NGC_API_KEY || undefined;
  return {
    databaseUrl: e.DATABASE_URL,
    outputFolder: resolve(e.OUTPUT_FOLDER),
    dicomFolder: resolve(e.DICOM_FOLDER),
    backends,
    ...(apiKey ? { apiKey } : {}),
    imageServer: e.IMAGE_SERVER,
    workerId: e.WORKER_ID ?? `${hostname()}-${process.pid}`,
    concurrency: e.WORKER_CONCURRENCY,
    jobTypes: types as JobTypeName[],
    port: e.WORKER_PORT,
    host: e.HOST,
    heartbeatMs: e.WORKER_HEARTBEAT_MS,
    staleMs: e.WORKER_STALE_MS,
    pollMs: e.WORKER_POLL_MS,
    backendMaxInFlight: e.BACKEND_MAX_IN_FLIGHT,
    backendWaitMs: e.BACKEND_WAIT_MS,
    backendHealthIntervalMs: e.BACKEND_HEALTH_INTERVAL_MS,
    inferenceTimeoutMs: e.INFERENCE_TIMEOUT_MS,
    jobMemoryMb: e.JOB_MEMORY_MB,
  };
}
