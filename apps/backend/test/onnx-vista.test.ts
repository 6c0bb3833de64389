// VISTA3D-style ONNX models behind the NIM API: the backend loads a v2 card with an automatic and a
// point model (the shared MONAI fixtures), lists exactly the card's classes, maps clicks to the point
// model (case ii of ../shared/onnx-reference), and refuses to start with a card that does not fit.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseNifti, readNifti } from '@vista3d/volume';
import { defaultConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import './helpers.js'; // quiet servers (LOG_LEVEL=silent)
import { REF, vistaCard } from '../../../packages/segmentation/test/onnx-fixtures.js';

describe('VISTA3D_ENGINE=onnx with a VISTA3D-style card', () => {
  let dir: string;
  let cardPath: string;
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backend-vista-'));
    cardPath = join(dir, 'vista.json');
    await writeFile(cardPath, JSON.stringify(vistaCard()));
    app = buildServer(defaultConfig({ host: '127.0.0.1', port: 0, engine: 'onnx', modelPath: `${REF}vista_tiny_auto.onnx`, modelCardPath: cardPath }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    await (app as FastifyInstance & { engineReady: Promise<void> }).engineReady;
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('/v1/vista3d/info lists exactly the card\'s classes; clicks reproduce the bundle (case ii), 255 outside the click windows', async () => {
    const info = (await (await fetch(`${base}/v1/vista3d/info`)).json()) as {
      classes: Array<{ id: number }>; automaticClasses: Array<{ id: number }>; pointPrompts: { supported: boolean; classes: number[] };
    };
    const card = vistaCard().model as { classes: number[]; subclasses: Record<string, number[]> };
    assert.deepEqual(info.classes.map((c) => c.id), card.classes);
    assert.deepEqual(info.automaticClasses.map((c) => c.id), card.classes);
    assert.equal(info.pointPrompts.supported, true);
    assert.ok(!info.pointPrompts.classes.includes(2), 'a group id takes no clicks');

    const prompts = { points: { liver: [[91, 62, 100], [104, 45, 95], [88, 51, 90]] }, point_labels: { liver: [1, 1, 0] } };
    const res = await fetch(`${base}/v1/vista3d/inference?prompts=${encodeURIComponent(JSON.stringify(prompts))}`, {
      method: 'POST', headers: { 'content-type': 'application/gzip', accept: 'application/gzip' }, body: await readFile(`${REF}vista_ct.nii.gz`),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const seg = parseNifti(new Uint8Array(await res.arrayBuffer()));
    const ref = await readNifti(`${REF}vista_ii_labels.nii.gz`);
    let differ = 0;
    for (let i = 0; i < ref.data.length; i++) if (seg.data[i] !== ref.data[i]) differ++;
    assert.ok(differ <= 1, `${differ} voxels differ from the bundle (its stats allow 1 low-margin voxel)`);
    assert.ok(seg.data.includes(255));

    const bad = await fetch(`${base}/v1/vista3d/inference?prompts=${encodeURIComponent(JSON.stringify({ points: { kidney: [[91, 62, 100]] } }))}`, {
      method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await readFile(`${REF}vista_ct.nii.gz`),
    });
    assert.equal(bad.status, 400);
  });

  test('a card that does not fit its model stops the backend at start, with the reason', async () => {
    const main = join(import.meta.dirname, '../src/main.ts');
    const v2 = vistaCard();
    const model = v2.model as Record<string, unknown>;
    const cases: Array<[string, unknown, RegExp]> = [
      ['unknown-transform.json', { ...v2, preprocessing: [{ name: 'zoom', factor: 2 }] }, /unknown transform "zoom"/],
      ['input-names.json', { ...v2, model: { ...model, automatic: { ...(model.automatic as object), inputs: { image: 'image', classVector: 'classes' } } } }, /input "classes" .*not among the model's inputs/],
      ['output-shape.json', { ...v1Generic(), channels: [{ channel: 1, classId: 1 }] }, /output "logits" dim 1 is 5; the card expects 2/],
    ];
    for (const [name, card, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, JSON.stringify(card));
      const modelPath = name === 'output-shape.json' ? `${REF}generic_unet.onnx` : `${REF}vista_tiny_auto.onnx`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', main], {
        env: { ...process.env, VISTA3D_ENGINE: 'onnx', VISTA3D_MODEL_PATH: modelPath, VISTA3D_MODEL_CARD: path, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
        encoding: 'utf8', timeout: 60_000,
      });
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /^backend: /m);
      assert.match(r.stderr, message, name);
    }
  });
});

function v1Generic(): Record<string, unknown> {
  return {
    name: 'g', version: '1', inputSpacing: [1.5, 1.5, 1.5], intensity: { window: [-1000, 1000], normalise: 'minmax' },
    patchSize: [32, 32, 32], overlap: 0.25, blend: 'gaussian', inputName: 'image', outputName: 'logits', channels: [{ channel: 1, classId: 1 }],
  };
}
