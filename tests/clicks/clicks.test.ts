// The click benchmark's protocol (bench/clicks) over real HTTP against the backend with the CPU
// engine, on the 30-slice shared CT (21 structures ≥ 500 voxels of TotalSegmentator's normal model),
// plus the algorithm's invariants and its time per click on a 512×512×100 CT made from shared data.
// Targets of issue 14 that the engine meets over all 69 structures are asserted at their values (1-click mean
// Dice ≥ 0.60, no 1-click result > 3×); bench/RESULTS.md ("clicks") records the all-structure figures
// (mean Dice 0.75 / 0.82 after 3 / 5 clicks: 0.772 / 0.805, the second not met); this CT's 21 structures reach
// 0.806 / 0.835 after 3 / 5, and both targets are asserted here for them (a regression guard, not the issue's
// all-structure figure).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Vec3 } from '@vista3d/volume';
import { defaultConfig } from '../../apps/backend/src/config.js';
import { buildServer } from '../../apps/backend/src/server.js';
import { LABELLED_CTS, loadLabelledCt } from '../../bench/clicks/datasets.js';
import { ctUpload, deepestVoxel, diceOf, httpSegmenter, labelsOf, nextClick, simulateLabel, summarise, toVec3, type Click, type LabelRun, type Summary } from '../../bench/clicks/simulate.js';
import { upsample } from '../../bench/clicks/speed.js';
import { answer, segmentClassFromClicks, strategyFor } from '../../packages/segmentation/src/cpu/click-strategy.js';
import { axisInfo } from '../../packages/segmentation/src/cpu/orientation.js';

process.env.LOG_LEVEL ??= 'silent';

describe('click simulator over HTTP (CPU engine, totalseg_example_ct_sm)', () => {
  let app: ReturnType<typeof buildServer>;
  const runs: LabelRun[] = [];
  let summary: Summary[];
  before(async () => {
    app = buildServer(defaultConfig({ engineWorker: false, allowPrivateImageAddresses: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    await app.engineReady;
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const { ct, ref } = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === 'totalseg_example_ct_sm')!);
    const segment = httpSegmenter(url, await ctUpload(ct));
    for (const { id } of labelsOf(ref)) runs.push(await simulateLabel(segment, ct, ref, id, 5));
    summary = summarise(runs, 5);
    for (const s of summary) console.log(`# ${s.clicks} clicks: mean Dice ${s.meanDice.toFixed(3)} median ${s.medianDice.toFixed(3)} max volume ratio ${s.maxVolumeRatio.toFixed(2)} ${s.meanSeconds.toFixed(2)} s/prompt`);
  });
  after(async () => app?.close());

  it('measures every structure of ≥ 500 voxels', () => {
    assert.equal(runs.length, 21);
    for (const r of runs) assert.equal(r.steps.length, 5);
  });

  it('one click: mean Dice ≥ 0.60 and no result larger than 3× its structure (issue 14 targets)', () => {
    assert.ok(summary[0].meanDice >= 0.6, `1-click mean Dice ${summary[0].meanDice}`);
    for (const r of runs) assert.ok(r.steps[0].volumeRatio <= 3, `class ${r.classId}: 1-click volume ratio ${r.steps[0].volumeRatio}`);
  });

  it('three clicks: mean Dice ≥ 0.75 on this CT (issue 14 target; 0.772 over all 69 structures)', () => {
    assert.ok(summary[2].meanDice >= 0.75, `3-click mean Dice ${summary[2].meanDice}`);
  });

  it('five clicks: mean Dice ≥ 0.82 on this CT (issue 14 target; 0.805 over all 69 structures, not met there)', () => {
    assert.ok(summary[4].meanDice >= 0.82, `5-click mean Dice ${summary[4].meanDice}`);
  });

  it('mean Dice never drops with more clicks', () => {
    for (let k = 1; k < summary.length; k++) assert.ok(summary[k].meanDice >= summary[k - 1].meanDice, `${k + 1} clicks ${summary[k].meanDice} < ${k} clicks ${summary[k - 1].meanDice}`);
  });

  it('answers every prompt with a non-empty result, quickly', () => {
    for (const r of runs) for (const s of r.steps) assert.ok(s.volumeRatio > 0, `class ${r.classId} empty after ${s.clicks} clicks`);
    assert.ok(summary.every((s) => s.meanSeconds < 1), summary.map((s) => s.meanSeconds).join(', '));
  });
});

describe('click algorithm invariants (totalseg_example_ct_sm, in-process)', () => {
  it('keeps every positive click, removes every negative one, and uses the negatives', async () => {
    const { ct, ref } = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === 'totalseg_example_ct_sm')!);
    const axes = axisInfo(ct.affine);
    const n = ct.data.length;
    const [nx, ny] = ct.dims;
    let negatives = 0;
    let helped = 0;
    for (const { id } of labelsOf(ref)) {
      const refMask = new Uint8Array(n);
      for (let i = 0; i < n; i++) refMask[i] = ref.data[i] === id ? 1 : 0;
      const clicks: Click[] = [{ point: toVec3(deepestVoxel(refMask, ct.dims, ct.spacing)!.voxel, ct.dims), label: 1 }];
      const mask = new Uint8Array(n);
      let before = 0;
      for (let k = 0; k < 4; k++) {
        segmentClassFromClicks(ct, axes, { classId: id, points: clicks.map((c) => c.point), labels: clicks.map((c) => c.label) }, mask);
        for (const c of clicks) {
          const v = c.point[0] + nx * (c.point[1] + ny * c.point[2]);
          assert.equal(mask[v], c.label, `class ${id}, ${clicks.length} clicks: ${c.label ? 'positive' : 'negative'} click [${c.point.join(', ')}] ${c.label ? 'dropped' : 'kept'}`);
        }
        const dice = diceOf(refMask, mask).dice;
        if (k > 0 && clicks[clicks.length - 1].label === 0) { negatives++; if (dice > before) helped++; }
        before = dice;
        const next = nextClick(refMask, mask, ct.dims, ct.spacing);
        if (!next) break;
        clicks.push(next);
      }
    }
    console.log(`# ${negatives} negative clicks, ${helped} raised Dice`);
    assert.ok(negatives >= 5 && helped >= negatives / 2, `${helped} of ${negatives} negative clicks raised Dice`);
  });

  it('a voxel clicked both ways ends as its latest click says, whatever the strategy', async () => {
    const { ct, ref } = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === 'totalseg_example_ct_sm')!);
    const axes = axisInfo(ct.affine);
    const n = ct.data.length;
    const [nx, ny] = ct.dims;
    const strategies = new Set<string>();
    for (const { id } of labelsOf(ref)) {
      const refMask = new Uint8Array(n);
      for (let i = 0; i < n; i++) refMask[i] = ref.data[i] === id ? 1 : 0;
      const first = toVec3(deepestVoxel(refMask, ct.dims, ct.spacing)!.voxel, ct.dims);
      const mask = new Uint8Array(n);
      segmentClassFromClicks(ct, axes, { classId: id, points: [first], labels: [1] }, mask);
      // The voxel the protocol would click next: in the structure or in its leak, the result's worst error.
      const b = nextClick(refMask, mask, ct.dims, ct.spacing)!.point;
      const v = b[0] + nx * (b[1] + ny * b[2]);
      for (const last of [0, 1] as const) {
        const clicks = { classId: id, points: [first, b, b], labels: [1, last === 1 ? 0 : 1, last] as Array<0 | 1> };
        const said = `class ${id} (${strategyFor(id).name}): clicked ${clicks.labels.slice(1).map((l) => (l ? '+' : '−')).join(' then ')}`;
        // The strategy's answer (what a later click refines) and the refined result.
        answer(strategyFor(id), ct, axes, clicks, mask);
        assert.equal(mask[v], last, `${said}, the strategy's answer leaves it ${mask[v] ? 'in' : 'out'}`);
        segmentClassFromClicks(ct, axes, clicks, mask);
        assert.equal(mask[v], last, `${said}, ends ${mask[v] ? 'in' : 'out'}`);
      }
      strategies.add(strategyFor(id).name);
    }
    assert.ok(strategies.size >= 6, [...strategies].join(', '));
  });
});

describe('time per click on a 512×512×100 CT (shared abdomen CT upsampled)', () => {
  it('one click on the spleen, kidney and liver', async () => {
    const { ct: small, ref: smallRef } = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === 'totalseg_example_ct')!);
    const dims: Vec3 = [512, 512, 100];
    const ct = upsample(small, dims);
    const ref = upsample(smallRef, dims);
    const n = ct.data.length;
    const axes = axisInfo(ct.affine);
    const out = new Uint8Array(n);
    // The server is long-running: compile the code paths once (a click on the small CT) before timing.
    const warm = await loadLabelledCt(LABELLED_CTS.find((c) => c.name === 'totalseg_example_ct_sm')!);
    segmentClassFromClicks(warm.ct, axisInfo(warm.ct.affine), { classId: 3, points: [[60, 50, 15]], labels: [1] }, new Uint8Array(warm.ct.data.length));
    const times: string[] = [];
    let worst = 0;
    for (const id of [3, 14, 1]) {
      const refMask = new Uint8Array(n);
      for (let i = 0; i < n; i++) refMask[i] = ref.data[i] === id ? 1 : 0;
      const p = toVec3(deepestVoxel(refMask, dims, ct.spacing)!.voxel, dims);
      const t = performance.now();
      segmentClassFromClicks(ct, axes, { classId: id, points: [p], labels: [1] }, out);
      const s = (performance.now() - t) / 1000;
      worst = Math.max(worst, s);
      times.push(`${id}: ${s.toFixed(2)} s, Dice ${diceOf(refMask, out).dice.toFixed(2)}`);
    }
    console.log(`# 512×512×100 one click: ${times.join('; ')}`);
    // Issue 14 asks for well under 1 s on 512×512×300. Measured on the shared 2-core machine (load 5):
    // 512×512×100 spleen 0.64 s, kidney 0.52 s, liver 1.51 s (its box is the whole abdomen); 512×512×300
    // 1.02 / 0.64 / 1.89 s. The bound below is that measurement with room for load, not the target.
    assert.ok(worst < 3, times.join('; '));
  });
});

describe('click simulator: the deepest voxel', () => {
  it('counts the voxels beyond a structure\'s bounding box as background, and only the scan\'s edge as unknown', () => {
    const dims: Vec3 = [20, 20, 20];
    const at = (x: number, y: number, z: number): number => x + 20 * (y + 20 * z);
    // A 7×7×7 cube that fills its own bounding box: its centre is the deepest voxel (4 voxels to the outside).
    const cube = new Uint8Array(8000);
    for (let z = 5; z < 12; z++) for (let y = 5; y < 12; y++) for (let x = 5; x < 12; x++) cube[at(x, y, z)] = 1;
    const d = deepestVoxel(cube, dims, [1, 1, 1])!;
    assert.deepEqual(toVec3(d.voxel, dims), [8, 8, 8]);
    assert.equal(d.depthMm, 4);
    // The same cube cut by the scan's first slice (z 0…6): beyond the edge is unknown, so the deepest voxel
    // lies on the edge slice, 4 voxels from the cube's sides.
    const cut = new Uint8Array(8000);
    for (let z = 0; z < 7; z++) for (let y = 5; y < 12; y++) for (let x = 5; x < 12; x++) cut[at(x, y, z)] = 1;
    const e = deepestVoxel(cut, dims, [1, 1, 1])!;
    assert.deepEqual(toVec3(e.voxel, dims).slice(0, 2), [8, 8]);
    assert.equal(e.depthMm, 4);
    assert.ok(toVec3(e.voxel, dims)[2] <= 3, `z ${toVec3(e.voxel, dims)[2]}`);
  });
});
