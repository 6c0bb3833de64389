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
  { ct: 'totalseg_example_ct', ids: [35, 37, 38, 94, 96, 121, 127] },
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
    for (const s of summary) console.log(`# ${s.clicks} clicks: mean Dice ${s.meanDice.toFixed(3)} max volume ratio ${s.maxVolumeRatio.toFixed(2)}`);
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
    assert.ok(one >= 0.62, `1 click ${one}`);
    assert.ok(three >= 0.65 && three >= one, `3 clicks ${three}`);
    assert.ok(five >= 0.7 && five >= three, `5 clicks ${five}`);
  });

  it('segments the whole vertebra and the cord from one click, and no structure beyond 3× its size', () => {
    const first = (id: number): number => runs.find((r) => r.classId === id)!.steps[0].dice;
    assert.ok(first(35) >= 0.72, `L3 ${first(35)}`);
    assert.ok(first(37) >= 0.68, `L1 ${first(37)}`);
    assert.ok(first(121) >= 0.65, `spinal cord ${first(121)}`);
    for (const r of runs) assert.ok(r.steps[0].volumeRatio <= 3, `${r.classId}: ${r.steps[0].volumeRatio}`);
  });
});
