import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JobQueue, QueueFullError } from '../src/queue.js';
import { configFromEnv } from '../src/config.js';
import { postJson, probeServiceEndpoints, startHarness, ThresholdEngine } from './helpers.js';

describe('JobQueue', () => {
  test('runs at most `concurrency`, queues `limit`, refuses the rest, FIFO', async () => {
    const depths: string[] = [];
    const q = new JobQueue(1, 2, (r, w) => depths.push(`${r}/${w}`));
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = q.run(async () => {
      await gate;
      order.push(1);
    });
    const second = q.run(async () => order.push(2));
    const third = q.run(async () => order.push(3));
    await assert.rejects(q.run(async () => order.push(4)), (e: unknown) => e instanceof QueueFullError && e.statusCode === 429);
    assert.deepEqual(q.depth, { running: 1, waiting: 2, loading: 0 });
    release();
    await Promise.all([first, second, third]);
    assert.deepEqual(order, [1, 2, 3]);
    assert.deepEqual(q.depth, { running: 0, waiting: 0, loading: 0 });
    assert.equal(depths.at(-1), '0/0');
  });

  test('admissions hold places in the line, not slots; an admitted job is never refused when it runs', async () => {
    const q = new JobQueue(1, 1);
    const a = q.admit();
    const b = q.admit();
    assert.throws(() => q.admit(), (e: unknown) => e instanceof QueueFullError);
    assert.deepEqual(q.depth, { running: 0, waiting: 0, loading: 2 });
    // A ready job that was not admitted finds the line full.
    await assert.rejects(q.run(async () => 0), (e: unknown) => e instanceof QueueFullError);
    a.release();
    a.release(); // idempotent
    const ran: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const first = q.run(async () => {
      await gate;
      ran.push(1);
    }, undefined, { admitted: true });
    b.release();
    const second = q.run(async () => ran.push(2), undefined, { admitted: true });
    assert.deepEqual(q.depth, { running: 1, waiting: 1, loading: 0 });
    open();
    await Promise.all([first, second]);
    assert.deepEqual(ran, [1, 2]);
  });

  test('an aborted waiter leaves the line; a failing job frees its slot', async () => {
    const q = new JobQueue(1, 5);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = q.run(() => gate);
    const ac = new AbortController();
    const waiting = q.run(async () => 'never', ac.signal);
    ac.abort();
    await assert.rejects(waiting, /went away/);
    assert.equal(q.depth.waiting, 0);
    release();
    await first;
    await assert.rejects(q.run(async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await q.run(async () => 'ok'), 'ok');
  });
});

describe('config', () => {
  test('env defaults and parsing', () => {
    const c = configFromEnv({});
    assert.equal(c.port, 8000);
    assert.equal(c.engine, 'cpu');
    assert.equal(c.maxVoxels, 512 * 512 * 1000);
    assert.equal(c.maxImageBytes, 1024 ** 3);
    assert.equal(c.inferenceConcurrency, 1);
    assert.equal(c.inferenceQueueLimit, 8);
    assert.deepEqual(c.allowedImageHosts, []);
    assert.equal(c.engineWorker, true);
    assert.equal(configFromEnv({ VISTA3D_ENGINE_WORKER: 'false' }).engineWorker, false);
    const d = configFromEnv({ PORT: '9000', BACKEND_PORT: '8100', ALLOWED_IMAGE_HOSTS: 'Image-Server, 10.0.0.5', API_KEY: 'k', VISTA3D_ONNX_PROVIDERS: 'cuda,cpu' });
    assert.equal(d.port, 8100);
    assert.deepEqual(d.allowedImageHosts, ['image-server', '10.0.0.5']);
    assert.deepEqual(d.onnxProviders, ['cuda', 'cpu']);
    assert.equal(configFromEnv({ PORT: '9000' }).port, 9000);
    assert.throws(() => configFromEnv({ VISTA3D_ENGINE: 'onnx' }), /VISTA3D_MODEL_PATH/);
    assert.throws(() => configFromEnv({ INFERENCE_CONCURRENCY: '0' }), /INFERENCE_CONCURRENCY/);
    assert.throws(() => configFromEnv({ PORT: 'abc' }), /PORT/);
    assert.throws(() => configFromEnv({ VISTA3D_ONNX_PROVIDERS: 'tpu' }), /VISTA3D_ONNX_PROVIDERS/);
  });
});

describe('queue over HTTP', () => {
  test('queue full → 429 QUEUE_FULL with Retry-After; health, info and metrics answer during a long job', async () => {
    const engine = new ThresholdEngine(1000);
    const h = await startHarness({ inferenceConcurrency: 1, inferenceQueueLimit: 1 }, engine);
    try {
      const body = { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } };
      const running = postJson(h.base, body);
      // wait until the first job runs
      while (engine.calls.length === 0) await new Promise((r) => setTimeout(r, 10));
      const queued = postJson(h.base, body);
      // The queued request fetches and decodes its CT first (state "loading"), then waits for the slot.
      const waitingNow = async (): Promise<boolean> => /vista3d_backend_queue_depth\{state="waiting"\} 1/.test(await (await fetch(`${h.base}/metrics`)).text());
      for (let i = 0; i < 200 && !(await waitingNow()); i++) await new Promise((r) => setTimeout(r, 25));
      const refused = await postJson(h.base, body);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(((await refused.json()) as { code: string }).code, 'QUEUE_FULL');
      // health while the job runs: each answers quickly
      let slowest = 0;
      for (let i = 0; i < 10; i++) slowest = Math.max(slowest, await probeServiceEndpoints(h.base));
      const metricsText = await (await fetch(`${h.base}/metrics`)).text();
      assert.match(metricsText, /vista3d_backend_queue_depth\{state="running"\} 1/);
      assert.match(metricsText, /vista3d_backend_queue_depth\{state="waiting"\} 1/);
      assert.ok(slowest < 250, `health took ${slowest.toFixed(0)} ms during inference`);
      for (const p of [running, queued]) {
        const res = await p;
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      const after = await (await fetch(`${h.base}/metrics`)).text();
      assert.match(after, /vista3d_backend_inference_requests_total\{outcome="ok"\} 2/);
      assert.match(after, /vista3d_backend_inference_requests_total\{outcome="queue_full"\} 1/);
      assert.match(after, /vista3d_backend_inference_duration_seconds_count\{outcome="ok"\} 2/);
      assert.match(after, /vista3d_backend_voxels_processed_total 2760128/);
      assert.match(after, /vista3d_backend_engine_errors_total 0/);
      assert.match(after, /vista3d_backend_queue_depth\{state="waiting"\} 0/);
      assert.match(after, /vista3d_backend_http_requests_total/);
    } finally {
      await h.close();
    }
  });

  test('a client that goes away aborts its job and frees the slot', async () => {
    const engine = new ThresholdEngine(1200);
    const h = await startHarness({}, engine);
    try {
      const ac = new AbortController();
      const p = postJson(h.base, { image: `${h.images}/ct.nii.gz` }, {}).catch(() => undefined);
      void p;
      // Inputs load before a slot is taken, so the second request is sent once the first runs.
      while (engine.calls.length < 1) await new Promise((r) => setTimeout(r, 10));
      const gone = fetch(`${h.base}/v1/vista3d/inference`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: `${h.images}/ct.nii.gz` }),
        signal: ac.signal,
      }).catch(() => 'aborted');
      const waiting = async (): Promise<boolean> => /vista3d_backend_queue_depth\{state="waiting"\} 1/.test(await (await fetch(`${h.base}/metrics`)).text());
      for (let i = 0; i < 200 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 10));
      ac.abort();
      assert.equal(await gone, 'aborted');
      const first = (await p) as Response;
      assert.equal(first.status, 200);
      await first.arrayBuffer();
      // the aborted (queued) job never reached the engine
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(engine.calls.length, 1);
      const m = await (await fetch(`${h.base}/metrics`)).text();
      assert.match(m, /vista3d_backend_queue_depth\{state="waiting"\} 0/);
    } finally {
      await h.close();
    }
  });
});
