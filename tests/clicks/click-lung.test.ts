// The lung strategy of the CPU engine's clicks: one click per lower lobe on both labelled CTs of the
// shared data (their lung bases), and on the torso phantom, whose lungs are joined by the trachea and
// main bronchi, one click must give that lung and nothing of the other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { phantomVolume, torsoPhantom } from '@vista3d/phantom';
import { createEngine } from '@vista3d/segmentation';
import { LABELLED_CTS, loadLabelledCt } from '../../bench/clicks/datasets.js';
import { deepestVoxel, diceOf, toVec3 } from '../../bench/clicks/simulate.js';
import { segmentClassFromClicks, strategyFor } from '../../packages/segmentation/src/cpu/click-strategy.js';
import { axisInfo } from '../../packages/segmentation/src/cpu/orientation.js';

const maskOf = (data: ArrayLike<number>, id: number): Uint8Array => Uint8Array.from(data, (v) => (v === id ? 1 : 0));

describe('lung clicks', () => {
  it('lung and lobe classes use the lung strategy; airway and trachea do not', () => {
    for (const id of [28, 29, 30, 31, 32, 135, 136]) assert.equal(strategyFor(id).name, 'lung', `class ${id}`);
    for (const id of [57, 132]) assert.notEqual(strategyFor(id).name, 'lung', `class ${id}`);
  });

  for (const name of ['totalseg_example_ct', 'totalseg_example_ct_sm']) {
    it(`${name}: one click per lower lobe gives Dice ≥ 0.85`, async () => {
      const { ct, ref } = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === name)!);
      const axes = axisInfo(ct.affine);
      for (const id of [29, 32]) {
        const refMask = maskOf(ref.data, id);
        const p = toVec3(deepestVoxel(refMask, ct.dims, ct.spacing)!.voxel, ct.dims);
        const out = new Uint8Array(ct.data.length);
        segmentClassFromClicks(ct, axes, { classId: id, points: [p], labels: [1] }, out);
        const { dice, predCount, refCount } = diceOf(refMask, out);
        console.log(`# ${name} class ${id}: Dice ${dice.toFixed(3)}, volume ratio ${(predCount / refCount).toFixed(2)}`);
        assert.ok(dice >= 0.85, `class ${id} Dice ${dice}`);
      }
    });
  }

  it('torso phantom: a click in one lung gives that lung, not the other one through the airway', async () => {
    // Half the default in-plane matrix over the same 400 mm field of view: the same anatomy, a quarter of the work.
    const ct = phantomVolume(torsoPhantom({ size: 256, pixelSpacing: 1.5625 }));
    const auto = await (await createEngine({ kind: 'cpu' })).segment(ct, { classes: [135, 136] });
    const axes = axisInfo(ct.affine);
    for (const [id, other] of [[136, 135], [135, 136]]) {
      const own = maskOf(auto.data, id);
      const p = toVec3(deepestVoxel(own, ct.dims, ct.spacing)!.voxel, ct.dims);
      const out = new Uint8Array(ct.data.length);
      segmentClassFromClicks(ct, axes, { classId: id, points: [p], labels: [1] }, out);
      const { dice } = diceOf(own, out);
      let inOther = 0;
      for (let i = 0; i < out.length; i++) if (out[i] !== 0 && auto.data[i] === other) inOther++;
      console.log(`# phantom class ${id}: Dice ${dice.toFixed(3)} against the automatic lung, ${inOther} voxels in the other lung`);
      assert.ok(dice >= 0.9, `class ${id} Dice ${dice}`);
      assert.equal(inOther, 0);
    }
  });
});
