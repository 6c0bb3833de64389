import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExportError, collect, writeSeg } from '../src/index.js';
import type { LabelMap } from '../src/index.js';
import { DICOM, convert, dciodvfy, haveSharedData, python, readSegWithDcmjs, syntheticLabels, tallSeries, tempDir, writeRawLabels } from './helpers.js';
import type { Converted } from './helpers.js';

const ALG = { type: 'AUTOMATIC', engine: 'Vista3D CPU engine', model: 'cpu-rules', version: '1.1.0' } as const;

async function writeAndCheck(work: string, name: string, scan: Converted, labels: LabelMap): Promise<ReturnType<typeof writeSeg>['result']> {
  const { result, chunks } = writeSeg({ labels, source: scan.source, algorithm: ALG, provenance: { version: 'v1' }, chunkBytes: 256 * 1024 });
  const bytes = await collect(chunks);
  assert.equal(bytes.length, result.bytes);
  const file = join(work, `${name}.seg.dcm`);
  await writeFile(file, bytes);
  const v = await dciodvfy(file);
  assert.deepEqual(v.errors, [], `${name}: dciodvfy\n${v.output}`);
  const back = readSegWithDcmjs(bytes, labels);
  let diff = 0;
  for (let i = 0; i < back.labels.length; i++) if (back.labels[i] !== labels.data[i]) diff++;
  assert.equal(diff, 0, `${name}: dcmjs re-read differs in ${diff} voxels`);
  const [raw, meta] = await writeRawLabels(work, labels, name);
  const py = await python<{ frames: number; mismatches: number }>('check_seg.py', [file, raw, meta]);
  assert.equal(py.frames, result.frames);
  assert.equal(py.mismatches, 0, `${name}: pydicom re-read differs in ${py.mismatches} voxels`);
  return result;
}

describe('DICOM SEG writer', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  let philips: Converted;
  let dcmqi: Converted;
  before(async () => {
    work = await tempDir();
    philips = await convert(join(DICOM, 'philips_head_phantom_5mm'), join(work, 'philips'));
    dcmqi = await convert(join(DICOM, 'dcmqi_ct_3slice'), join(work, 'dcmqi'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  test('shared 28-slice Philips series: dciodvfy clean, dcmjs and pydicom give the voxels back exactly, frames on the source slices', async () => {
    const labels = syntheticLabels(philips.ct);
    const res = await writeAndCheck(work, 'philips', philips, labels);
    assert.equal(res.frameReference, 'same');
    assert.deepEqual(res.segments.map((s) => s.labelId), [1, 5, 14, 21]);
    const bytes = await readFile(join(work, 'philips.seg.dcm'));
    const text = bytes.toString('latin1');
    for (const sop of philips.source.slices.map((s) => s.sopInstanceUid)) assert.ok(text.includes(sop), `references ${sop}`);
    assert.ok(text.includes(philips.source.frameOfReferenceUid));
    assert.ok(text.includes('64033007') && text.includes('7771000') && text.includes('24028007'), 'kidney with laterality coded');
  });

  test('shared dcmqi 3-slice series with the hand-drawn labels (liver, spine, heart)', async () => {
    const { readNifti } = await import('@vista3d/volume');
    const ref = await readNifti(join(DICOM, 'dcmqi_ct_3slice_labels', 'liver_spine_heart_labels.nii.gz'));
    // the reference is LPS-stored; put it on the converted CT's grid through world coordinates
    const labels = syntheticLabels(dcmqi.ct);
    const [nx, ny, nz] = dcmqi.ct.dims;
    assert.deepEqual(ref.dims, dcmqi.ct.dims);
    const map: Record<number, number> = { 1: 1, 2: 146, 3: 115 };
    const flipY = Math.sign(ref.affine[1][1]) !== Math.sign(dcmqi.ct.affine[1][1]);
    const flipX = Math.sign(ref.affine[0][0]) !== Math.sign(dcmqi.ct.affine[0][0]);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const v = ref.data[(flipX ? nx - 1 - i : i) + nx * ((flipY ? ny - 1 - j : j) + ny * k)]!;
          labels.data[i + nx * (j + ny * k)] = v ? map[v]! : 0;
        }
    const res = await writeAndCheck(work, 'dcmqi', dcmqi, labels);
    assert.deepEqual(res.segments.map((s) => s.name), ['liver', 'heart', 'vertebrae']);
  });

  test('512×512×112 series built from the shared slices: exact round trip, bounded size', async () => {
    const tall = await convert(await tallSeries(join(work, 'tall-dicom', 'p1'), 4), join(work, 'tall'));
    assert.deepEqual(tall.ct.dims, [512, 512, 112]);
    const labels = syntheticLabels(tall.ct);
    const res = await writeAndCheck(work, 'tall', tall, labels);
    assert.equal(res.frameReference, 'same');
    assert.ok(res.frames <= 4 * 112);
  });

  test('resampled scan (tiny series, uneven gaps → even grid): frames reference the acquired slices around them and say so', async () => {
    const tiny = await convert(join(DICOM, 'tiny_ct_16x16x4'), join(work, 'tiny'));
    assert.ok(tiny.ct.dims[2] > 4);
    const labels = syntheticLabels(tiny.ct);
    const res = await writeAndCheck(work, 'tiny', tiny, labels);
    assert.equal(res.frameReference, 'resampled');
    const text = (await readFile(join(work, 'tiny.seg.dcm'))).toString('latin1');
    assert.match(text, /frame plane resampled between the referenced acquired slices/);
    assert.match(text, /frame is the referenced slice/); // acquired slices on the grid keep their own reference
  });

  test('odd-sized grid (13×11 crop): frames start mid-byte and still come back exactly', async () => {
    const full = syntheticLabels(dcmqi.ct);
    const [nx, ny, nz] = dcmqi.ct.dims;
    const [cx, cy, i0, j0] = [13, 11, 250, 250];
    const data = new Uint8Array(cx * cy * nz);
    for (let k = 0; k < nz; k++) for (let j = 0; j < cy; j++) for (let i = 0; i < cx; i++) data[i + cx * (j + cy * k)] = full.data[i0 + i + nx * (j0 + j + ny * k)]!;
    for (let v = 0; v < data.length; v += 7) data[v] = 1; // make every frame busy
    const a = dcmqi.ct.affine;
    const affine = a.map((row) => [...row]) as typeof a;
    for (let r = 0; r < 3; r++) affine[r]![3] = a[r]![0] * i0 + a[r]![1] * j0 + a[r]![3];
    const res = await writeAndCheck(work, 'odd', dcmqi, { dims: [cx, cy, nz], affine, data });
    assert.equal(res.frameReference, 'resampled'); // same planes, different pixel grid
  });

  test('bad input: empty map, unknown label, series without UIDs', () => {
    const empty: LabelMap = { ...syntheticLabels(dcmqi.ct), data: new Uint8Array(dcmqi.ct.data.length) };
    assert.throws(() => writeSeg({ labels: empty, source: dcmqi.source, algorithm: ALG }), (e: unknown) => e instanceof ExportError && e.code === 'EMPTY');
    const odd = syntheticLabels(dcmqi.ct);
    odd.data[0] = 130; // unused VISTA3D id
    assert.throws(() => writeSeg({ labels: odd, source: dcmqi.source, algorithm: ALG }), /label 130 is not a VISTA3D class/);
    const noUid = { ...dcmqi.source, seriesUidSource: 'fallback' as const };
    assert.throws(() => writeSeg({ labels: syntheticLabels(dcmqi.ct), source: noUid, algorithm: ALG }), (e: unknown) => e instanceof ExportError && e.code === 'NO_SOURCE');
  });
});
