import { resolve } from 'node:path';
import { z } from 'zod';
import { envBool, envList, envPort, loadConfig, timeoutEnvShape, timeoutsFromEnv } from '@vista3d/service-kit';
import type { ServerTimeouts } from '@vista3d/service-kit';

/** 500 MiB: a large whole-body CT as .nii.gz plus headroom; bigger uploads are refused with 413. */
export const DEFAULT_MAX_UPLOAD_BYTES = 500 * 1024 * 1024;

/** 1 GiB of decoded voxels, the backend's and the web app's MAX_VOLUME_BYTES default. */
export const DEFAULT_MAX_VOLUME_BYTES = 1024 * 1024 * 1024;

export interface ImageServerConfig {
  port: number;
  host: string;
  /** Absolute path of the read/write output root (served under /output/). */
  outputFolder: string;
  /** Absolute path of the read-only DICOM root (served under /dicom/). */
  dicomFolder: string;
  /** Allowed CORS origins for reads; empty = same-origin only (no CORS headers); `['*']` allows any origin. */
  corsOrigins: string[];
  /**
   * Service credential for writes (PUT/POST/DELETE need `Authorization: Bearer <token>`). Unset = the
   * server is read-only: browsers never write here, and neither does anything that holds no secret.
   */
  writeToken?: string;
  maxUploadBytes: number;
  /** Decoded voxel bytes a NIfTI written here may promise (MAX_VOLUME_BYTES; default 1 GiB). */
  maxVolumeBytes?: number;
  /** When true every upload/delete answers 405. */
  readOnly: boolean;
  /** HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS (defaults when absent). */
  timeouts?: ServerTimeouts;
}

export const envSchema = z
  .object({
    IMAGE_SERVER_PORT: envPort(8888),
    IMAGE_SERVER_HOST: z.string().min(1).default('0.0.0.0'),
    OUTPUT_FOLDER: z.string().min(1).default('./output'),
    DICOM_FOLDER: z.string().min(1).default('./dicom'),
    CORS_ORIGINS: envList,
    MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_UPLOAD_BYTES),
    MAX_VOLUME_BYTES: z.coerce.number().int().positive().default(DEFAULT_MAX_VOLUME_BYTES),
    READ_ONLY: envBool(false),
    IMAGE_SERVER_WRITE_TOKEN: z.string().optional().transform((s) => (s && s.trim() ? s.trim() : undefined)),
    ...timeoutEnvShape,
  })
  .transform(
    (e): ImageServerConfig => ({
      port: e.IMAGE_SERVER_PORT,
      host: e.IMAGE_SERVER_HOST,
      // Resolved once so that containment checks compare absolute paths.
      outputFolder: resolve(e.OUTPUT_FOLDER),
      dicomFolder: resolve(e.DICOM_FOLDER),
      corsOrigins: e.CORS_ORIGINS,
      writeToken: e.IMAGE_SERVER_WRITE_TOKEN,
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
      maxVolumeBytes: e.MAX_VOLUME_BYTES,
      readOnly: e.READ_ONLY,
      timeouts: timeoutsFromEnv(e),
    }),
  );

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ImageServerConfig {
  return loadConfig(envSchema, env);
}
