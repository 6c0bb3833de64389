import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { affinesEqual, readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { convertDicomFolder, convertSeries, discoverDicom, discoverSeries, scanName } from '../src/index.js';
import { sidecarMetadata } from '../../store/src/sidecar.js';
import { DICOM, REFERENCE, SERIES, copySeries, haveSharedData, rewriteDicom, tempDir } from './helpers.js';

function huRange(v: Volume): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo * v.scl.slope + v.scl.inter, hi * v.scl.slope + v.scl.inter].sort((a, b) => a - b) as [number, number];
}

async function noTempLeft(dir: string): Promise<void> {
  const left = (await readdir(dir)).filter((f) => f.startsWith('.convert-') || f.includes('.tmp'));
  assert.deepEqual(left, [], `temporary files left in ${dir}`);
}

describe('@vista3d/dicom conversion of the real series', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let out: string;
  before(async () => {
    out = await tempDir();
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  test('discoverSeries finds the three CT series and flags the DICOM SEG', async () => {
    const series = await discoverSeries(DICOM);
    const ct = series.filter((s) => s.isImage);
    assert.deepEqual(ct.map((s) => s.patient).sort(), [SERIES.dcmqi, SERIES.philips, SERIES.tiny].sort());
    const seg = series.filter((s) => !s.isImage);
    assert.equal(seg.length, 1);
    assert.equal(seg[0]!.sopClassName, 'Segmentation Storage');
    const philips = ct.find((s) => s.patient === SERIES.philips)!;
    assert.equal(philips.sliceCount, 28);
    assert.equal(philips.rows, 512);
    assert.deepEqual(philips.pixelSpacing, [0.451171875, 0.451171875]);
    assert.equal(philips.sliceThickness, 5);
    assert.equal(philips.isLocalizer, false);
    assert.equal(philips.spacing?.uniform, true);
    assert.equal(philips.spacing?.median, 5);
    assert.equal(philips.description, 'STD BRAIN 5MM');
    const dcmqi = ct.find((s) => s.patient === SERIES.dcmqi)!;
    assert.equal(dcmqi.transferSyntaxUid, '1.2.840.10008.1.2');
    assert.deepEqual(dcmqi.rescaleIntercepts, [-1024]);
    const tiny = ct.find((s) => s.patient === SERIES.tiny)!;
    assert.equal(tiny.spacing?.uniform, false);
    assert.deepEqual(tiny.spacing?.gaps, [202.5, 1.25, 1.25]);
    assert.ok(tiny.warnings.some((w) => /inconsistent slice spacing/.test(w)));
    // files are sorted along the slice normal (geometry JSON order)
    const geo = JSON.parse(await readFile(join(REFERENCE, `${SERIES.tiny}_geometry.json`), 'utf8')) as {
      slices_sorted_by_position: Array<{ file: string }>;
    };
    assert.deepEqual(tiny.files.map((f) => f.split('/').pop()), geo.slices_sorted_by_position.map((s) => s.file));
  });

  for (const name of [SERIES.philips, SERIES.dcmqi, SERIES.tiny]) {
    test(`${name}: same grid, affine, HU range and voxels as native dcm2niix`, async () => {
      const [series] = await discoverSeries(join(DICOM, name));
      // the tiny series' uneven gaps are resampled by default; its raw stack is dcm2niix's
      const res = await convertSeries(series!, join(out, name), name === SERIES.tiny ? { geometry: 'raw' } : {});
      assert.equal(res.status, 'converted');
      const ours = await readNifti(res.niftiPath);
      const ref = await readNifti(join(REFERENCE, `${name}_dcm2niix.nii.gz`));
      assert.deepEqual(ours.dims, ref.dims);
      assert.deepEqual(ours.spacing, ref.spacing);
      assert.ok(affinesEqual(ours.affine, ref.affine, 1e-4), 'affine');
      assert.equal(ours.datatype, ref.datatype);
      assert.deepEqual(huRange(ours), huRange(ref));
      assert.deepEqual(res.huRange, huRange(ref));
      assert.deepEqual(res.rescale, { slope: 1, intercept: -1024 });
      assert.deepEqual(res.dicomRescale, { slope: 1, intercept: -1024 });
      assert.ok(Buffer.from(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength).equals(
        Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength)), 'voxels identical');
      const sidecar = JSON.parse(await readFile(res.sidecarPath, 'utf8')) as Record<string, unknown> & { Vista3D: { seriesInstanceUid: string } };
      assert.equal(sidecar.Modality, 'CT');
      assert.equal(sidecar.Vista3D.seriesInstanceUid, series!.seriesUid);
      // the study/series facts dcm2niix leaves out, for the scan cards (read back by @vista3d/store)
      const facts = sidecarMetadata(sidecar).metadata;
      assert.equal(facts.modality, 'CT');
      assert.equal(facts.seriesNumber ?? null, series!.seriesNumber);
      assert.equal(facts.sliceThickness ?? null, series!.sliceThickness);
      if (series!.studyDate) assert.match(facts.studyDate ?? '', /^\d{4}-\d{2}-\d{2}$/);
      await noTempLeft(join(out, name));
      if (name === SERIES.tiny) {
        // raw geometry: the acquired slices are kept, dcm2niix's interpolated _Eq_1 variant is discarded
        assert.deepEqual(res.discardedVariants, [`${res.scan}_Eq_1.nii`]);
        assert.ok(res.warnings.some((w) => /inconsistent slice spacing/.test(w)));
        assert.deepEqual(await readdir(join(out, name)), [`${res.scan}.json`, `${res.scan}.nii.gz`]);
      }
    });
  }

  test('scan names are deterministic and safe', () => {
    assert.equal(scanName({ seriesNumber: 2010, description: 'STD BRAIN 5MM', modality: 'CT', seriesUid: '1.2' }), '2010_std_brain_5mm');
    assert.equal(scanName({ seriesNumber: 3, description: '../../etc/passwd', modality: 'CT', seriesUid: '1.2' }), '3_etc_passwd');
    assert.equal(scanName({ seriesNumber: 2, description: '', modality: 'CT', seriesUid: '1.2' }), '2_ct');
    assert.match(scanName({ seriesNumber: null, description: 'Über Kopf', modality: 'CT', seriesUid: '1.2' }), /^uber_kopf_[0-9a-f]{8}$/);
  });
});

describe('@vista3d/dicom batch robustness', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  before(async () => {
    work = await tempDir();
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('truncated slice, garbage .dcm and stray files are reported per file; the batch goes on', async () => {
    const dicom = join(work, 'bad-dicom');
    const dir = await copySeries(SERIES.dcmqi, dicom, 'patA', 'study1', 'series2');
    await copySeries(SERIES.tiny, dicom, 'patB', 'deep', 'er', 'folder');
    await truncate(join(dir, '02.dcm'), 100_000);
    await writeFile(join(dir, 'garbage.dcm'), Buffer.alloc(4096, 0x41));
    await writeFile(join(dir, 'tiny.dcm'), 'x');
    await writeFile(join(dicom, 'patB', 'notes'), 'free text without an extension');
    const found = await discoverDicom(dicom);
    assert.deepEqual(found.errors.map((e) => e.file.split('/').pop()).sort(), ['garbage.dcm', 'notes', 'tiny.dcm']);
    assert.ok(found.errors.every((e) => e.message.length > 0));
    const a = found.series.find((s) => s.patient === 'patA')!;
    assert.equal(a.sliceCount, 2);
    assert.ok(a.errors.some((e) => e.file.endsWith('02.dcm') && /truncated/.test(e.message)));
    assert.ok(a.errors.some((e) => e.file.endsWith('garbage.dcm')));

    const out = join(work, 'out-bad');
    const report = await convertDicomFolder(dicom, out, { layout: 'patient', minSlices: 2 });
    assert.deepEqual(report.failed, []);
    assert.equal(report.converted.length, 2);
    const convA = report.converted.find((c) => c.patient === 'patA')!;
    assert.deepEqual(convA.dims, [512, 512, 2]);
    assert.equal(convA.niftiPath, join(out, 'patA', 'nifti', '2_ct.nii.gz'));
    assert.equal(report.fileErrors.length, 3);
    // default minSlices (3): the two remaining slices are not enough
    const strict = await convertDicomFolder(dicom, join(work, 'out-strict'), { layout: 'patient' });
    assert.ok(strict.skipped.some((s) => s.series.patient === 'patA' && /fewer than 3/.test(s.reason)));
  });

  test('localizers and non-CT objects are skipped', async () => {
    const dicom = join(work, 'loc');
    const dir = await copySeries(SERIES.tiny, dicom, 'p', 'scout');
    await copySeries(SERIES.tiny, dicom, 'p', 'axial');
    for (const f of await readdir(dir)) {
      await rewriteDicom(join(dir, f), {
        '00080008': ['ORIGINAL', 'PRIMARY', 'LOCALIZER'],
        '0020000E': ['1.2.826.0.1.3680043.8.498.1'],
      });
    }
    await copySeries('dcmqi_ct_3slice_labels', dicom, 'p', 'seg');
    const report = await convertDicomFolder(dicom, join(work, 'loc-out'));
    assert.equal(report.converted.length, 1);
    const reasons = report.skipped.map((s) => s.reason).sort();
    assert.deepEqual(reasons, ['localizer/scout', 'not an image series (Segmentation Storage)']);
  });

  test('up-to-date outputs are skipped, force and touched inputs reconvert', async () => {
    const dicom = join(work, 'uptodate');
    const dir = await copySeries(SERIES.tiny, dicom, 'p');
    const out = join(work, 'uptodate-out');
    const first = await convertDicomFolder(dicom, out);
    assert.equal(first.converted.length, 1);
    const nii = first.converted[0]!.niftiPath;
    const m1 = (await stat(nii)).mtimeMs;
    const second = await convertDicomFolder(dicom, out);
    assert.equal(second.converted.length, 0);
    assert.equal(second.skipped[0]!.reason, 'up to date');
    assert.equal((await stat(nii)).mtimeMs, m1);
    const forced = await convertDicomFolder(dicom, out, { force: true });
    assert.equal(forced.converted.length, 1);
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, '7136'), later, later);
    const touched = await convertDicomFolder(dicom, out);
    assert.equal(touched.converted.length, 1);
    await noTempLeft(out);
  });

  test('a failing dcm2niix run leaves the previous output intact and no partial files', async () => {
    const dicom = join(work, 'fail');
    const dir = await copySeries(SERIES.dcmqi, dicom, 'p');
    const out = join(work, 'fail-out');
    const [series] = await discoverSeries(dicom);
    const good = await convertSeries(series!, out);
    const before = await readFile(good.niftiPath);
    // the files change under us after discovery: dcm2niix refuses the truncated pixel data
    for (const f of await readdir(dir)) await truncate(join(dir, f), 300_000);
    await assert.rejects(convertSeries(series!, out, { force: true }), /dcm2niix failed/);
    assert.ok((await readFile(good.niftiPath)).equals(before));
    assert.deepEqual((await readdir(out)).sort(), ['2_ct.json', '2_ct.nii.gz']);
    // a fresh output folder gets nothing at all
    const fresh = join(work, 'fail-fresh');
    const report = await convertDicomFolder(dicom, fresh, { minSlices: 1 });
    assert.equal(report.converted.length, 0);
    assert.ok(report.skipped.length + report.failed.length >= 1);
    const left = await readdir(fresh).catch(() => []);
    assert.deepEqual(left.filter((f) => f.endsWith('.nii.gz') || f.startsWith('.convert-')), []);
  });
});
