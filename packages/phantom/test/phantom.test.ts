import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertSeries, discoverSeries } from '@vista3d/dicom';
import { affinesEqual, readNifti } from '@vista3d/volume';
import { TISSUE_HU, tissueAt, writePhantomStudy } from '../src/index.js';
import type { PhantomStudy } from '../src/index.js';

describe('@vista3d/phantom torso study (512×512×112)', () => {
  let work: string;
  let study: PhantomStudy;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vista3d-phantom-'));
    study = await writePhantomStudy({ dicomDir: join(work, 'dicom', 'phantom'), niftiPath: join(work, 'phantom.nii.gz') });
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the DICOM series is read by our discovery and converts voxel-identically to the NIfTI', async () => {
    assert.equal((await readdir(join(work, 'dicom', 'phantom'))).length, 112);
    const [series] = await discoverSeries(join(work, 'dicom', 'phantom'));
    assert.ok(series);
    assert.equal(series.modality, 'CT');
    assert.equal(series.sliceCount, 112);
    assert.equal(series.seriesUid, study.seriesInstanceUid);
    assert.equal(series.spacing?.uniform, true);
    assert.deepEqual(series.warnings, []);
    const res = await convertSeries(series, join(work, 'out'));
    assert.equal(res.status, 'converted');
    assert.equal(res.geometry?.resampled, false);
    const converted = await readNifti(res.niftiPath);
    const ours = await readNifti(join(work, 'phantom.nii.gz'));
    assert.deepEqual(converted.dims, [512, 512, 112]);
    assert.deepEqual(ours.dims, converted.dims);
    assert.ok(affinesEqual(ours.affine, converted.affine, 1e-3), `${JSON.stringify(ours.affine)} vs ${JSON.stringify(converted.affine)}`);
    const hu = (v: typeof ours, q: number): number => v.data[q]! * v.scl.slope + v.scl.inter;
    let diff = 0;
    for (let q = 0; q < ours.data.length; q += 7) if (hu(ours, q) !== hu(converted, q)) diff++;
    assert.equal(diff, 0, 'voxel-identical (every 7th voxel)');
  });

  test('tissues have their HU, distinct organs, and CT-like noise', () => {
    const p = study.phantom;
    const n = p.size;
    // sample the noisy volume where the noise-free phantom has one tissue; check mean and spread
    const stats = new Map<number, { sum: number; sq: number; n: number }>();
    const fov = (n / 2) * p.pixelSpacing;
    for (let k = 0; k < p.slices; k += 3) {
      for (let j = 0; j < n; j += 3) {
        for (let i = 0; i < n; i += 3) {
          const t = tissueAt(p.origin[0] + i * p.pixelSpacing, p.origin[1] + j * p.pixelSpacing, p.origin[2] + k * p.sliceSpacing, fov);
          const v = p.hu[(k * n + j) * n + i]!;
          const s = stats.get(t) ?? { sum: 0, sq: 0, n: 0 };
          s.sum += v;
          s.sq += v * v;
          s.n++;
          stats.set(t, s);
        }
      }
    }
    const want = ['lung', 'fat', 'muscle', 'liver', 'spleen', 'kidney', 'heart', 'blood', 'cancellous', 'cortical', 'rib', 'bowel', 'skin', 'csf', 'disc', 'sternum'] as const;
    for (const name of want) {
      const s = stats.get(TISSUE_HU[name]);
      assert.ok(s && s.n > 20, `${name} present (${s?.n ?? 0} samples)`);
      const mean = s.sum / s.n;
      const sd = Math.sqrt(s.sq / s.n - mean * mean);
      assert.ok(Math.abs(mean - TISSUE_HU[name]) < 3, `${name}: mean ${mean.toFixed(1)} HU, expected ${TISSUE_HU[name]}`);
      assert.ok(sd > 9 && sd < 15, `${name}: noise SD ${sd.toFixed(1)} HU`);
    }
    // airway: air inside the body (trachea/bronchi, bowel gas, stomach air cap)
    const inner = tissueAt(0, -5, 250, fov);
    assert.equal(inner, TISSUE_HU.air, 'trachea is air');
    assert.equal(tissueAt(-78, 8, 218, fov), TISSUE_HU.lung, 'right lung');
    assert.equal(tissueAt(-68, -5, 100, fov), TISSUE_HU.liver, 'liver on the patient\'s right');
    assert.equal(tissueAt(240, 240, 100, fov), TISSUE_HU.outsideFov, 'outside the scan circle');
  });
});
