import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer as buildImageServer } from '@vista3d/image-server';
import type { EngineInfo, SegmentationEngine, SegmentationRequest } from '@vista3d/segmentation';
import { SegmentationInputError } from '@vista3d/segmentation';
import { createVolumeLike, type Volume } from '@vista3d/volume';
import type { FastifyInstance } from 'fastify';
import { defaultConfig, type BackendConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';

process.env.LOG_LEVEL ??= 'silent';

export const DATA = join(import.meta.dirname, '../../../../shared/data');
export const CT = join(DATA, 'totalseg_example_ct.nii.gz');
export const CT_SM = join(DATA, 'totalseg_example_ct_sm.nii.gz');

/**
 * A small real engine for tests: HU > 200 → bone (21); point prompts grow a 3×3×3 cube of the
 * class around each positive point. `delayMs` makes a job slow without blocking the event loop.
 */
export class ThresholdEngine implements SegmentationEngine {
  readonly info: EngineInfo = {
    name: 'test-threshold',
    version: '0.0.1',
    automaticClasses: [21],
    supportsPoints: true,
    pointClasses: 'any',
    description: 'HU > 200 → bone (21); points → 3×3×3 cubes',
  };
  calls: SegmentationRequest[] = [];
  constructor(
    private readonly delayMs = 0,
    private readonly fail?: Error,
  ) {}
  async ready(): Promise<void> {}
  async dispose(): Promise<void> {}
  async segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>> {
    this.calls.push({ classes: request.classes, points: request.points });
    if (this.fail) throw this.fail;
    const [nx, ny, nz] = ct.dims;
    const out = createVolumeLike<Uint8Array>(ct, 'uint8');
    const { slope, inter } = ct.scl;
    const wantBone = request.classes === undefined || request.classes.includes(21);
    const perSlice = this.delayMs / nz;
    for (let z = 0; z < nz; z++) {
      request.signal?.throwIfAborted();
      if (wantBone) {
        for (let i = z * nx * ny; i < (z + 1) * nx * ny; i++) if (ct.data[i] * slope + inter > 200) out.data[i] = 21;
      }
      // Await between slices, as the real engines do between stages.
      await new Promise((r) => (perSlice > 0 ? setTimeout(r, perSlice) : setImmediate(r)));
    }
    for (const p of request.points ?? []) {
      p.points.forEach(([x, y, z], k) => {
        if (p.pointLabels[k] !== 1) return;
        for (let dz = -1; dz <= 1; dz++)
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const X = x + dx, Y = y + dy, Z = z + dz;
              if (X >= 0 && Y >= 0 && Z >= 0 && X < nx && Y < ny && Z < nz) out.data[X + nx * (Y + ny * Z)] = p.classId;
            }
      });
    }
    return out;
  }
}

export class RejectingEngine extends ThresholdEngine {
  override async segment(): Promise<Volume<Uint8Array>> {
    throw new SegmentationInputError('UNSUPPORTED_CLASS', 'test engine refuses');
  }
}

export interface Harness {
  base: string;
  app: FastifyInstance;
  images: string;
  imageBase: string;
  outputDir: string;
  tmp: string;
  /** The injected engine; undefined when the server built its own from the config. */
  engine?: SegmentationEngine;
  close: () => Promise<void>;
}

/**
 * A temp folder of fixture images served by the real image server, and a backend on port 0. With
 * `engine: null` the backend builds its own engine from the config (as in production).
 */
export async function startHarness(overrides: Partial<BackendConfig> = {}, engine: SegmentationEngine | null = new ThresholdEngine()): Promise<Harness> {
  const tmp = await mkdtemp(join(tmpdir(), 'backend-test-'));
  const outputDir = join(tmp, 'output');
  await mkdir(join(outputDir, 'p1/nifti'), { recursive: true });
  await mkdir(join(tmp, 'dicom'), { recursive: true });
  await copyFile(CT, join(outputDir, 'p1/nifti/ct.nii.gz'));
  const imageServer = buildImageServer({
    port: 0,
    host: '127.0.0.1',
    outputFolder: outputDir,
    dicomFolder: join(tmp, 'dicom'),
    corsOrigins: ['*'],
    maxUploadBytes: 1 << 20,
    readOnly: true,
  });
  imageServer.log.level = 'silent';
  await imageServer.listen({ port: 0, host: '127.0.0.1' });
  const imageBase = `http://127.0.0.1:${(imageServer.server.address() as AddressInfo).port}`;
  // Everything here lives on loopback: the harness allows private addresses unless a test says otherwise.
  const app = buildServer(defaultConfig({ host: '127.0.0.1', port: 0, allowPrivateImageAddresses: true, followImageRedirects: true, ...overrides }), engine ? { engine } : {});
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.engineReady;
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    app,
    images: `${imageBase}/output/p1/nifti`,
    imageBase,
    outputDir,
    tmp,
    engine: engine ?? undefined,
    close: async () => {
      await app.close();
      await imageServer.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Puts a fixture file into the served folder; returns its URL. */
export async function serveFile(h: Harness, name: string, bytes: Uint8Array | string): Promise<string> {
  await writeFile(join(h.outputDir, 'p1/nifti', name), bytes);
  return `${h.images}/${name}`;
}

/** A bare node:http server answering every request with `handler`, on 127.0.0.1:0. */
export async function startRawServer(handler: Parameters<typeof createServer>[1]): Promise<{ base: string; server: Server; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function postJson(base: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/v1/vista3d/inference`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The endpoints that must keep answering while an inference runs. */
export const SERVICE_PATHS = ['/v1/health/live', '/v1/health/ready', '/v1/vista3d/info', '/metrics'];

/** One request to each service endpoint, each expected to answer 200; returns the slowest in ms. */
export async function probeServiceEndpoints(base: string): Promise<number> {
  let slowest = 0;
  for (const path of SERVICE_PATHS) {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    assert.equal(res.status, 200, path);
    slowest = Math.max(slowest, performance.now() - t0);
  }
  return slowest;
}
