import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isoDate, readSidecar, sidecarMetadata } from '../src/sidecar.js';

test('sidecar metadata: dcm2niix BIDS fields and our Vista3D stamp, odd values dropped', () => {
  const s = sidecarMetadata({
    Modality: 'CT', SeriesDescription: 'STD BRAIN 5MM', SeriesNumber: 201, ConvolutionKernel: 'UB', ProtocolName: 'HEAD', BodyPartExamined: 'BRAIN',
    Manufacturer: 'Philips', ManufacturersModelName: 'Ingenuity CT', KVP: '120', SliceThickness: 'thick', AcquisitionDateTime: '2021-03-04T09:29:21',
    ConversionSoftware: 'dcm2niix', ConversionSoftwareVersion: 'v1.0.20220720',
    Vista3D: { series: { studyDate: '20210305', studyDescription: 'CT HEAD', sliceThickness: 5 }, warnings: ['gaps resampled', 3] },
  });
  assert.deepEqual(s.warnings, ['gaps resampled']);
  assert.deepEqual(s.metadata, {
    modality: 'CT', studyDate: '2021-03-05', studyDescription: 'CT HEAD', seriesDescription: 'STD BRAIN 5MM', seriesNumber: 201, protocolName: 'HEAD',
    bodyPart: 'BRAIN', sliceThickness: 5, kernel: 'UB', manufacturer: 'Philips', model: 'Ingenuity CT', kvp: 120, convertedWith: 'dcm2niix v1.0.20220720',
  });
  assert.equal(sidecarMetadata({ AcquisitionDateTime: '2021-03-04T09:29:21' }).metadata.studyDate, '2021-03-04');
  assert.equal(isoDate('not a date'), undefined);
});

test('readSidecar: absent or broken sidecar → nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'v3d-sidecar-'));
  try {
    assert.deepEqual(await readSidecar(join(dir, 'ct.nii.gz')), { warnings: [], metadata: {} });
    await writeFile(join(dir, 'ct.json'), '{broken');
    assert.deepEqual(await readSidecar(join(dir, 'ct.nii.gz')), { warnings: [], metadata: {} });
    await writeFile(join(dir, 'ct.json'), JSON.stringify({ Modality: 'CT' }));
    assert.deepEqual(await readSidecar(join(dir, 'ct.nii.gz')), { warnings: [], metadata: { modality: 'CT' } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
