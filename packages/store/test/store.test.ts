import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createVolumeLike, readNifti, voxelVolumeMl } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import {
  StoreError,
  allLabelsPath,
  deletePatient,
  deleteScan,
  interactivePath,
  labelPath,
  labelStats,
  listPatients,
  listScans,
  meshesDir,
  mergeLabelMask,
  niftiPath,
  outputPathProblem,
  readLabelStats,
  saveSegmentation,
  scanIdFromFile,
  validateName,
  voxelsDir,
} from '../src/index.js';
import { CT, tempStoreRoot } from './helpers.js';

let root: string;
let seg: Volume;

before(async () => {
  ({ root, seg } = await tempStoreRoot('store-'));
  await writeFile(join(root, 'p1', 'nifti', 'ct.json'), '{}');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('names and paths', () => {
  it('accepts ordinary ids and rejects unsafe ones', () => {
    for (const ok of ['PAT001', 'patient 1', 'a-b_c.d', 'ÄÖ']) assert.equal(validateName(ok), ok);
    for (const bad of ['', '..', '.hidden', 'a/b', 'a\\b', 'a..b', 'x'.repeat(129), 'a\0b', ' lead', 'c:d']) {
      assert.throws(() => validateName(bad), (e: unknown) => e instanceof StoreError && e.code === 'INVALID_NAME', bad);
    }
  });
  it('builds the earlier platform layout', () => {
    assert.equal(niftiPath('/o', 'p', 's'), '/o/p/nifti/s.nii.gz');
    assert.equal(allLabelsPath('/o', 'p', 's'), '/o/p/voxels/s/all.nii.gz');
    assert.equal(labelPath('/o', 'p', 's', 'left kidney'), '/o/p/voxels/s/left_kidney.nii.gz');
    assert.equal(interactivePath('/o', 'p', 's', 'liver'), '/o/p/voxels/s/interactive_liver.nii.gz');
    assert.equal(meshesDir('/o', 'p', 's'), '/o/p/meshes/s');
    assert.throws(() => niftiPath('/o', '../etc', 's'), StoreError);
    assert.equal(scanIdFromFile('a.b.nii.gz'), 'a.b');
    assert.equal(scanIdFromFile('x.NII'), 'x');
    assert.equal(scanIdFromFile('x.json'), null);
  });
  it('outputPathProblem applies the id rule to the ids inside an OUTPUT_FOLDER path', () => {
    const long = 'x'.repeat(128);
    for (const ok of [[], [long], [long, 'nifti', `${long}.nii.gz`], ['p', 'nifti', 'a.b.json'], ['p', 'voxels', long, 'all.nii.gz'], ['p', 'archive', '.x'], ['p', 'nifti']]) {
      assert.equal(outputPathProblem(ok), null, ok.join('/'));
    }
    const bad: Array<[string[], RegExp]> = [
      [['x'.repeat(129)], /invalid patient id .*longer than 128/],
      [['.jobs.json'], /invalid patient id .*dot/],
      [['p', 'nifti', `${'s'.repeat(129)}.nii.gz`], /invalid scan id/],
      [['p', 'nifti', ' s.json'], /invalid scan id .*whitespace/],
      [['p', 'meshes', 'a:b', 'm.glb'], /invalid scan id/],
      [['p', 'versions', '..x', '1'], /invalid scan id/],
    ];
    for (const [segments, why] of bad) assert.match(outputPathProblem(segments) ?? '', why, segments.join('/'));
  });
});

describe('segmentations', () => {
  it('computes label stats with volumes in ml', () => {
    const stats = labelStats(seg);
    assert.ok(stats.length > 20);
    const liver = stats.find((s) => s.id === 1);
    assert.ok(liver);
    assert.equal(liver.name, 'liver');
    assert.equal(liver.file, 'liver.nii.gz');
    assert.equal(liver.color.length, 3);
    let count = 0;
    for (const v of seg.data) if (v === 1) count++;
    assert.equal(liver.voxels, count);
    assert.ok(Math.abs(liver.volumeMl - count * voxelVolumeMl(seg)) < 0.01);
    assert.deepEqual(stats.map((s) => s.id), [...stats.map((s) => s.id)].sort((a, b) => a - b));
  });

  it('saves all.nii.gz, per-label binary files and labels.json', async () => {
    const stats = await saveSegmentation(root, 'p1', 'ct', seg);
    const dir = voxelsDir(root, 'p1', 'ct');
    const files = (await readdir(dir)).sort();
    assert.ok(files.includes('all.nii.gz'));
    assert.ok(files.includes('labels.json'));
    assert.equal(files.length, stats.length + 2);
    const all = await readNifti(join(dir, 'all.nii.gz'));
    assert.deepEqual(all.dims, seg.dims);
    assert.deepEqual([...all.data], [...seg.data]);
    const kidney = stats.find((s) => s.name === 'left kidney');
    assert.ok(kidney);
    const mask = await readNifti(labelPath(root, 'p1', 'ct', 'left kidney'));
    assert.equal(mask.datatype, 'uint8');
    let ones = 0;
    for (const v of mask.data) {
      assert.ok(v === 0 || v === 1);
      ones += v;
    }
    assert.equal(ones, kidney.voxels);
    assert.deepEqual(await readLabelStats(root, 'p1', 'ct'), stats);
    const leftovers = (await readdir(join(root, 'p1', 'voxels'))).filter((n) => n.startsWith('.'));
    assert.deepEqual(leftovers, []);
  });

  it('replaces an older segmentation completely (no stale per-label files)', async () => {
    const only = createVolumeLike(seg, 'uint8');
    only.data[0] = 5;
    only.data[1] = 5;
    const stats = await saveSegmentation(root, 'p1', 'ct', only);
    assert.deepEqual(stats.map((s) => [s.id, s.voxels]), [[5, 2]]);
    assert.deepEqual((await readdir(voxelsDir(root, 'p1', 'ct'))).sort(), ['all.nii.gz', 'labels.json', 'right_kidney.nii.gz'].sort());
    await saveSegmentation(root, 'p1', 'ct', seg);
  });

  it('leaves the previous segmentation untouched when aborted', async () => {
    const before = await readFile(allLabelsPath(root, 'p1', 'ct'));
    const ac = new AbortController();
    ac.abort();
    const other = createVolumeLike(seg, 'uint8');
    other.data[3] = 2;
    await assert.rejects(saveSegmentation(root, 'p1', 'ct', other, { signal: ac.signal }));
    assert.deepEqual(await readFile(allLabelsPath(root, 'p1', 'ct')), before);
    const leftovers = (await readdir(join(root, 'p1', 'voxels'))).filter((n) => n.startsWith('.'));
    assert.deepEqual(leftovers, []);
  });

  it('merges a mask as one label (clearing its old voxels)', async () => {
    const mask = createVolumeLike(seg, 'uint8');
    mask.data[10] = 1;
    mask.data[11] = 1;
    const stats = await mergeLabelMask(root, 'p1', 'ct', mask, 1);
    assert.equal(stats.find((s) => s.id === 1)?.voxels, 2);
    const all = await readNifti(allLabelsPath(root, 'p1', 'ct'));
    assert.equal(all.data[10], 1);
    const wrong = createVolumeLike({ ...seg, dims: [2, 2, 2] }, 'uint8');
    await assert.rejects(mergeLabelMask(root, 'p1', 'ct', wrong, 1), (e: unknown) => e instanceof StoreError && e.code === 'GRID_MISMATCH');
    await saveSegmentation(root, 'p1', 'ct', seg);
  });
});

describe('listing and deleting', () => {
  it('lists patients and scans with header info, segmentation and meshes', async () => {
    await mkdir(meshesDir(root, 'p1', 'ct'), { recursive: true });
    await writeFile(join(meshesDir(root, 'p1', 'ct'), 'liver.glb'), 'glTF');
    await writeFile(join(meshesDir(root, 'p1', 'ct'), 'label_5.stl'), 'solid');
    await mkdir(join(root, '.hidden'), { recursive: true });
    await mkdir(join(root, 'p2', 'nifti'), { recursive: true });
    await writeFile(join(root, 'p2', 'nifti', 'broken.nii.gz'), 'nope');
    const patients = await listPatients(root);
    assert.deepEqual(patients, [
      { id: 'p1', scans: 1, segmentations: 1 },
      { id: 'p2', scans: 1, segmentations: 0 },
    ]);
    const [scan] = await listScans(root, 'p1');
    assert.equal(scan.id, 'ct');
    assert.equal(scan.file, 'ct.nii.gz');
    assert.deepEqual(scan.dims, [122, 101, 30]);
    assert.deepEqual(scan.spacing, [3, 3, 3]);
    assert.equal(scan.datatype, 'int16');
    assert.equal(scan.orientation, 'RAS');
    assert.equal(scan.sizeBytes, (await stat(CT)).size);
    assert.ok(scan.segmentation && scan.segmentation.labels.length > 20);
    assert.deepEqual(scan.meshes.map((m) => [m.file, m.format, m.labelId]), [
      ['label_5.stl', 'stl', 5],
      ['liver.glb', 'glb', 1],
    ]);
    const [broken] = await listScans(root, 'p2');
    assert.equal(broken.dims, null);
    assert.match(broken.error ?? '', /gzip|NIfTI|short/i);
    await assert.rejects(listScans(root, 'nobody'), (e: unknown) => e instanceof StoreError && e.code === 'PATIENT_NOT_FOUND');
  });

  it('deletes a scan and a patient', async () => {
    await assert.rejects(deleteScan(root, 'p1', 'nope'), (e: unknown) => e instanceof StoreError && e.code === 'SCAN_NOT_FOUND');
    await deleteScan(root, 'p1', 'ct');
    assert.deepEqual(await readdir(join(root, 'p1', 'nifti')), []);
    await assert.rejects(stat(voxelsDir(root, 'p1', 'ct')));
    await assert.rejects(stat(meshesDir(root, 'p1', 'ct')));
    await deletePatient(root, 'p2');
    assert.deepEqual((await listPatients(root)).map((p) => p.id), ['p1']);
    await assert.rejects(deletePatient(root, 'p2'), StoreError);
  });
});
