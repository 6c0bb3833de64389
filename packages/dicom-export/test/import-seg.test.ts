import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readNifti } from '@vista3d/volume';
import { ExportError, collect, readSegOnGrid, writeSeg } from '../src/index.js';
import { DICOM, convert, haveSharedData, syntheticLabels, tempDir } from './helpers.js';
import type { Converted } from './helpers.js';

describe('DICOM SEG import', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  let dcmqi: Converted;
  before(async () => {
    work = await tempDir();
    dcmqi = await convert(join(DICOM, 'dcmqi_ct_3slice'), join(work, 'dcmqi'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  test("the shared dcmqi liver SEG (another writer) lands on the converted scan's grid = the reference liver", async () => {
    const bytes = new Uint8Array(await readFile(join(DICOM, 'dcmqi_ct_3slice_labels', 'liver.dcm')));
    const got = readSegOnGrid(bytes, dcmqi.ct);
    assert.equal(got.segments.length, 1);
    assert.equal(got.segments[0]!.labelId, 1); // coded as Liver
    assert.equal(got.frameOfReferenceUid, dcmqi.source.frameOfReferenceUid);
    const ref = await readNifti(join(DICOM, 'dcmqi_ct_3slice_labels', 'liver_spine_heart_labels.nii.gz'));
    // the reference is stored LPS, the scan LAS: compare through the flipped axes
    const [nx, ny, nz] = dcmqi.ct.dims;
    const flipX = Math.sign(ref.affine[0][0]) !== Math.sign(dcmqi.ct.affine[0][0]);
    const flipY = Math.sign(ref.affine[1][1]) !== Math.sign(dcmqi.ct.affine[1][1]);
    let inter = 0;
    let a = 0;
    let b = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const x = got.data[i + nx * (j + ny * k)] === 1;
          const y = ref.data[(flipX ? nx - 1 - i : i) + nx * ((flipY ? ny - 1 - j : j) + ny * k)] === 1;
          if (x) a++;
          if (y) b++;
          if (x && y) inter++;
        }
    assert.ok((2 * inter) / (a + b) > 0.99, `Dice ${(2 * inter) / (a + b)} (${a} vs ${b} voxels)`);
  });

  test('our own SEG round-trips exactly; other files are refused with a clear error', async () => {
    const labels = syntheticLabels(dcmqi.ct);
    const bytes = await collect(writeSeg({ labels, source: dcmqi.source, algorithm: { type: 'MANUAL', engine: 'editor', version: '1' } }).chunks);
    const got = readSegOnGrid(bytes, dcmqi.ct);
    assert.deepEqual([...got.data], [...(labels.data as Uint8Array)]);
    const ct = new Uint8Array(await readFile(join(DICOM, 'dcmqi_ct_3slice', '01.dcm')));
    assert.throws(() => readSegOnGrid(ct, dcmqi.ct), (e: unknown) => e instanceof ExportError && /not a DICOM SEG/.test(e.message));
    assert.throws(() => readSegOnGrid(new Uint8Array(300), dcmqi.ct), /not a readable DICOM file|not a DICOM SEG/);
  });
});
