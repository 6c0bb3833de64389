// The click protocol on a fine grid: every label ≥ 500 voxels of the shared abdomen CT, on the CT as
// stored (3 mm) and upsampled by nearest neighbour to 512×512×300 (0.71×0.59×1.12 mm), in-process.
// The engine works on cells of about 3 mm either way, so the two should agree; where they differ the
// full-resolution steps (cell means across voxel borders, the border written back voxel by voxel)
// changed the answer. Usage: npx tsx bench/clicks/fine.ts [clicks (default 3)] [id,...]
import { cpus } from 'node:os';
import type { Vec3, Volume } from '@vista3d/volume';
import { labelById } from '@vista3d/labels';
import { segmentClassFromClicks } from '../../packages/segmentation/src/cpu/click-strategy.js';
import { axisInfo } from '../../packages/segmentation/src/cpu/orientation.js';
import { LABELLED_CTS, loadLabelledCt } from './datasets.js';
import { labelsOf, simulateLabel, summarise, type LabelRun, type Segmenter } from './simulate.js';
import { upsample } from './speed.js';

const clicks = Number(process.argv[2] ?? 3);
const only = process.argv[3]?.split(',').map(Number);

function inProcess(ct: Volume): Segmenter {
  const axes = axisInfo(ct.affine);
  return async (classId, list, n) => {
    const t = performance.now();
    const mask = new Uint8Array(n);
    segmentClassFromClicks(ct, axes, { classId, points: list.map((c) => c.point), labels: list.map((c) => c.label) }, mask);
    const s = (performance.now() - t) / 1000;
    return { mask, seconds: s, serverSeconds: s };
  };
}

const { ct: small, ref: smallRef } = await loadLabelledCt(LABELLED_CTS[0]);
const dims: Vec3 = [512, 512, 300];
const grids = [
  { name: `${small.dims.join('×')} (as stored)`, ct: small, ref: smallRef },
  { name: `${dims.join('×')} (upsampled)`, ct: upsample(small, dims), ref: upsample(smallRef, dims) },
];
const ids = labelsOf(smallRef).map((l) => l.id).filter((id) => !only || only.includes(id));
const runs = grids.map(() => [] as LabelRun[]);
console.log(`${LABELLED_CTS[0].name}, ${ids.length} labels, ${clicks} clicks, ${cpus().length} cores, Node ${process.version}`);
console.log(`| label | ${grids.map((g) => `Dice 1…${clicks} ${g.name}`).join(' | ')} | vol. ratio 1 (stored / upsampled) |\n|---|---|---|---|`);
for (const id of ids) {
  const row: LabelRun[] = [];
  for (const [k, g] of grids.entries()) {
    const r = await simulateLabel(inProcess(g.ct), g.ct, g.ref, id, clicks);
    runs[k].push(r);
    row.push(r);
  }
  console.log(`| ${id} ${labelById(id)?.name ?? ''} | ${row.map((r) => r.steps.map((s) => s.dice.toFixed(2)).join(' ')).join(' | ')} | ${row.map((r) => r.steps[0].volumeRatio.toFixed(2)).join(' / ')} |`);
}
for (const [k, g] of grids.entries()) {
  const s = summarise(runs[k], clicks);
  const over = runs[k].filter((r) => r.steps[0].volumeRatio > 3).length;
  console.log(`${g.name}: mean Dice ${s.map((x) => x.meanDice.toFixed(3)).join(' / ')}, median ${s.map((x) => x.medianDice.toFixed(3)).join(' / ')}, 1-click ratio > 3×: ${over}, mean s/click ${(s.reduce((a, x) => a + x.meanSeconds, 0) / s.length).toFixed(2)}`);
}
