import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readNifti } from '@vista3d/volume';
import { convertDicomFolder, discoverSeries, importStudy, searchStudies, storeFiles } from '../src/index.js';
import { DICOM, SERIES, haveSharedData, tempDir } from './helpers.js';
import { startOrthanc } from './orthanc.js';
import type { RunningOrthanc } from './orthanc.js';

describe('DICOMweb round trip through a real Orthanc', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let orthanc: RunningOrthanc;
  let work: string;
  before(async () => {
    work = await tempDir();
    orthanc = await startOrthanc(join(work, 'orthanc'));
  });
  after(async () => {
    await orthanc?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('STOW-RS upload, QIDO-RS search, WADO-RS import, conversion equals the direct conversion', async () => {
    const src = join(DICOM, SERIES.dcmqi);
    const [series] = await discoverSeries(src);
    await storeFiles(orthanc.dicomWebUrl, series!.files);
    // a second series (other study) so that the search has something to tell apart
    const [tiny] = await discoverSeries(join(DICOM, SERIES.tiny));
    await storeFiles(orthanc.dicomWebUrl, tiny!.files);

    const all = await searchStudies(orthanc.dicomWebUrl);
    assert.equal(all.length, 2);
    const hits = await searchStudies(orthanc.dicomWebUrl, { StudyInstanceUID: series!.studyUid });
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.studyUid, series!.studyUid);
    assert.equal(hits[0]!.patientName, 'JANCT000');

    const dicomDir = join(work, 'dicom');
    const imported = await importStudy(orthanc.dicomWebUrl, series!.studyUid, dicomDir, { patient: 'janct' });
    assert.deepEqual(imported.errors, []);
    assert.equal(imported.written, 3);
    assert.equal(imported.series.length, 1);
    const files = await readdir(join(dicomDir, 'janct', series!.studyUid, series!.seriesUid));
    assert.equal(files.filter((f) => f.endsWith('.dcm')).length, 3);
    // again: everything is already there
    const again = await importStudy(orthanc.dicomWebUrl, series!.studyUid, dicomDir, { patient: 'janct' });
    assert.equal(again.existing, 3);
    assert.equal(again.written, 0);

    const viaWeb = await convertDicomFolder(dicomDir, join(work, 'out-web'), { layout: 'patient' });
    const direct = await convertDicomFolder(src, join(work, 'out-direct'));
    assert.equal(viaWeb.converted.length, 1);
    assert.equal(direct.converted.length, 1);
    const a = await readNifti(viaWeb.converted[0]!.niftiPath);
    const b = await readNifti(direct.converted[0]!.niftiPath);
    assert.equal(viaWeb.converted[0]!.niftiPath, join(work, 'out-web', 'janct', 'nifti', '2_ct.nii.gz'));
    assert.deepEqual(a.dims, b.dims);
    assert.deepEqual(a.affine, b.affine);
    assert.deepEqual(a.scl, b.scl);
    assert.ok(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)));
  });

  test('unknown study and bad UIDs are clear errors', async () => {
    await assert.rejects(importStudy(orthanc.dicomWebUrl, '1.2.3.4.5', join(work, 'x')), /not found|HTTP/);
    await assert.rejects(importStudy(orthanc.dicomWebUrl, '../../etc', join(work, 'x')), /invalid StudyInstanceUID/);
  });
});
