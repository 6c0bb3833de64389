import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createVolumeLike, readNifti, writeNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import {
  StoreError,
  allLabelsPath,
  compareLabelMaps,
  compareVersions,
  currentVersionNumber,
  deleteScan,
  labelIntensityStats,
  listVersions,
  readLabelStats,
  saveEditedVersion,
  saveSegmentation,
  versionDir,
  versionStatistics,
  versionsDir,
  voxelsDir,
} from '../src/index.js';
import { CT, referenceDice, tempStoreRoot } from './helpers.js';

let root: string;
let seg: Volume<Uint8Array>;

before(async () => {
  ({ root, seg } = await tempStoreRoot('store-versions-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const isCode = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

describe('segmentation versions', () => {
  it('keeps an unversioned label map as version 1 and adds every save as a new immutable version', async () => {
    // a label map written before versions existed: all.nii.gz only
    await mkdir(voxelsDir(root, 'p1', 'ct'), { recursive: true });
    await writeNifti(allLabelsPath(root, 'p1', 'ct'), seg);
    let versions = await listVersions(root, 'p1', 'ct');
    assert.deepEqual(versions.map((v) => [v.version, v.source, v.stored, v.current]), [[1, 'file-tree', false, true]]);

    const edited = createVolumeLike(seg, 'uint8', new Uint8Array(seg.data));
    const liver = edited.data.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
    for (let i = 0; i < edited.data.length; i++) if (edited.data[i] === 1) edited.data[i] = 0;
    await saveSegmentation(root, 'p1', 'ct', edited, { provenance: { createdBy: 'dr-a', source: 'manual-edit', comment: 'liver removed' } });
    versions = await listVersions(root, 'p1', 'ct');
    assert.deepEqual(versions.map((v) => [v.version, v.source, v.stored, v.current, v.basedOn]), [[1, 'file-tree', true, false, null], [2, 'manual-edit', true, true, 1]]);
    assert.equal(versions[1]!.createdBy, 'dr-a');
    assert.equal(versions[1]!.comment, 'liver removed');
    assert.ok(!versions[1]!.labels.some((l) => l.id === 1));
    assert.equal(versions[1]!.file, 'p1/versions/ct/2/all.nii.gz');
    assert.equal(await currentVersionNumber(root, 'p1', 'ct'), 2);
    // the earlier layout stays the newest version
    assert.deepEqual(await readLabelStats(root, 'p1', 'ct'), versions[1]!.labels);
    const v1 = (await readNifti(join(versionDir(root, 'p1', 'ct', 1), 'all.nii.gz'))) as Volume<Uint8Array>;
    assert.equal(v1.data.reduce((n, v) => n + (v === 1 ? 1 : 0), 0), liver);

    const v2bytes = await readFile(join(versionDir(root, 'p1', 'ct', 2), 'all.nii.gz'));
    await saveSegmentation(root, 'p1', 'ct', seg, { provenance: { source: 'segment-job', jobId: 'job-1', engine: 'cpu', classes: ['liver'] } });
    versions = await listVersions(root, 'p1', 'ct');
    assert.deepEqual(versions.map((v) => v.version), [1, 2, 3]);
    assert.equal(versions[2]!.jobId, 'job-1');
    assert.equal(versions[2]!.createdBy, 'anonymous');
    assert.equal(versions[2]!.basedOn, 2);
    // version 2 was not touched by the save that replaced the current files
    assert.deepEqual(await readFile(join(versionDir(root, 'p1', 'ct', 2), 'all.nii.gz')), v2bytes);
    assert.deepEqual((await readdir(versionsDir(root, 'p1', 'ct'))).sort(), ['1', '2', '3']);
  });

  it('numbers concurrent saves without losing one', async () => {
    const before = (await listVersions(root, 'p1', 'ct')).length;
    await Promise.all([1, 2, 3].map((k) => saveSegmentation(root, 'p1', 'ct', seg, { provenance: { comment: `c${k}` } })));
    const versions = await listVersions(root, 'p1', 'ct');
    assert.equal(versions.length, before + 3);
    assert.deepEqual(versions.map((v) => v.version), versions.map((_, i) => i + 1));
    assert.equal(new Set(versions.slice(-3).map((v) => v.comment)).size, 3);
  });

  it('compares two versions with per-label Dice and volume difference', async () => {
    // version A: the reference; version B: liver shifted one voxel in x, spleen removed
    const a = seg;
    const b = createVolumeLike(seg, 'uint8', new Uint8Array(seg.data));
    const [nx] = seg.dims;
    for (let i = b.data.length - 1; i >= 0; i--) if (b.data[i] === 1) b.data[i] = 0;
    let liverA = 0;
    let liverB = 0;
    let overlap = 0;
    for (let i = 0; i < a.data.length; i++) {
      if (a.data[i] === 1) liverA++;
      if (a.data[i] === 1 && i % nx !== nx - 1) b.data[i + 1] = 1;
    }
    for (let i = 0; i < b.data.length; i++) if (b.data[i] === 3) b.data[i] = 0;
    for (let i = 0; i < a.data.length; i++) {
      if (b.data[i] === 1) liverB++;
      if (b.data[i] === 1 && a.data[i] === 1) overlap++;
    }
    await saveSegmentation(root, 'p1', 'ct', a);
    const va = (await listVersions(root, 'p1', 'ct')).at(-1)!.version;
    await saveSegmentation(root, 'p1', 'ct', b);
    const vb = va + 1;
    const cmp = await compareVersions(root, 'p1', 'ct', va, vb);
    const liver = cmp.labels.find((l) => l.id === 1)!;
    assert.equal(liver.voxelsA, liverA);
    assert.equal(liver.voxelsB, liverB);
    assert.equal(liver.overlap, overlap);
    assert.ok(Math.abs(liver.dice - (2 * overlap) / (liverA + liverB)) < 1e-6);
    const spleen = cmp.labels.find((l) => l.id === 3)!;
    assert.equal(spleen.dice, 0);
    assert.equal(spleen.voxelsB, 0);
    assert.ok(Math.abs(spleen.volumeDiffMl + spleen.volumeMlA) < 1e-3);
    // every label against a direct count (the shifted liver also took voxels of its neighbours)
    const dice = referenceDice(a.data, b.data);
    assert.deepEqual(cmp.labels.map((l) => l.id), [...dice.keys()]);
    for (const l of cmp.labels) {
      const expected = dice.get(l.id)!;
      assert.ok(Math.abs(l.dice - expected) < 1e-6, `label ${l.id}: ${l.dice} vs ${expected}`);
    }
    assert.ok(cmp.labels.some((l) => l.id !== 1 && l.id !== 3 && l.dice === 1), 'labels away from the liver are unchanged');
    await assert.rejects(compareVersions(root, 'p1', 'ct', va, 999), isCode('VERSION_NOT_FOUND'));
  });

  it('gives HU statistics per label of a version over the real CT', async () => {
    const versions = await listVersions(root, 'p1', 'ct');
    const stats = await versionStatistics(root, 'p1', 'ct', versions[0]!.version);
    const ct = await readNifti(CT);
    // recompute the liver's statistics directly
    let n = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < seg.data.length; i++) {
      if (seg.data[i] !== 1) continue;
      const hu = ct.data[i]! * (ct.scl.slope || 1) + ct.scl.inter;
      n++;
      sum += hu;
      min = Math.min(min, hu);
      max = Math.max(max, hu);
    }
    const liver = stats.labels.find((l) => l.id === 1)!;
    assert.equal(liver.voxels, n);
    assert.ok(Math.abs(liver.mean - sum / n) < 0.01);
    assert.equal(liver.min, min);
    assert.equal(liver.max, max);
    assert.ok(liver.mean > 20 && liver.mean < 90, `liver mean ${liver.mean} HU`);
  });

  it('computes exact statistics and Dice on a synthetic box', () => {
    const like = createVolumeLike({ ...seg, dims: [20, 20, 20], spacing: [2, 2, 2] }, 'uint8');
    const ct = createVolumeLike(like, 'int16');
    const lab = createVolumeLike(like, 'uint8');
    const other = createVolumeLike(like, 'uint8');
    for (let z = 0; z < 20; z++) for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) {
      const i = x + 20 * (y + 20 * z);
      const inBox = x >= 5 && x < 15 && y >= 5 && y < 15 && z >= 5 && z < 15; // 1000 voxels
      ct.data[i] = inBox ? (x % 2 === 0 ? 40 : 60) : -1000;
      if (inBox) lab.data[i] = 7;
      if (inBox && x < 10) other.data[i] = 7; // half of the box
    }
    const [s] = labelIntensityStats(lab as Volume<Uint8Array>, ct);
    assert.deepEqual({ ...s, name: undefined }, { id: 7, name: undefined, voxels: 1000, volumeMl: 8, mean: 50, sd: 10, min: 40, max: 60 });
    const [c] = compareLabelMaps(lab as Volume<Uint8Array>, other as Volume<Uint8Array>);
    assert.equal(c!.dice, Math.round(((2 * 500) / 1500) * 1e6) / 1e6);
    assert.equal(c!.volumeDiffMl, -4);
  });

  it('validates an edited label map against the CT grid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edited-'));
    try {
      const wrongDims = createVolumeLike({ ...seg, dims: [10, 10, 10] }, 'uint8');
      await writeNifti(join(dir, 'a.nii.gz'), wrongDims);
      await assert.rejects(saveEditedVersion(root, 'p1', 'ct', join(dir, 'a.nii.gz'), {}), isCode('GRID_MISMATCH'));
      const float = createVolumeLike(seg, 'int16');
      await writeNifti(join(dir, 'b.nii.gz'), float);
      await assert.rejects(saveEditedVersion(root, 'p1', 'ct', join(dir, 'b.nii.gz'), {}), isCode('INVALID_LABEL_MAP'));
      const big = createVolumeLike(seg, 'uint16');
      big.data[5] = 300;
      await writeNifti(join(dir, 'c.nii.gz'), big);
      await assert.rejects(saveEditedVersion(root, 'p1', 'ct', join(dir, 'c.nii.gz'), {}), isCode('INVALID_LABEL_MAP'));
      const shifted = createVolumeLike(seg, 'uint8');
      shifted.affine[0][3] += 5;
      await writeNifti(join(dir, 'd.nii.gz'), shifted);
      await assert.rejects(saveEditedVersion(root, 'p1', 'ct', join(dir, 'd.nii.gz'), {}), isCode('GRID_MISMATCH'));
      const count = (await listVersions(root, 'p1', 'ct')).length;
      const ok = createVolumeLike(seg, 'uint16');
      ok.data.set(seg.data);
      await writeNifti(join(dir, 'e.nii.gz'), ok);
      const saved = await saveEditedVersion(root, 'p1', 'ct', join(dir, 'e.nii.gz'), { createdBy: 'dr-b', source: 'manual-edit', basedOn: 2 });
      assert.equal(saved.version.version, count + 1);
      assert.equal(saved.version.basedOn, 2);
      assert.equal(saved.version.current, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('deletes the versions with the scan', async () => {
    await deleteScan(root, 'p1', 'ct');
    await assert.rejects(stat(versionsDir(root, 'p1', 'ct')));
    assert.deepEqual(await listVersions(root, 'p1', 'ct'), []);
  });
});
