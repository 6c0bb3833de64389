// The real platform on port 0: image server, backend with the CPU engine, and the frontend server
// (serving the freshly built web app), over a temp OUTPUT_FOLDER holding the real CT.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { defaultConfig as backendConfig } from '../../../../backend/src/config.js';
import { buildServer as buildBackend } from '../../../../backend/src/server.js';
import { buildServer as buildImageServer } from '../../../../image-server/src/server.js';
import { makeConfig } from '../../../src/server/config.js';
import { authConfigFromEnv } from '../../../src/server/auth/config.js';
import { buildServer as buildFrontend } from '../../../src/server/server.js';
import { buildWeb } from '../../../scripts/build-web.mjs';
import { waitJob } from '../../api/helpers.js';

process.env.LOG_LEVEL ??= 'silent';

export const DATA = new URL('../../../../../../shared/data/', import.meta.url).pathname;
export const PATIENT = 'sample_patient';
export const SCAN = 'totalseg_example_ct';

export interface Platform {
  base: string;
  output: string;
  /** The built web app served at `/` (a test may add pages beside it). */
  web: string;
  buildMs: number;
  close: () => Promise<void>;
}

const addr = (app: FastifyInstance): string => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

/** `prepare` adds files to OUTPUT_FOLDER (more patients and scans) before the servers start. */
export async function startPlatform(prepare?: (output: string) => Promise<void>): Promise<Platform> {
  const dir = await mkdtemp(join(tmpdir(), 'v3d-browser-'));
  const output = join(dir, 'output');
  const dicom = join(dir, 'dicom');
  const web = join(dir, 'web');
  await mkdir(join(output, PATIENT, 'nifti'), { recursive: true });
  await mkdir(dicom, { recursive: true });
  await copyFile(join(DATA, 'totalseg_example_ct.nii.gz'), join(output, PATIENT, 'nifti', `${SCAN}.nii.gz`));
  await prepare?.(output);
  const built = await buildWeb({ outdir: web });

  const started: FastifyInstance[] = [];
  try {
    const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: output, dicomFolder: dicom, corsOrigins: ['*'], maxUploadBytes: 1 << 30, readOnly: false });
    image.log.level = 'silent';
    await image.listen({ port: 0, host: '127.0.0.1' });
    started.push(image);

    const backend = buildBackend(backendConfig({ host: '127.0.0.1', port: 0, engine: 'cpu', allowPrivateImageAddresses: true }));
    await backend.listen({ port: 0, host: '127.0.0.1' });
    started.push(backend);
    await (backend as FastifyInstance & { engineReady?: Promise<unknown> }).engineReady;

    const app = await buildFrontend(makeConfig({
      host: '127.0.0.1', port: 0, outputFolder: output, dicomFolder: dicom,
      vista3dServer: addr(backend), imageServer: addr(image), webRoot: web, probeTimeoutMs: 2000,
      auth: authConfigFromEnv({ AUTH_MODE: 'off' }, output),
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    started.push(app);
    return {
      base: addr(app),
      output,
      web,
      buildMs: built.ms,
      close: async () => {
        for (const s of started.reverse()) await s.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Starts a job through the job API (`POST /api/jobs`) and waits for it to succeed (polling
 * `GET /api/jobs/:id`); throws with the job's error if it fails or is cancelled.
 */
export async function runJob(base: string, body: Record<string, unknown>, timeoutMs = 120_000): Promise<void> {
  const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`POST /api/jobs ${JSON.stringify(body)} → ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const job = await waitJob(base, id, timeoutMs);
  if (job.status !== 'succeeded') throw new Error(`${String(body.type)} job ${job.status}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}`);
}
