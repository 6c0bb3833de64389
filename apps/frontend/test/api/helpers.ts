import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { FastifyInstance } from 'fastify';
import { createVolumeLike, encodeNifti, parseNifti, readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import type { JobQueueFields, JobView } from '@vista3d/api-types';
import { createEngine } from '@vista3d/segmentation';
import { defaultConfig as backendConfig } from '../../../backend/src/config.js';
import { buildServer as buildBackend } from '../../../backend/src/server.js';
import { buildServer as buildImageServer } from '../../../image-server/src/server.js';
import { makeConfig } from '../../src/server/config.js';
import { authConfigFromEnv } from '../../src/server/auth/config.js';
import type { FrontendConfig } from '../../src/server/config.js';
import { buildServer } from '../../src/server/server.js';
import { freePort } from '../../../../tests/helpers/free-port.js';
import type { BuildOptions } from '../../src/server/server.js';

process.env.LOG_LEVEL ??= 'silent';

export const DATA = new URL('../../../../../shared/data/', import.meta.url).pathname;
/** 122×101×30 (top slices of the full CT) with its TotalSegmentator reference in VISTA3D ids. */
export const CT_SM = join(DATA, 'totalseg_example_ct_sm.nii.gz');
export const SEG_SM = join(DATA, 'totalseg_example_ct_sm_seg_vista3d.nii.gz');
/** The full sample CT, 122×101×112, 3 mm (lung bases to hips) and its reference. */
export const CT_FULL = join(DATA, 'totalseg_example_ct.nii.gz');
export const SEG_FULL = join(DATA, 'totalseg_example_ct_seg_fast_vista3d.nii.gz');
/** Back-compat names: the small CT is the default of startEnv. */
export const CT = CT_SM;
export const SEG = SEG_SM;

export interface BackendRequest {
  image: string;
  prompts: Record<string, unknown>;
}

/**
 * Stand-in for the VISTA3D backend, kept ONLY for what the real backend (apps/backend + CPU engine)
 * cannot do deterministically: a backend that is slow on purpose (`delayMs`: cancel and restart
 * tests need a job that is surely still running) and one that answers garbage (`garbage`: a label
 * map on the wrong grid). It fetches the image URL like the NIM does and answers a ZIP holding a
 * label map on the CT grid — the TotalSegmentator reference labels restricted to the requested
 * classes, or a cube around the first point for point prompts.
 */
export class FakeBackend {
  server: Server;
  url = '';
  requests: BackendRequest[] = [];
  /** Milliseconds to wait before answering an inference (cancel tests). */
  delayMs = 0;
  /** Answer a label map on a grid that does not match the CT. */
  garbage = false;
  aborted = 0;
  private seg: Volume | null = null;

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    this.seg = await readNifti(SEG);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.url === '/v1/health/live' || req.url === '/v1/health/ready') return json(200, { status: 'ok' });
    if (req.url === '/v1/vista3d/info') return json(200, { name: 'fake-vista3d', version: '0.0-test' });
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/vista3d/inference')) return json(404, { message: 'not found' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackendRequest;
    this.requests.push(body);
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        this.aborted++;
      }
    });
    const image = await fetch(body.image);
    if (!image.ok) return json(422, { message: `cannot fetch image ${body.image}: HTTP ${image.status}` });
    const ct = parseNifti(new Uint8Array(await image.arrayBuffer()));
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (closed) return;
    if (this.garbage) {
      const wrong = createVolumeLike({ ...ct, dims: [ct.dims[0], ct.dims[1], ct.dims[2] + 1] }, 'uint8');
      const zip = zipSync({ 'labels.nii.gz': new Uint8Array(await encodeNifti(wrong, { gzip: true })) });
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.byteLength }).end(zip);
      return;
    }
    const labels = createVolumeLike(ct, 'uint8');
    const classes = (body.prompts.classes as Array<string | number> | undefined) ?? [];
    const points = body.prompts.points as Array<[number, number, number]> | undefined;
    if (Array.isArray(points) && points.length) {
      const { resolveLabel } = await import('@vista3d/labels');
      const id = resolveLabel(classes[0] ?? 1)?.id ?? 1;
      const [px, py, pz] = points[0];
      const [nx, ny] = ct.dims;
      for (let z = Math.max(0, pz - 2); z <= Math.min(ct.dims[2] - 1, pz + 2); z++)
        for (let y = Math.max(0, py - 2); y <= Math.min(ny - 1, py + 2); y++)
          for (let x = Math.max(0, px - 2); x <= Math.min(nx - 1, px + 2); x++) labels.data[x + nx * (y + ny * z)] = id;
    } else {
      const { resolveLabel } = await import('@vista3d/labels');
      const wanted = new Set(classes.map((c) => resolveLabel(c)?.id));
      const seg = this.seg!;
      const same = seg.dims.every((v, i) => v === ct.dims[i]);
      if (same) for (let i = 0; i < labels.data.length; i++) if (wanted.size === 0 || wanted.has(seg.data[i])) labels.data[i] = seg.data[i];
    }
    const zip = zipSync({ 'labels.nii.gz': new Uint8Array(await encodeNifti(labels, { gzip: true })) });
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.byteLength }).end(zip);
  }
}

/** The real backend (apps/backend buildServer) with the CPU engine, on loopback port 0. */
export interface RealBackend {
  url: string;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export async function startRealBackend(): Promise<RealBackend> {
  const app = buildBackend(backendConfig({ host: '127.0.0.1', port: 0, allowPrivateImageAddresses: true }), { engine: createEngine({ kind: 'cpu' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.engineReady;
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app, stop: () => app.close() };
}

export interface Env {
  dir: string;
  output: string;
  dicom: string;
  config: FrontendConfig;
  /** Set when the env runs the fake backend (`backend: 'fake'`). */
  fake?: FakeBackend;
  /** Set when the env runs the real backend (`backend: 'real'`, the default). */
  real?: RealBackend;
  image: FastifyInstance;
  app: FastifyInstance;
  base: string;
  /** Restart the frontend on the same folders (persistence tests). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface EnvOptions {
  /** 'real' (default): apps/backend with the CPU engine; 'fake': FakeBackend; 'none': nothing (set vista3dServer). */
  backend?: 'real' | 'fake' | 'none';
  /** CT copied to p1/nifti/ct.nii.gz (default the 122×101×30 CT_SM). */
  ct?: string;
}

/** Temp OUTPUT/DICOM folders with a real CT as p1/ct, a real image server, a backend and the frontend. */
export async function startEnv(overrides: Partial<FrontendConfig> = {}, options: BuildOptions = {}, envOptions: EnvOptions = {}): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'frontend-api-'));
  const output = join(dir, 'output');
  const dicom = join(dir, 'dicom');
  await mkdir(join(output, 'p1', 'nifti'), { recursive: true });
  await copyFile(envOptions.ct ?? CT_SM, join(output, 'p1', 'nifti', 'ct.nii.gz'));
  await mkdir(join(dicom, 'd1'), { recursive: true });
  const kind = envOptions.backend ?? 'real';
  const fake = kind === 'fake' ? await new FakeBackend().start() : undefined;
  const real = kind === 'real' ? await startRealBackend() : undefined;
  const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: output, dicomFolder: dicom, corsOrigins: ['*'], maxUploadBytes: 1 << 20, readOnly: true });
  await image.listen({ port: 0, host: '127.0.0.1' });
  const imageUrl = `http://127.0.0.1:${(image.server.address() as AddressInfo).port}`;
  const config = makeConfig({
    host: '127.0.0.1',
    port: 0,
    outputFolder: output,
    dicomFolder: dicom,
    vista3dServer: fake?.url ?? real?.url ?? `http://127.0.0.1:${await freePort()}`,
    imageServer: imageUrl,
    webRoot: join(dir, 'web'),
    probeTimeoutMs: 1000,
    // Loopback-only tests of the data API; auth has its own tests (test/auth).
    auth: authConfigFromEnv({ AUTH_MODE: 'off' }, output),
    ...overrides,
  });
  const env = { dir, output, dicom, config, fake, real, image } as Env;
  const start = async (): Promise<void> => {
    env.app = await buildServer(config, options);
    await env.app.listen({ port: 0, host: '127.0.0.1' });
    env.base = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
  };
  await start();
  env.restart = async () => {
    await env.app.close();
    await start();
  };
  env.close = async () => {
    await env.app.close();
    await image.close();
    await fake?.stop();
    await real?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return env;
}

export async function getJson<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export const postJson = <T = unknown>(url: string, body: unknown, method = 'POST'): Promise<{ status: number; body: T }> =>
  getJson<T>(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A job as GET /api/jobs/:id answers it (queue fields with a PostgreSQL queue only). */
export type JobJson = JobView & Partial<JobQueueFields>;

export async function waitJob(base: string, id: string, timeoutMs = 60_000): Promise<JobJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson<JobJson>(`${base}/api/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
