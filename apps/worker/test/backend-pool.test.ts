// The worker's backend pool against real backends (apps/backend, CPU engine) and the image server:
// requests spread over backends and never past the in-flight limit; a backend whose queue is full
// answers a real 429 with Retry-After and is left alone that long; an unreachable one is skipped;
// when none can take a request within the wait limit the error says why.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, copyFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createEngine } from '@vista3d/segmentation';
import { defaultConfig as backendConfig } from '../../backend/src/config.js';
import { buildServer as buildBackend } from '../../backend/src/server.js';
import { buildServer as buildImageServer } from '../../image-server/src/server.js';
import { freePort } from '../../../tests/helpers/free-port.js';
import { BackendPool } from '../src/backend-pool.js';

process.env.LOG_LEVEL ??= 'silent';
const CT = new URL('../../../../shared/data/totalseg_example_ct_sm.nii.gz', import.meta.url).pathname;

describe('BackendPool', () => {
  let dir: string;
  const apps: FastifyInstance[] = [];
  let imageUrl = '';
  let busy = '';
  let free = '';
  const hits = new Map<string, number>();

  async function backend(limits: { inferenceConcurrency: number; inferenceQueueLimit: number }): Promise<string> {
    const app = buildBackend(backendConfig({ host: '127.0.0.1', port: 0, allowPrivateImageAddresses: true, ...limits }), { engine: createEngine({ kind: 'cpu' }) });
    let url = '';
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith('/v1/vista3d/inference')) hits.set(url, (hits.get(url) ?? 0) + 1);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    await (app as unknown as { engineReady: Promise<void> }).engineReady;
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    apps.push(app);
    return url;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vista3d-pool-'));
    await mkdir(join(dir, 'out/p/nifti'), { recursive: true });
    await copyFile(CT, join(dir, 'out/p/nifti/ct.nii.gz'));
    const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: join(dir, 'out'), dicomFolder: join(dir, 'dicom'), corsOrigins: ['*'], maxUploadBytes: 1 << 20, readOnly: true });
    await image.listen({ port: 0, host: '127.0.0.1' });
    apps.push(image);
    imageUrl = `http://127.0.0.1:${(image.server.address() as AddressInfo).port}/output/p/nifti/ct.nii.gz`;
    // One slot, no waiting line: a second request while one runs gets 429 + Retry-After.
    busy = await backend({ inferenceConcurrency: 1, inferenceQueueLimit: 0 });
    free = await backend({ inferenceConcurrency: 2, inferenceQueueLimit: 4 });
  });
  after(async () => {
    for (const a of apps) await a.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const options = { maxInFlight: 1, waitMs: 60_000, healthIntervalMs: 60_000, timeoutMs: 60_000 };

  it('spreads requests over backends, one in flight each, and every answer is a label map on the CT grid', async () => {
    hits.clear();
    const pool = new BackendPool([busy, free], options);
    const results = await Promise.all([0, 1, 2, 3].map(() => pool.inferFromUrl(imageUrl, { classes: ['bone'] })));
    for (const r of results) assert.deepEqual(r.dims, [122, 101, 30]);
    assert.ok((hits.get(busy) ?? 0) >= 1 && (hits.get(free) ?? 0) >= 1, JSON.stringify([...hits]));
    assert.equal((hits.get(busy) ?? 0) + (hits.get(free) ?? 0), 4, 'no 429: never more in flight than the limit');
    assert.deepEqual(pool.state().map((s) => s.inFlight), [0, 0]);
  });

  it('a 429 parks that backend for its Retry-After and the request goes elsewhere', async () => {
    hits.clear();
    // Four at once with a limit of 4 per backend: the pool alternates, so the busy backend (one slot,
    // no waiting line) gets a second request while its first runs and answers a real 429.
    const pool = new BackendPool([busy, free], { ...options, maxInFlight: 4 });
    const answers = await Promise.all([0, 1, 2, 3].map(() => pool.inferFromUrl(imageUrl, { classes: ['bone'] })));
    for (const r of answers) assert.deepEqual(r.dims, [122, 101, 30]);
    const parked = pool.state().find((s) => s.url === busy)!;
    assert.ok(parked.busyUntil > 0, 'the busy backend was parked after its 429');
    assert.ok((hits.get(busy) ?? 0) >= 2, JSON.stringify([...hits]));
    // Every request was answered exactly once: 4 label maps plus the 429s.
    assert.equal((hits.get(free) ?? 0) + (hits.get(busy) ?? 0) - 4 >= 1, true);
  });

  it('skips an unreachable backend and reports it when nothing can answer', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const pool = new BackendPool([dead, free], options);
    const r = await pool.inferFromUrl(imageUrl, { classes: ['bone'] });
    assert.deepEqual(r.dims, [122, 101, 30]);
    assert.equal(pool.state().find((s) => s.url === dead)!.healthy, false);
    const none = new BackendPool([dead], { ...options, waitMs: 1500 });
    await assert.rejects(none.inferFromUrl(imageUrl, {}), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BACKEND_UNAVAILABLE');
      assert.match(err.message, /unhealthy/);
      return true;
    });
  });
});
