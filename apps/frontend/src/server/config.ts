import { resolve } from 'node:path';
import { z } from 'zod';
import { envList, envPort, loadConfig, timeoutEnvShape, timeoutsFromEnv } from '@vista3d/service-kit';
import type { ServerTimeouts } from '@vista3d/service-kit';
import { authConfigFromEnv } from './auth/config.js';
import type { AuthConfig } from './auth/config.js';

const url = z
  .string()
  .url()
  .transform((s) => s.replace(/\/+$/, ''));

/** Environment variables of the frontend service (all optional; defaults in the docs). */
export const envSchema = z.object({
  FRONTEND_PORT: envPort(8501),
  HOST: z.string().min(1).default('0.0.0.0'),
  VISTA3D_SERVER: url.default('http://localhost:8000'),
  VISTA3D_API_KEY: z.string().optional(),
  IMAGE_SERVER: url.default('http://localhost:8888'),
  OUTPUT_FOLDER: z.string().min(1).default('.run/output'),
  DICOM_FOLDER: z.string().min(1).default('.run/dicom'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(500 * 1024 * 1024),
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Memory limit of one heavy job's child process (MiB, heap and resident): above it the job fails. */
  JOB_MEMORY_MB: z.coerce.number().int().min(256).default(6144),
  WEB_ROOT: z.string().min(1).default('apps/frontend/dist/web'),
  /** How long one backend inference may take before the job item fails (ms). */
  INFERENCE_TIMEOUT_MS: z.coerce.number().int().positive().default(30 * 60 * 1000),
  /** Timeout of the status probes (ms). */
  PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  /** Origins besides the app's own that may send state-changing requests (CSRF allow-list). */
  ALLOWED_ORIGINS: envList,
  /** PostgreSQL (platform state, job queue); unset = in-process jobs and a folder-walk listing. */
  DATABASE_URL: z.string().min(1).optional(),
  /** Attempts a queued job gets when a backend is down or its worker dies. */
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** DICOMweb root of the PACS (QIDO/WADO import, STOW-RS write-back of SEG/RTSTRUCT); unset = no PACS. */
  DICOMWEB_URL: z.string().url().optional(),
  MAX_VOLUME_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  /** DICOM ZIP uploads: entries, inflated bytes (all entries) and per-entry inflation ratio. */
  ZIP_MAX_ENTRIES: z.coerce.number().int().positive().default(20000),
  ZIP_MAX_INFLATED_BYTES: z.coerce.number().int().positive().default(4 * 1024 * 1024 * 1024),
  ZIP_MAX_RATIO: z.coerce.number().positive().default(100),
  /** Uploads one user (or, not logged in, one client address) may have in progress at once. */
  MAX_CONCURRENT_UPLOADS_PER_USER: z.coerce.number().int().positive().default(2),
  ...timeoutEnvShape,
});

export interface FrontendConfig {
  port: number;
  host: string;
  /** Base URL of the VISTA3D-compatible backend (NIM or ours). */
  vista3dServer: string;
  /**
   * Bearer token for the backend (VISTA3D_API_KEY only: an NGC key is for pulling NIM images, and is
   * never handed to whatever backend happens to be configured).
   */
  apiKey?: string;
  /** Base URL of the image server as the backend sees it. */
  imageServer: string;
  outputFolder: string;
  dicomFolder: string;
  maxUploadBytes: number;
  jobConcurrency: number;
  /** Memory limit of one mesh/conversion job process, MiB. */
  jobMemoryMb: number;
  webRoot: string;
  inferenceTimeoutMs: number;
  probeTimeoutMs: number;
  /** Extra origins allowed to POST/PUT/PATCH/DELETE (the app's own origin always is). */
  allowedOrigins: string[];
  /** PostgreSQL URL; when set, jobs run on apps/worker and /api/patients reads the index. */
  databaseUrl?: string;
  jobMaxAttempts: number;
  /** Authentication (AUTH_MODE, sessions, OIDC): see auth/config.ts and docs/security.md. */
  auth: AuthConfig;
  /** DICOMweb root of the PACS (no trailing slash). */
  dicomwebUrl?: string;
  /** Decoded voxel bytes an uploaded NIfTI may promise (the backend's MAX_VOLUME_BYTES rule). */
  maxVolumeBytes: number;
  /** DICOM ZIP upload caps (ZIP_MAX_ENTRIES, ZIP_MAX_INFLATED_BYTES, ZIP_MAX_RATIO). */
  zipMaxEntries: number;
  zipMaxInflatedBytes: number;
  zipMaxRatio: number;
  /** MAX_CONCURRENT_UPLOADS_PER_USER. */
  maxConcurrentUploadsPerUser: number;
  /** HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS. */
  timeouts: ServerTimeouts;
}

/** Config from an environment (process.env by default); throws naming the bad variable. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): FrontendConfig {
  const e = loadConfig(envSchema, env);
  const apiKey = e.VISTA3D_API_KEY || undefined;
  return {
    port: e.FRONTEND_PORT,
    host: e.HOST,
    vista3dServer: e.VISTA3D_SERVER,
    ...(apiKey ? { apiKey } : {}),
    imageServer: e.IMAGE_SERVER,
    outputFolder: resolve(e.OUTPUT_FOLDER),
    dicomFolder: resolve(e.DICOM_FOLDER),
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    jobConcurrency: e.JOB_CONCURRENCY,
    jobMemoryMb: e.JOB_MEMORY_MB,
    webRoot: resolve(e.WEB_ROOT),
    inferenceTimeoutMs: e.INFERENCE_TIMEOUT_MS,
    probeTimeoutMs: e.PROBE_TIMEOUT_MS,
    allowedOrigins: e.ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '').toLowerCase()),
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    jobMaxAttempts: e.JOB_MAX_ATTEMPTS,
    auth: authConfigFromEnv(env, e.OUTPUT_FOLDER),
    ...(e.DICOMWEB_URL ? { dicomwebUrl: e.DICOMWEB_URL.replace(/\/+$/, '') } : {}),
    maxVolumeBytes: e.MAX_VOLUME_BYTES,
    zipMaxEntries: e.ZIP_MAX_ENTRIES,
    zipMaxInflatedBytes: e.ZIP_MAX_INFLATED_BYTES,
    zipMaxRatio: e.ZIP_MAX_RATIO,
    maxConcurrentUploadsPerUser: e.MAX_CONCURRENT_UPLOADS_PER_USER,
    timeouts: timeoutsFromEnv(e),
  };
}

/** A full config from a partial one (tests): every missing field gets its default. */
export function makeConfig(overrides: Partial<FrontendConfig> = {}): FrontendConfig {
  const base = configFromEnv({});
  // The file store lives beside the output folder: a test's own temp folder, not the repository's .run/.
  const auth = overrides.auth ?? authConfigFromEnv({}, overrides.outputFolder ?? base.outputFolder);
  return { ...base, ...overrides, auth };
}
