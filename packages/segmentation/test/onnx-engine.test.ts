import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNifti, type Vec3 } from '@vista3d/volume';
import { createEngine, SegmentationInputError } from '../src/index.js';
import { buildThresholdConvModel } from '../src/onnx/build-test-model.js';
import { dice, SHARED, syntheticCt } from './helpers.js';

// minmax over [-1000, 1000]: x = (HU + 1000) / 2000. Channel 1 (bone, 21): 100·(x − 0.6) > 0 ⇔ HU > 200.
// Channel 2 (lung 135): −100·(x − 0.3) > 0 ⇔ HU < −400. Background logit 0.
const CARD = (patch: Vec3, spacing: Vec3) => ({
  name: 'threshold-test', version: '1', inputSpacing: spacing,
  intensity: { window: [-1000, 1000], normalise: 'minmax' }, patchSize: patch, overlap: 0.25, blend: 'gaussian',
  channels: [{ channel: 1, classId: 21 }, { channel: 2, classId: 135 }],
});

describe('ONNX engine with an in-memory threshold model', () => {
  let dir: string;
  const model = async (patch: Vec3, spacing: Vec3): Promise<string> => {
    const path = join(dir, `m-${patch.join('x')}-${spacing.join('x')}.onnx`);
    await writeFile(path, buildThresholdConvModel([0, 100, -100], [0, -60, 30]));
    await writeFile(path.replace(/\.onnx$/, '.json'), JSON.stringify(CARD(patch, spacing)));
    return path;
  };
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'seg-onnx-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('matches a direct threshold on a synthetic volume (native spacing, several patches)', async () => {
    const ct = syntheticCt([40, 36, 30], [1, 1, 1], (x, y, z) => (x < 12 ? 600 : y < 10 ? -900 : (z * 7) % 100));
    const engine = await createEngine({ kind: 'onnx', modelPath: await model([16, 16, 16], [1, 1, 1]) });
    assert.deepEqual([...engine.info.automaticClasses], [21, 135]);
    const stages: string[] = [];
    const out = await engine.segment(ct, { onProgress: (_f, s) => stages.push(s) });
    assert.ok(stages.some((s) => s.startsWith('sliding window')));
    for (let i = 0; i < ct.data.length; i++) {
      const hu = ct.data[i];
      assert.equal(out.data[i], hu > 200 ? 21 : hu < -400 ? 135 : 0);
    }
    await engine.dispose();
  });

  it('resamples non-isotropic spacing, pads volumes smaller than the patch, honours classes', async () => {
    const ct = syntheticCt([20, 18, 6], [1, 1, 4], (x, y, z) => ((x - 10) ** 2 + (y - 9) ** 2 + ((z - 2.5) * 4) ** 2 < 49 ? 800 : -1000));
    const engine = await createEngine({ kind: 'onnx', modelPath: await model([32, 32, 32], [2, 2, 2]) });
    const out = await engine.segment(ct, { classes: [21] });
    assert.deepEqual(out.dims, ct.dims);
    assert.ok(!out.data.includes(135));
    const d = dice(out.data, (l) => l === 21, ct.data, (v) => v === 800);
    assert.ok(d > 0.8, `Dice ${d}`);
    await assert.rejects(engine.segment(ct, { classes: [1] }), (e: unknown) => e instanceof SegmentationInputError && e.code === 'UNSUPPORTED_CLASS');
    await engine.dispose();
  });

  it('"bone" by threshold on the real CT matches a direct threshold', async () => {
    const ct = await readNifti(`${SHARED}totalseg_example_ct.nii.gz`);
    const engine = await createEngine({ kind: 'onnx', modelPath: await model([64, 64, 64], [3, 3, 3]), executionProviders: ['cpu'] });
    const t = performance.now();
    const out = await engine.segment(ct, {});
    const d = dice(out.data, (l) => l === 21, ct.data, (v) => v > 200);
    console.log(`# onnx threshold model on real CT: bone Dice vs threshold ${d.toFixed(4)} in ${((performance.now() - t) / 1000).toFixed(2)} s`);
    assert.ok(d > 0.99, `Dice ${d}`);
    await engine.dispose();
  });
});
