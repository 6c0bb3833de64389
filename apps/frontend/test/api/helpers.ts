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
import { buildServer as buildImageServer } from '../../../image-server/src/server.js';
import { makeConfig } from '../../src/server/config.js';
import type { FrontendConfig } from '../../src/server/config.js';
import { buildServer } from '../../src/server/server.js';
import type { BuildOptions } from '../../src/server/server.js';

export const DATA = new URL('../../../../../shared/data/', import.meta.url).pathname;
export const CT = join(DATA, 'totalseg_example_ct_sm.nii.gz');
export const SEG = join(DATA, 'totalseg_example_ct_sm_seg_vista3d.nii.gz');

export interface BackendRequest {
  image: string;
  prompts: Record<string, unknown>;
}

/**
 * Stand-in for the VISTA3D backend (until apps/backend lands): fetches the image URL like the NIM
 * does, answers a ZIP holding a label map on the CT grid — the TotalSegmentator reference labels
 * restricted to the requested classes, or a cube around the first point for point prompts.
 */
export class FakeBackend {
  server: Server;
  url = '';
  requests: BackendRequest[] = [];
  /** Milliseconds to wait before answering an inference (cancel tests). */
  delayMs = 0;
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

export interface Env {
  dir: string;
  output: string;
  dicom: string;
  config: FrontendConfig;
  backend: FakeBackend;
  image: FastifyInstance;
  app: FastifyInstance;
  base: string;
  /** Restart the frontend on the same folders (persistence tests). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Temp OUTPUT/DICOM folders with the real CT as p1/ct, a real image server, the fake backend and the frontend. */
export async function startEnv(overrides: Partial<FrontendConfig> = {}, options: BuildOptions = {}): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'frontend-api-'));
  const output = join(dir, 'output');
  const dicom = join(dir, 'dicom');
  await mkdir(join(output, 'p1', 'nifti'), { recursive: true });
  await copyFile(CT, join(output, 'p1', 'nifti', 'ct.nii.gz'));
  await mkdir(join(dicom, 'd1'), { recursive: true });
  const backend = await new FakeBackend().start();
  const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: output, dicomFolder: dicom, corsOrigins: ['*'], maxUploadBytes: 1 << 20, readOnly: true });
  await image.listen({ port: 0, host: '127.0.0.1' });
  const imageUrl = `http://127.0.0.1:${(image.server.address() as AddressInfo).port}`;
  const config = makeConfig({
    host: '127.0.0.1',
    port: 0,
    outputFolder: output,
    dicomFolder: dicom,
    vista3dServer: backend.url,
    imageServer: imageUrl,
    webRoot: join(dir, 'web'),
    probeTimeoutMs: 1000,
    ...overrides,
  });
  const env = { dir, output, dicom, config, backend, image } as Env;
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
    await backend.stop();
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

export interface JobJson {
  id: string;
  type: string;
  status: string;
  progress: number;
  message: string;
  error?: { code: string; message: string };
  results: Array<{ patient: string; scan?: string; status: string; output?: string; error?: { code: string; message: string } }>;
  items: { total: number; done: number };
}

export async function waitJob(base: string, id: string, timeoutMs = 60_000): Promise<JobJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson<JobJson>(`${base}/api/jobs/${id}`);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
