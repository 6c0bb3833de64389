// The bone strategy (src/cpu/click-bone*.ts) under the click protocol of issue 14 (bench/clicks), in
// process, on the shared abdomen CT and the hand-drawn spine: vertebrae, femur, hip, S1, spinal cord
// and the whole column. Floors sit below the measured values (docs/segmentation-engines.md, "Bone
// clicks") and far above the class-blind algorithm's on the same structures (0.47 / 0.60 / 0.60).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LABELLED_CTS, loadLabelledCt } from '../../../bench/clicks/datasets.js';
import { simulateLabel, summarise, type LabelRun, type Summary } from '../../../bench/clicks/simulate.js';
import { vertebraLevel } from '../src/cpu/click-bone-spine.js';
import { segmentClassFromClicks, strategyFor } from '../src/cpu/click-strategy.js';
import { axisInfo } from '../src/cpu/orientation.js';

const CASES: Array<{ ct: string; ids: number[] }> = [
  { ct: 'totalseg_example_ct', ids: [33, 35, 37, 38, 94, 96, 97, 121, 127] },
  { ct: 'dcmqi_ct_3slice', ids: [146] },
];

describe('bone clicks (shared CTs, protocol of bench/clicks)', () => {
  const runs: LabelRun[] = [];
  let summary: Summary[];
  let violations = 0;
  before(async () => {
    for (const c of CASES) {
      const { ct, ref } = await loadLabelledCt(LABELLED_CTS.find((x) => x.name === c.ct)!);
      const axes = axisInfo(ct.affine);
      const [nx, ny] = ct.dims;
      for (const id of c.ids) {
        runs.push(await simulateLabel(async (cls, clicks, n) => {
          const mask = new Uint8Array(n);
          const t = performance.now();
          segmentClassFromClicks(ct, axes, { classId: cls, points: clicks.map((k) => k.point), labels: clicks.map((k) => k.label) }, mask);
          const seconds = (performance.now() - t) / 1000;
          for (const k of clicks) if (mask[k.point[0] + nx * (k.point[1] + ny * k.point[2])] !== k.label) violations++;
          return { mask, seconds, serverSeconds: seconds };
        }, ct, ref, id, 5));
      }
    }
    summary = summarise(runs, 5);
    for (const s of summary) console.log(`# ${s.clicks} clicks: mean Dice ${s.meanDice.toFixed(4)} max volume ratio ${s.maxVolumeRatio.toFixed(2)}`);
  });

  it('routes bones and the spinal cord to the bone strategy, discs and cartilage elsewhere', () => {
    for (const id of [33, 38, 56, 93, 95, 97, 121, 127, 146]) assert.equal(strategyFor(id).name, 'bone', String(id));
    for (const id of [134, 114, 1]) assert.notEqual(strategyFor(id).name, 'bone', String(id));
    assert.deepEqual(vertebraLevel('vertebrae L3'), { region: 'L', level: 3 });
    assert.equal(vertebraLevel('vertebrae'), null);
  });

  it('keeps every positive click in and every negative click out', () => {
    assert.equal(violations, 0);
  });

  it('reaches the measured Dice after 1 / 3 / 5 clicks and never loses with more clicks', () => {
    const [one, , three, , five] = summary.map((s) => s.meanDice);
    // 1 click: issue 14's target. Its 3- and 5-click targets (0.75 / 0.82) are not met over all 69 structures
    // yet (0.754 / 0.786, bench/RESULTS.md); these ten, with the sacrum and S1, measure 0.7380 / 0.7684 (0.7225 /
    // 0.7488 before a vertebra's cells darker than its marrow left its domain), and the bounds are those
    // measurements' floors, so a change that loses bone Dice fails here.
    assert.ok(one >= 0.6, `1 click ${one}`);
    assert.ok(three >= 0.73 && three >= one, `3 clicks ${three}`);
    assert.ok(five >= 0.76 && five >= three, `5 clicks ${five}`);
  });

  it('segments the whole vertebra and the cord from one click, and no structure beyond 3× its size', () => {
    const first = (id: number): number => runs.find((r) => r.classId === id)!.steps[0].dice;
    assert.ok(first(35) >= 0.72, `L3 ${first(35)}`);
    assert.ok(first(37) >= 0.68, `L1 ${first(37)}`);
    assert.ok(first(121) >= 0.65, `spinal cord ${first(121)}`);
    for (const r of runs) assert.ok(r.steps[0].volumeRatio <= 3, `${r.classId}: ${r.steps[0].volumeRatio}`);
  });

  it('follows the column past the lumbosacral angle, moves a misplaced neighbour core, reads the sacrum', () => {
    const run = (id: number): LabelRun => runs.find((r) => r.classId === id)!;
    // L5 grew into S1 and the sacrum when the column was taken straight down (0.53, 2.30× after one click).
    assert.ok(run(33).steps[0].dice >= 0.7 && run(33).steps[0].volumeRatio <= 1.6, `L5 ${run(33).steps[0].dice} ×${run(33).steps[0].volumeRatio}`);
    // T11's core sat inside T12 (cut by the scan's top): later clicks added 20 voxels each (0.71 after 3).
    assert.ok(run(38).steps[2].dice >= 0.75, `T12 after 3 clicks ${run(38).steps[2].dice}`);
    // The sacrum's first click is in fatty marrow its thin cortex does not enclose (0.21 after 3 clicks).
    assert.ok(run(97).steps[2].dice >= 0.45, `sacrum after 3 clicks ${run(97).steps[2].dice}`);
  });
});
