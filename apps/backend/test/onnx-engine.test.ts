// VISTA3D_ENGINE=onnx end to end over HTTP: the backend builds its own engine from config (no engine
// injected) with an ONNX model file and model card written to a temp folder, and segments the real CT.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import type { FastifyInstance } from 'fastify';
import { buildThresholdConvModel } from '@vista3d/segmentation';
import { affinesEqual, parseNifti, readNifti, type Volume } from '@vista3d/volume';
import { defaultConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import { CT, CT_SM } from './helpers.js';

// minmax over [-1000, 1000]: channel 1 (bone, 21) ⇔ HU > 200; channel 2 (left lung, 135) ⇔ HU < −400.
const CARD = {
  name: 'threshold-onnx', version: '1', inputSpacing: [2, 2, 2],
  intensity: { window: [-1000, 1000], normalise: 'minmax' }, patchSize: [48, 48, 48], overlap: 0.25, blend: 'gaussian',
  channels: [{ channel: 1, classId: 21 }, { channel: 2, classId: 135 }],
};

async function start(config: Parameters<typeof defaultConfig>[0]): Promise<{ app: FastifyInstance; base: string }> {
  const app = buildServer(defaultConfig({ host: '127.0.0.1', port: 0, ...config }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  await (app as FastifyInstance & { engineReady: Promise<void> }).engineReady;
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe('VISTA3D_ENGINE=onnx over HTTP', () => {
  let dir: string;
  let modelPath: string;
  let ct: Volume;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backend-onnx-'));
    modelPath = join(dir, 'threshold.onnx');
    await writeFile(modelPath, buildThresholdConvModel([0, 100, -100], [0, -60, 30]));
    await writeFile(join(dir, 'threshold.json'), JSON.stringify(CARD));
    ct = await readNifti(CT);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test('info reports the model card classes and no point prompts; inference segments the real CT', async () => {
    const { app, base } = await start({ engine: 'onnx', modelPath, modelCardPath: join(dir, 'threshold.json') });
    try {
      assert.equal((await fetch(`${base}/v1/health/ready`)).status, 200);
      const info = await (await fetch(`${base}/v1/vista3d/info`)).json() as { engine: { name: string }; automaticClasses: Array<{ id: number }>; pointPrompts: { supported: boolean }; modelCard: { name: string } };
      assert.equal(info.engine.name, 'threshold-onnx');
      assert.match((info.engine as { description?: string }).description ?? '', /execution provider cpu/);
      assert.deepEqual(info.automaticClasses.map((c) => c.id), [21, 135]);
      assert.equal(info.pointPrompts.supported, false);
      assert.equal(info.modelCard.name, 'threshold-onnx');

      const res = await fetch(`${base}/v1/vista3d/inference?classes=bone`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await readFile(CT) });
      assert.equal(res.status, 200, await res.clone().text());
      const seg = parseNifti(Object.values(unzipSync(new Uint8Array(await res.arrayBuffer())))[0]);
      assert.deepEqual(seg.dims, ct.dims);
      assert.ok(affinesEqual(seg.affine, ct.affine));
      // agreement with a direct HU threshold (resampled to 2 mm and back: edges differ a little)
      let both = 0, a = 0, b = 0;
      for (let i = 0; i < ct.data.length; i++) {
        const bone = ct.data[i] * ct.scl.slope + ct.scl.inter > 200;
        const got = seg.data[i] === 21;
        if (bone) a++;
        if (got) b++;
        if (bone && got) both++;
        assert.ok(seg.data[i] === 0 || seg.data[i] === 21, 'only the requested class');
      }
      const dice = (2 * both) / (a + b);
      assert.ok(dice > 0.85, `bone Dice vs threshold ${dice.toFixed(3)}`);

      const points = await fetch(`${base}/v1/vista3d/inference?prompts=${encodeURIComponent(JSON.stringify({ points: { liver: [[60, 50, 50]] } }))}`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await readFile(CT) });
      assert.equal(points.status, 400);
      assert.equal(((await points.json()) as { code: string }).code, 'POINTS_NOT_SUPPORTED');
    } finally {
      await app.close();
    }
  });

  test('a missing model file or card is a clear error at start: buildServer throws, main.ts exits 2 naming the variable', async () => {
    assert.throws(
      () => buildServer(defaultConfig({ engine: 'onnx', modelPath: join(dir, 'nope.onnx'), modelCardPath: join(dir, 'threshold.json') })),
      /VISTA3D_MODEL_PATH: .*nope\.onnx does not exist/,
    );
    assert.throws(() => buildServer(defaultConfig({ engine: 'onnx', modelPath: dir })), /VISTA3D_MODEL_PATH: .* is not a file/);
    assert.throws(
      () => buildServer(defaultConfig({ engine: 'onnx', modelPath, modelCardPath: join(dir, 'nocard.json') })),
      /VISTA3D_MODEL_CARD: .*nocard\.json does not exist/,
    );
    // Without VISTA3D_MODEL_CARD the card is the model path with .json.
    const lone = join(dir, 'lone.onnx');
    await writeFile(lone, await readFile(modelPath));
    assert.throws(() => buildServer(defaultConfig({ engine: 'onnx', modelPath: lone })), /VISTA3D_MODEL_CARD \(default: the model path with \.json\): .*lone\.json does not exist/);

    // The real entry point, as a container runs it: exits at once with status 2 and the reason.
    const main = join(import.meta.dirname, '../src/main.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, VISTA3D_ENGINE: 'onnx', VISTA3D_MODEL_PATH: join(dir, 'missing.onnx'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /backend: VISTA3D_MODEL_PATH: .*missing\.onnx does not exist/);
  });

  test('a model file onnxruntime cannot load: live, but ready is 503 with the reason and inference says ENGINE_FAILED', async () => {
    const broken = join(dir, 'broken.onnx');
    await writeFile(broken, 'this is not an ONNX protobuf');
    const { app, base } = await start({ engine: 'onnx', modelPath: broken, modelCardPath: join(dir, 'threshold.json') });
    try {
      assert.equal((await fetch(`${base}/v1/health/live`)).status, 200);
      const ready = await fetch(`${base}/v1/health/ready`);
      assert.equal(ready.status, 503);
      const body = await ready.json() as { status: string; message: string };
      assert.equal(body.status, 'failed');
      assert.match(body.message, /protobuf|load model|parsing|invalid/i);
      const res = await fetch(`${base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await readFile(CT) });
      assert.equal(res.status, 503);
      const err = (await res.json()) as { code: string; message: string };
      assert.equal(err.code, 'ENGINE_FAILED');
      assert.match(err.message, /failed to start/);
    } finally {
      await app.close();
    }
  });

  test('VISTA3D_ONNX_PROVIDERS=cuda,cpu without CUDA falls back to the CPU provider and serves', async () => {
    const { app, base } = await start({ engine: 'onnx', modelPath, onnxProviders: ['cuda', 'cpu'] });
    try {
      assert.equal((await fetch(`${base}/v1/health/ready`)).status, 200);
      const info = (await (await fetch(`${base}/v1/vista3d/info`)).json()) as { engine: { description: string }; modelCard?: { name: string } };
      assert.match(info.engine.description, /execution provider (cpu|cuda)/);
      assert.equal(info.modelCard?.name, 'threshold-onnx', 'default card: the model path with .json');
      const res = await fetch(`${base}/v1/vista3d/inference?classes=left_lung`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await readFile(CT_SM) });
      assert.equal(res.status, 200, await res.clone().text());
      const seg = parseNifti(Object.values(unzipSync(new Uint8Array(await res.arrayBuffer())))[0]);
      assert.ok(seg.data.includes(135));
    } finally {
      await app.close();
    }
  });
});
