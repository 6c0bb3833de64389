// Tuning shortcut: the click protocol in-process on the interactive algorithm alone (no engine,
// no HTTP), per-label Dice after 1…5 clicks, with the strategy the engine picks for each class.
// Usage: CLICK_OPTS='{"reach":6}' npx tsx bench/clicks/tune.ts [ct,...|all] [id,...|group,...]
// (groups: organ, vessel, bone, lung, muscle; or a strategy name).
import { labelById } from '@vista3d/labels';
import { segmentClassFromClicks, strategyFor } from '../../packages/segmentation/src/cpu/click-strategy.js';
import { axisInfo } from '../../packages/segmentation/src/cpu/orientation.js';
import { CLICK_DEFAULTS } from '../../packages/segmentation/src/cpu/interactive.js';
import { LABELLED_CTS, loadLabelledCt } from './datasets.js';
import { labelsOf, simulateLabel, summarise, type LabelRun } from './simulate.js';

const opts = process.env.CLICK_OPTS ? JSON.parse(process.env.CLICK_OPTS) : {};
Object.assign(CLICK_DEFAULTS, opts);
const cts = !process.argv[2] || process.argv[2] === 'all' ? LABELLED_CTS.map((c) => c.name) : process.argv[2].split(',');
const filters = process.argv[3] ? process.argv[3].split(',') : null;
const wanted = (id: number): boolean => filters === null
  || filters.some((f) => f === String(id) || f === labelById(id)?.group || f === strategyFor(id).name);
const all: LabelRun[] = [];
const t0 = performance.now();
for (const c of LABELLED_CTS.filter((x) => cts.includes(x.name))) {
  const { ct, ref } = await loadLabelledCt(c);
  const axes = axisInfo(ct.affine);
  for (const { id } of labelsOf(ref)) {
    if (!wanted(id)) continue;
    const run = await simulateLabel(async (cls, clicks, n) => {
      const t = performance.now();
      const mask = new Uint8Array(n);
      segmentClassFromClicks(ct, axes, { classId: cls, points: clicks.map((k) => k.point), labels: clicks.map((k) => k.label) }, mask);
      const s = (performance.now() - t) / 1000;
      return { mask, seconds: s, serverSeconds: s };
    }, ct, ref, id, 5);
    all.push(run);
    const s = run.steps;
    console.log(`${c.name.replace('totalseg_example_', '').padEnd(10)} ${String(id).padStart(3)} ${(labelById(id)?.name ?? '').slice(0, 22).padEnd(22)} ${strategyFor(id).name.padEnd(8)} ${String(run.voxels).padStart(6)}  ${s.map((x) => x.dice.toFixed(2)).join(' ')}  r1 ${s[0].volumeRatio.toFixed(2)} r5 ${s[4].volumeRatio.toFixed(2)} ${(s.reduce((a, x) => a + x.seconds, 0) / 5).toFixed(2)}s`);
  }
}
const sum = summarise(all, 5);
console.log(sum.map((x) => `${x.clicks}: ${x.meanDice.toFixed(4)} (med ${x.medianDice.toFixed(3)})`).join('  '), ` max r1 ${sum[0].maxVolumeRatio.toFixed(2)}  >3x: ${all.filter((r) => r.steps[0].volumeRatio > 3).length}/${all.length}  ${((performance.now() - t0) / 1000).toFixed(0)} s`);
