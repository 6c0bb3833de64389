import { envBool, envList, envPort, loadConfig } from '@vista3d/service-kit';
import { z } from 'zod';

export interface BackendConfig {
  port: number;
  host: string;
  engine: 'cpu' | 'onnx';
  modelPath?: string;
  modelCardPath?: string;
  onnxProviders: Array<'cpu' | 'cuda'>;
  /** Run the engine in worker threads (default) so long jobs never block health, info and metrics. */
  engineWorker: boolean;
  /** Largest accepted volume, voxels (nx·ny·nz·frames). */
  maxVoxels: number;
  /** Largest accepted decoded volume, bytes (voxels × bytes per voxel of its data type). */
  maxVolumeBytes: number;
  /** An upload that sends nothing for this long is cut off (slow clients cannot hold the server). */
  uploadIdleTimeoutMs: number;
  /** Receiving a whole request (headers and body) may take at most this long. */
  requestTimeoutMs: number;
  /** The request line and headers must arrive within this long (a client that dribbles headers is cut off). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long between requests. */
  keepAliveTimeoutMs: number;
  /** Largest accepted image as sent (compressed) bytes, by URL or upload. */
  maxImageBytes: number;
  /** `host`, `host:port` or `host:*` the server may fetch images from, besides imageServer. */
  allowedImageHosts: string[];
  /** The platform's image server (IMAGE_SERVER): with no allow-list, the only host images come from. */
  imageServer?: string;
  /** Let allowed names resolve to loopback/private/link-local addresses (named hosts always may). */
  allowPrivateImageAddresses: boolean;
  followImageRedirects: boolean;
  imageHttpsOnly: boolean;
  imageFetchTimeoutMs: number;
  inferenceConcurrency: number;
  /** Jobs allowed to wait for a slot; one more answers 429. */
  inferenceQueueLimit: number;
  /** When set, /v1/vista3d/* require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** When set, every result is also saved here (atomically). */
  workspaceOutputsPath?: string;
}

export const DEFAULT_MAX_VOXELS = 512 * 512 * 1000;
export const DEFAULT_MAX_IMAGE_BYTES = 1024 * 1024 * 1024;
/** 512×512×1000 int16 with room for float32 of the same size. */
export const DEFAULT_MAX_VOLUME_BYTES = 1024 * 1024 * 1024;

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() ? s.trim() : undefined));

export const envSchema = z
  .object({
    PORT: z.string().optional(),
    BACKEND_PORT: z.string().optional(),
    HOST: z.string().default('0.0.0.0'),
    VISTA3D_ENGINE: z.enum(['cpu', 'onnx']).default('cpu'),
    VISTA3D_MODEL_PATH: optionalString,
    VISTA3D_MODEL_CARD: optionalString,
    VISTA3D_ONNX_PROVIDERS: envList.pipe(z.array(z.enum(['cpu', 'cuda']))),
    VISTA3D_ENGINE_WORKER: envBool(true),
    MAX_VOXELS: z.coerce.number().int().positive().default(DEFAULT_MAX_VOXELS),
    MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_IMAGE_BYTES),
    MAX_VOLUME_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_VOLUME_BYTES),
    UPLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(15 * 60_000),
    HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
    KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    ALLOWED_IMAGE_HOSTS: envList,
    IMAGE_SERVER: optionalString.pipe(z.string().url().optional()),
    ALLOW_PRIVATE_IMAGE_ADDRESSES: envBool(false),
    IMAGE_FETCH_FOLLOW_REDIRECTS: envBool(false),
    IMAGE_FETCH_HTTPS_ONLY: envBool(false),
    IMAGE_FETCH_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
    INFERENCE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    INFERENCE_QUEUE_LIMIT: z.coerce.number().int().min(0).max(10_000).default(8),
    API_KEY: optionalString,
    WORKSPACE_OUTPUTS_PATH: optionalString,
  })
  .superRefine((e, ctx) => {
    if (e.VISTA3D_ENGINE === 'onnx' && !e.VISTA3D_MODEL_PATH) {
      ctx.addIssue({ code: 'custom', path: ['VISTA3D_MODEL_PATH'], message: 'required when VISTA3D_ENGINE=onnx' });
    }
    for (const key of ['PORT', 'BACKEND_PORT'] as const) {
      const v = e[key];
      if (v !== undefined && v !== '' && !envPort(8000).safeParse(v).success) {
        ctx.addIssue({ code: 'custom', path: [key], message: `not a port number: ${v}` });
      }
    }
  })
  .transform(
    (e): BackendConfig => ({
      // BACKEND_PORT wins over PORT (PORT is often set by platforms for something else).
      port: envPort(8000).parse(e.BACKEND_PORT || e.PORT || undefined),
      host: e.HOST,
      engine: e.VISTA3D_ENGINE,
      modelPath: e.VISTA3D_MODEL_PATH,
      modelCardPath: e.VISTA3D_MODEL_CARD,
      onnxProviders: e.VISTA3D_ONNX_PROVIDERS,
      engineWorker: e.VISTA3D_ENGINE_WORKER,
      maxVoxels: e.MAX_VOXELS,
      maxImageBytes: e.MAX_IMAGE_BYTES,
      maxVolumeBytes: e.MAX_VOLUME_BYTES,
      uploadIdleTimeoutMs: e.UPLOAD_IDLE_TIMEOUT_MS,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      allowedImageHosts: e.ALLOWED_IMAGE_HOSTS.map((h) => h.toLowerCase()),
      imageServer: e.IMAGE_SERVER,
      allowPrivateImageAddresses: e.ALLOW_PRIVATE_IMAGE_ADDRESSES,
      followImageRedirects: e.IMAGE_FETCH_FOLLOW_REDIRECTS,
      imageHttpsOnly: e.IMAGE_FETCH_HTTPS_ONLY,
      imageFetchTimeoutMs: e.IMAGE_FETCH_TIMEOUT_MS,
      inferenceConcurrency: e.INFERENCE_CONCURRENCY,
      inferenceQueueLimit: e.INFERENCE_QUEUE_LIMIT,
      apiKey: e.API_KEY,
      workspaceOutputsPath: e.WORKSPACE_OUTPUTS_PATH,
    }),
  );

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  return loadConfig(envSchema, env);
}

/** A complete config with defaults, for tests and embedding. */
export function defaultConfig(overrides: Partial<BackendConfig> = {}): BackendConfig {
  return { ...configFromEnv({}), ...overrides };
}
