// The organ click strategy (src/cpu/click-organ.ts) under the click protocol of issue 14 (bench/clicks),
// in-process on the shared CTs where its weak organs are: one click on the reference's deepest voxel,
// then the deepest voxel of the largest error (positive on a miss, negative on a leak). Before the
// strategy (the general algorithm, bench/RESULTS.md "clicks"): pancreas 0.21, gallbladder 0.39 / 0.59,
// prostate 0.12 (14.8× its volume), right kidney (30 slices) 0.45 (3.05×), heart 0.39 after one click.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Vec3, Volume } from '@vista3d/volume';
import { LABELLED_CTS, loadLabelledCt } from '../../../bench/clicks/datasets.js';
import { deepestVoxel, nextClick, simulateLabel, toVec3, type LabelRun, type Segmenter } from '../../../bench/clicks/simulate.js';
import { upsample } from '../../../bench/clicks/speed.js';
import { clearClickCaches, segmentClassFromClicks, strategyFor } from '../src/cpu/click-strategy.js';
import { axisInfo } from '../src/cpu/orientation.js';

function inProcess(ct: Volume, violations: string[]): Segmenter {
  const axes = axisInfo(ct.affine);
  const [nx, ny] = ct.dims;
  return async (classId, clicks, n) => {
    const mask = new Uint8Array(n);
    const t = performance.now();
    segmentClassFromClicks(ct, axes, { classId, points: clicks.map((c) => c.point), labels: clicks.map((c) => c.label) }, mask);
    const seconds = (performance.now() - t) / 1000;
    for (const c of clicks) if (mask[c.point[0] + nx * (c.point[1] + ny * c.point[2])] !== c.label) violations.push(`class ${classId} click ${c.point} (${c.label})`);
    return { mask, seconds, serverSeconds: seconds };
  };
}

describe('organ clicks', () => {
  const runs = new Map<string, LabelRun>();
  const violations: string[] = [];
  before(async () => {
    const cases: Array<[string, number[]]> = [['totalseg_example_ct', [4, 5, 10, 118]], ['totalseg_example_ct_sm', [5, 10]], ['dcmqi_ct_3slice', [115]]];
    for (const [name, ids] of cases) {
      const { ct, ref } = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === name)!);
      const segment = inProcess(ct, violations);
      for (const id of ids) runs.set(`${name}:${id}`, await simulateLabel(segment, ct, ref, id, 5));
    }
    for (const [k, r] of runs) console.log(`# ${k} Dice ${r.steps.map((s) => s.dice.toFixed(2)).join(' ')} ratio1 ${r.steps[0].volumeRatio.toFixed(2)}`);
  });

  it('handles the solid organs and leaves the hollow ones, the cord and lesions to others', () => {
    for (const id of [1, 3, 4, 5, 10, 14, 15, 115, 118, 126]) assert.equal(strategyFor(id).name, 'organ', `class ${id}`);
    for (const id of [11, 12, 13, 19, 62, 121, 6, 93]) assert.notEqual(strategyFor(id).name, 'organ', `class ${id}`);
  });

  it('keeps every positive click and removes every negative one', () => {
    assert.deepEqual(violations, []);
  });

  it('one click stays within 3× the organ', () => {
    for (const [k, r] of runs) assert.ok(r.steps[0].volumeRatio <= 3, `${k}: ${r.steps[0].volumeRatio.toFixed(2)}×`);
  });

  it('raises the weak organs', () => {
    const d1 = (k: string): number => runs.get(k)!.steps[0].dice;
    assert.ok(d1('totalseg_example_ct:118') >= 0.6, `prostate ${d1('totalseg_example_ct:118')}`);
    assert.ok(d1('dcmqi_ct_3slice:115') >= 0.7, `heart ${d1('dcmqi_ct_3slice:115')}`);
    assert.ok(d1('totalseg_example_ct:4') >= 0.3, `pancreas ${d1('totalseg_example_ct:4')}`);
    assert.ok(d1('totalseg_example_ct_sm:5') >= 0.55, `right kidney (30 slices) ${d1('totalseg_example_ct_sm:5')}`);
    assert.ok(d1('totalseg_example_ct:10') >= 0.5 && d1('totalseg_example_ct_sm:10') >= 0.6, 'gallbladder');
    // Mean over these seven: 0.40 / 0.66 / 0.76 after 1 / 3 / 5 clicks before, 0.64 / 0.77 / 0.80 measured (2026-12-02).
    // With the simulator's corrected deepest voxel (2026-12-04) the prostate's 4th click landed on a −41 HU border
    // voxel and ran into the fat beside it, and the mean dipped at the 4th click (0.650 / 0.794 / 0.784 / 0.791 after
    // 1 / 3 / 4 / 5). A later organ click's window no longer reaches into fat (click-organ.ts, LATER_FLOOR_HU):
    // 0.650 / 0.740 / 0.794 / 0.814 / 0.826, rising with every click and at the targets for 1, 3 and 5.
    const mean = (k: number): number => [...runs.values()].reduce((a, r) => a + r.steps[k].dice, 0) / runs.size;
    assert.ok(mean(0) >= 0.6 && mean(2) >= 0.75 && mean(4) >= 0.82, `${mean(0)} ${mean(2)} ${mean(4)}`);
    for (let k = 1; k < 5; k++) assert.ok(mean(k) >= mean(k - 1), `means ${[0, 1, 2, 3, 4].map(mean).join(' ')}`);
  });

  it('a liver click on a 512×512×100 CT takes well under a second', async () => {
    const { ct: small, ref } = await loadLabelledCt(LABELLED_CTS[0]);
    const ct = upsample(small, [512, 512, 100]);
    const liver = new Uint8Array(ref.data.length);
    for (let i = 0; i < liver.length; i++) liver[i] = ref.data[i] === 1 ? 1 : 0;
    const p = toVec3(deepestVoxel(liver, small.dims, small.spacing)!.voxel, small.dims);
    const click: Vec3 = [0, 1, 2].map((a) => Math.floor(((p[a] + 0.5) * ct.dims[a]) / small.dims[a])) as Vec3;
    const out = new Uint8Array(ct.data.length);
    const axes = axisInfo(ct.affine);
    segmentClassFromClicks(ct, axes, { classId: 1, points: [click], labels: [1] }, out);
    // Compiled now. Each timed click is cold (the click caches would answer it again, so they are emptied), and
    // the best wall time of three is taken: on a shared 2-core machine the wall clock of one run also measures the
    // neighbours, and CPU time counts V8's parallel GC threads as well (0.49 s CPU against 0.32 s wall on an idle
    // 2-core AMD EPYC, 2026-12-02), so neither single figure is the time a user waits on a free core.
    let best = Infinity;
    let cpuOfBest = 0;
    let count = 0;
    for (let run = 0; run < 3; run++) {
      clearClickCaches();
      const t = performance.now();
      const cpu = process.cpuUsage();
      count = segmentClassFromClicks(ct, axes, { classId: 1, points: [click], labels: [1] }, out);
      const wall = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      if (wall < best) { best = wall; cpuOfBest = (used.user + used.system) / 1e6; }
    }
    console.log(`# liver click on 512×512×100: best of 3 cold runs ${best.toFixed(2)} s wall (${cpuOfBest.toFixed(2)} s CPU), ${count} voxels`);
    assert.ok(count > 0);
    assert.ok(best < 0.5, `${best.toFixed(2)} s wall`);
  });

  it('a later liver click on a 512×512×100 CT reuses the first click\'s box and answers as a cold one', async () => {
    const { ct: small, ref: smallRef } = await loadLabelledCt(LABELLED_CTS[0]);
    const dims: Vec3 = [512, 512, 100];
    const ct = upsample(small, dims);
    const ref = upsample(smallRef, dims);
    const liver = new Uint8Array(ref.data.length);
    for (let i = 0; i < liver.length; i++) liver[i] = ref.data[i] === 1 ? 1 : 0;
    const axes = axisInfo(ct.affine);
    const first: Vec3 = toVec3(deepestVoxel(liver, dims, ct.spacing)!.voxel, dims);
    const warm = new Uint8Array(liver.length);
    clearClickCaches();
    segmentClassFromClicks(ct, axes, { classId: 1, points: [first], labels: [1] }, warm);
    const next = nextClick(liver, warm, dims, ct.spacing)!;
    assert.equal(next.label, 1, 'the liver\'s largest error after one click is a miss');
    const clicks = { classId: 1, points: [first, next.point], labels: [1, next.label] as Array<0 | 1> };
    // Best of 3, each after a fresh first click (the other test files run beside this one and share the cores).
    let seconds = Infinity;
    let warmCount = 0;
    for (let run = 0; run < 3; run++) {
      clearClickCaches();
      segmentClassFromClicks(ct, axes, { classId: 1, points: [first], labels: [1] }, warm);
      const t = performance.now();
      warmCount = segmentClassFromClicks(ct, axes, clicks, warm);
      seconds = Math.min(seconds, (performance.now() - t) / 1000);
    }
    // The sampled box and the first click's region are kept: the second click grows only itself.
    // 0.32 s on 512×512×300 in the engine, 2-core AMD EPYC, 2026-12-03 (0.8 s before); here 0.30 s alone, 0.33 s
    // with the refinement's depth and reach bounds (2026-12-04), 0.53 s once while the suite's other files ran.
    console.log(`# second liver click on 512×512×100: ${seconds.toFixed(2)} s wall, ${warmCount} voxels`);
    assert.ok(seconds < 0.5, `${seconds.toFixed(2)} s`);
    clearClickCaches();
    const cold = new Uint8Array(liver.length);
    const coldCount = segmentClassFromClicks(ct, axes, clicks, cold);
    assert.equal(coldCount, warmCount);
    assert.ok(Buffer.from(cold).equals(Buffer.from(warm)), 'the kept box and regions change the answer');
  });
});
