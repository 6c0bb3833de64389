import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createVolumeLike, encodeNifti, identity, readNifti } from '@vista3d/volume';
import { configFromEnv } from '../src/config.js';
import { CT, CT_SM, postJson, startHarness, type Harness } from './helpers.js';

/** A raw upload we control byte by byte: `send` more, `ended` resolves when the server drops or answers. */
function openUpload(base: string, declaredLength: number): { send: (b: Buffer) => void; ended: Promise<{ at: number; status?: number }> } {
  const url = new URL(base);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    method: 'POST',
    path: '/v1/vista3d/inference?classes=bone',
    headers: { 'content-type': 'application/gzip', 'content-length': String(declaredLength) },
    agent: false,
  });
  const ended = new Promise<{ at: number; status?: number }>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ at: performance.now(), status: res.statusCode }));
    });
    req.on('error', () => resolve({ at: performance.now() }));
    req.on('close', () => resolve({ at: performance.now() }));
  });
  return { send: (b) => void req.write(b), ended };
}

describe('slow clients cannot hold the backend', () => {
  let h: Harness;
  let ct: Buffer;
  before(async () => {
    ct = await readFile(CT);
    h = await startHarness({ inferenceConcurrency: 1, inferenceQueueLimit: 2, uploadIdleTimeoutMs: 1500 });
  });
  after(() => h.close());

  test('while one client trickles its upload, other requests are served; when it goes quiet it is cut off', async () => {
    const slow = openUpload(h.base, ct.length);
    slow.send(ct.subarray(0, 20_000));
    let sent = 20_000;
    const trickle = setInterval(() => {
      if (sent < ct.length - 10) slow.send(ct.subarray(sent, ++sent));
    }, 300);
    try {
      // Two ready requests in a row, each served while the slow upload is still arriving.
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const res = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        assert.ok(performance.now() - t0 < 30_000);
      }
      const depth = /vista3d_backend_queue_depth\{state="loading"\} (\d+)/.exec(await (await fetch(`${h.base}/metrics`)).text());
      assert.equal(depth?.[1], '1', 'the slow upload holds a place in the line, not a slot');
    } finally {
      clearInterval(trickle);
    }
    const quietSince = performance.now();
    const end = await slow.ended;
    const waited = end.at - quietSince;
    assert.ok(waited < 6000, `cut off ${waited.toFixed(0)} ms after going quiet`);
    // Its place is freed.
    await new Promise((r) => setTimeout(r, 100));
    const depth = /vista3d_backend_queue_depth\{state="loading"\} (\d+)/.exec(await (await fetch(`${h.base}/metrics`)).text());
    assert.equal(depth?.[1], '0');
  });

  test('uploads that stall never take the inference slot: three stalled clients, ready work still runs', async () => {
    const stalled = [0, 1, 2].map(() => {
      const u = openUpload(h.base, ct.length);
      u.send(ct.subarray(0, 10_000));
      return u;
    });
    await new Promise((r) => setTimeout(r, 200));
    // concurrency 1 + limit 2 = 3 places, all held by stalled uploads: a new one is 429, not a hang.
    const full = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } });
    assert.equal(full.status, 429);
    await full.arrayBuffer();
    await Promise.all(stalled.map((s) => s.ended));
    const ok = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
  });
});

describe('a client that dribbles its headers is cut off at the header deadline', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ headersTimeoutMs: 1500 });
  });
  after(() => h.close());

  test('one header byte every 200 ms (never idle) is answered 408 or dropped within the deadline, others served meanwhile', async () => {
    const url = new URL(h.base);
    const socket = connect(Number(url.port), url.hostname);
    const head = Buffer.from(`GET /v1/health/ready HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: ${'a'.repeat(200)}`);
    let sent = 0;
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const t0 = performance.now();
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - t0)));
    socket.once('connect', () => socket.write(head.subarray(0, ++sent)));
    const dribble = setInterval(() => sent < head.length && socket.write(head.subarray(sent, ++sent)), 200);
    try {
      const ok = await fetch(`${h.base}/v1/health/ready`);
      assert.equal(ok.status, 200, 'another client is served while one dribbles');
      const after = await closed;
      assert.ok(after < 1500 + 1500, `cut off after ${after.toFixed(0)} ms`);
      assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer.slice(0, 80));
    } finally {
      clearInterval(dribble);
      socket.destroy();
    }
  });

  test('HEADERS_TIMEOUT_MS and KEEP_ALIVE_TIMEOUT_MS come from the environment', () => {
    const c = configFromEnv({ HEADERS_TIMEOUT_MS: '12000', KEEP_ALIVE_TIMEOUT_MS: '3000' });
    assert.equal(c.headersTimeoutMs, 12_000);
    assert.equal(c.keepAliveTimeoutMs, 3_000);
  });
});

describe('volume limits count bytes, not only voxels', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  /** A NIfTI header claiming 512×512×1000 of `datatype` over a few bytes of data, gzipped (a bomb's header). */
  async function claimed(datatype: 'float64' | 'int16'): Promise<Buffer> {
    const like = await readNifti(CT_SM);
    const small = createVolumeLike({ ...like, dims: [2, 2, 2], affine: identity() }, datatype);
    const bytes = Buffer.from(await encodeNifti(small, { gzip: false }));
    bytes.writeInt16LE(512, 42);
    bytes.writeInt16LE(512, 44);
    bytes.writeInt16LE(1000, 46);
    return gzipSync(bytes);
  }

  test('a float64 volume at the voxel limit is refused by its decoded size before anything is allocated', async () => {
    const res = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await claimed('float64') });
    assert.equal(res.status, 413);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'VOLUME_TOO_LARGE');
    assert.match(body.message, /2097152000 bytes .*float64/);
    // The same grid as int16 fits the default limits; it fails only because its data is missing.
    const int16 = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await claimed('int16') });
    assert.notEqual(int16.status, 413);
    assert.ok(int16.status >= 400 && int16.status < 500);
    await int16.arrayBuffer();
  });
});
