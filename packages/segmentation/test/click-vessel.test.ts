// Vessel clicks (click-vessel.ts): the click protocol of bench/clicks in-process on every vessel of
// the two labelled TotalSegmentator CTs (aorta, IVC, portal/splenic vein, iliac arteries and veins:
// 10 structures), against the general algorithm's figures on the same structures (bench/RESULTS.md,
// "clicks": mean Dice 0.39 / 0.40 / 0.54 after 1 / 3 / 5 clicks, 3 one-click results above 3×); plus
// the tube's behaviour on a synthetic vessel beside an organ of its density, and one click on a
// 512×512×100 CT made from the shared CT.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Vec3, Volume } from '@vista3d/volume';
import { LABELLED_CTS, loadLabelledCt } from '../../../bench/clicks/datasets.js';
import { deepestVoxel, labelsOf, simulateLabel, summarise, toVec3, type LabelRun } from '../../../bench/clicks/simulate.js';
import { upsample } from '../../../bench/clicks/speed.js';
import { clearClickCaches, segmentClassFromClicks, strategyFor } from '../src/cpu/click-strategy.js';
import { axisInfo } from '../src/cpu/orientation.js';

describe('vessel clicks', () => {
  const runs: LabelRun[] = [];
  before(async () => {
    for (const c of LABELLED_CTS.filter((x) => x.name.startsWith('totalseg_example_ct'))) {
      const { ct, ref } = await loadLabelledCt(c);
      const axes = axisInfo(ct.affine);
      for (const { id } of labelsOf(ref)) {
        if (strategyFor(id).name !== 'vessel') continue;
        runs.push(await simulateLabel(async (cls, clicks, n) => {
          const mask = new Uint8Array(n);
          segmentClassFromClicks(ct, axes, { classId: cls, points: clicks.map((k) => k.point), labels: clicks.map((k) => k.label) }, mask);
          const [nx, ny] = ct.dims;
          for (const k of clicks) assert.equal(mask[k.point[0] + nx * (k.point[1] + ny * k.point[2])], k.label, `class ${cls}: click ${k.point.join(',')} (${k.label})`);
          return { mask, seconds: 0, serverSeconds: 0 };
        }, ct, ref, id, 5));
      }
    }
  });

  it('takes the named vessels, not the hepatic vessels or the atrial appendage', () => {
    for (const id of [6, 7, 17, 58, 59, 60, 61, 109, 112, 125]) assert.equal(strategyFor(id).name, 'vessel', `class ${id}`);
    for (const id of [25, 108, 1]) assert.notEqual(strategyFor(id).name, 'vessel', `class ${id}`);
  });

  it('beats the general algorithm on every vessel of the shared CTs, without leaks', () => {
    assert.equal(runs.length, 10);
    const s = summarise(runs, 5);
    console.log(`# vessels: mean Dice ${s.map((x) => x.meanDice.toFixed(3)).join(' / ')} after 1…5 clicks, max 1-click ratio ${s[0].maxVolumeRatio.toFixed(2)}`);
    // Measured 0.56 / 0.66 / 0.69 (general algorithm: 0.39 / 0.40 / 0.54).
    assert.ok(s[0].meanDice >= 0.52, `1 click ${s[0].meanDice}`);
    assert.ok(s[2].meanDice >= 0.6, `3 clicks ${s[2].meanDice}`);
    assert.ok(s[4].meanDice >= 0.65, `5 clicks ${s[4].meanDice}`);
    assert.ok(s[0].maxVolumeRatio <= 3, `1-click volume ratio ${s[0].maxVolumeRatio}`);
    for (let k = 1; k < 5; k++) assert.ok(s[k].meanDice >= s[k - 1].meanDice - 1e-9, `mean Dice drops at ${k + 1} clicks`);
  });

  it('tracks a tube beside an organ of its density and stops where it divides', () => {
    // 3 mm grid: an aorta-like tube (radius 10 mm, 40 HU in fat) along z, dividing at z = 20 into
    // two iliac-like tubes (radius 5 mm); from z = 40 to 60 a 40 HU block touches its side.
    const dims: Vec3 = [64, 64, 80];
    const n = dims[0] * dims[1] * dims[2];
    const data = new Int16Array(n).fill(-100);
    const truth = new Uint8Array(n);
    for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) {
      const i = x + dims[0] * (y + dims[1] * z);
      const X = (x - 32) * 3;
      const Y = (y - 32) * 3;
      const aorta = z >= 20 && X * X + Y * Y <= 100;
      const off = 9 + (20 - z) * 0.6;
      const iliac = z < 20 && ((X - off) ** 2 + Y * Y <= 25 || (X + off) ** 2 + Y * Y <= 25);
      const organ = z >= 40 && z < 60 && X >= 10 && X < 60 && Math.abs(Y) < 30;
      if (aorta || iliac || organ) data[i] = 40;
      if (aorta) truth[i] = 1;
    }
    const affine: Volume['affine'] = [[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0], [0, 0, 0, 1]];
    const ct = { dims, spacing: [3, 3, 3] as Vec3, affine, data, datatype: 'int16', scl: { slope: 1, inter: 0 } } as unknown as Volume;
    const out = new Uint8Array(n);
    segmentClassFromClicks(ct, axisInfo(affine), { classId: 6, points: [[32, 32, 30]], labels: [1] }, out);
    let both = 0; let a = 0; let b = 0; let organ = 0; let below = 0;
    for (let i = 0; i < n; i++) {
      a += truth[i]; b += out[i]; both += truth[i] & out[i];
      const z = Math.floor(i / (dims[0] * dims[1]));
      if (out[i] && !truth[i] && z >= 40 && z < 60) organ++;
      if (out[i] && z < 17) below++;
    }
    const dice = (2 * both) / (a + b);
    console.log(`# synthetic tube: Dice ${dice.toFixed(3)}, ${organ} organ cells, ${below} cells below the division`);
    assert.ok(dice >= 0.8, `Dice ${dice}`);
    assert.ok(organ < 0.1 * a, `${organ} organ cells`);
    assert.equal(below, 0);
  });

  it('one click on a 512×512×100 CT', async () => {
    const { ct: small, ref: smallRef } = await loadLabelledCt(LABELLED_CTS[0]);
    const dims: Vec3 = [512, 512, 100];
    const ct = upsample(small, dims);
    const ref = upsample(smallRef, dims);
    const axes = axisInfo(ct.affine);
    const out = new Uint8Array(ct.data.length);
    for (const id of [6, 7]) {
      const mask = new Uint8Array(ct.data.length);
      for (let i = 0; i < mask.length; i++) mask[i] = ref.data[i] === id ? 1 : 0;
      const p = toVec3(deepestVoxel(mask, dims, ct.spacing)!.voxel, dims);
      segmentClassFromClicks(ct, axes, { classId: id, points: [p], labels: [1] }, out);
      // Compiled now; the click caches would answer the same click again, so they are emptied.
      clearClickCaches();
      const t = performance.now();
      segmentClassFromClicks(ct, axes, { classId: id, points: [p], labels: [1] }, out);
      const s = (performance.now() - t) / 1000;
      let both = 0; let a = 0; let b = 0;
      for (let i = 0; i < mask.length; i++) { a += mask[i]; b += out[i]; both += mask[i] & out[i]; }
      console.log(`# 512×512×100 class ${id}: ${s.toFixed(2)} s, Dice ${((2 * both) / (a + b)).toFixed(2)}`);
      // Measured 0.13–0.16 s (first call, cache emptied) on the shared 2-core machine; the bound leaves room for its load.
      assert.ok(s < 1.5, `${s} s`);
      // Measured Dice 0.74 (aorta) and 0.42 (IVC) on this grid (cells of 2.8 × 3.0 × 3.4 mm).
      assert.ok((2 * both) / (a + b) >= 0.4, `class ${id}: Dice ${(2 * both) / (a + b)}`);
    }
  });
});
