import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import dicomParser from 'dicom-parser';
import { readNifti, worldToVoxel } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { convertSeries, discoverSeries } from '../src/index.js';
import { SERIES, copySeries, haveSharedData, rewriteDicom, tempDir } from './helpers.js';

interface Slice {
  ipp: [number, number, number];
  hu: Float64Array;
}

/** Decoded HU and position of an uncompressed DICOM slice (independent of the converter). */
async function readSlice(file: string): Promise<Slice> {
  const ds = dicomParser.parseDicom(new Uint8Array(await readFile(file)));
  const rows = ds.uint16('x00280010')!;
  const cols = ds.uint16('x00280011')!;
  const px = ds.elements.x7fe00010!;
  const signed = ds.uint16('x00280103') === 1;
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + px.dataOffset, rows * cols * 2);
  const slope = Number(ds.string('x00281053') ?? 1);
  const inter = Number(ds.string('x00281052') ?? 0);
  const hu = new Float64Array(rows * cols);
  for (let q = 0; q < hu.length; q++) hu[q] = (signed ? view.getInt16(q * 2, true) : view.getUint16(q * 2, true)) * slope + inter;
  const ipp = ds.string('x00200032')!.split('\\').map(Number) as [number, number, number];
  return { ipp, hu };
}

/** HU of `vol` at fractional voxel coordinates (trilinear; null outside). */
function sample(vol: Volume, v: [number, number, number]): number | null {
  const [nx, ny, nz] = vol.dims;
  const i0 = Math.floor(v[0]);
  const j0 = Math.floor(v[1]);
  const k0 = Math.round(v[2]); // on a slice plane (checked separately)
  if (i0 < 0 || j0 < 0 || k0 < 0 || i0 + 1 >= nx || j0 + 1 >= ny || k0 >= nz) return null;
  const fi = v[0] - i0;
  const fj = v[1] - j0;
  let s = 0;
  for (const [di, wi] of [[0, 1 - fi], [1, fi]] as const) {
    for (const [dj, wj] of [[0, 1 - fj], [1, fj]] as const) s += wi * wj * vol.data[i0 + di + nx * (j0 + dj + ny * k0)]!;
  }
  return s * vol.scl.slope + vol.scl.inter;
}

const lpsToRas = (p: [number, number, number]): [number, number, number] => [-p[0], -p[1], p[2]];

/**
 * For every acquired slice: its ImagePositionPatient lands on an output slice plane (integer k),
 * and the output sampled at the world position of each (sub-sampled) DICOM pixel reproduces the
 * pixel's HU. Returns the worst plane offset and the mean |ΔHU| over the phantom.
 */
function checkAgainstSlices(vol: Volume, slices: Slice[], row: number[], col: number[], spacing: number): { maxDk: number; meanDiff: number; n: number } {
  let maxDk = 0;
  let diff = 0;
  let n = 0;
  for (const s of slices) {
    const v0 = worldToVoxel(vol.affine, ...lpsToRas(s.ipp));
    maxDk = Math.max(maxDk, Math.abs(v0[2] - Math.round(v0[2])));
    for (let r = 8; r < 512; r += 16) {
      for (let c = 8; c < 512; c += 16) {
        const hu = s.hu[r * 512 + c]!;
        if (hu < -900) continue; // air: says nothing about alignment
        const p: [number, number, number] = [0, 1, 2].map((x) => s.ipp[x]! + c * spacing * row[x]! + r * spacing * col[x]!) as [number, number, number];
        const got = sample(vol, worldToVoxel(vol.affine, ...lpsToRas(p)));
        if (got === null) continue;
        diff += Math.abs(got - hu);
        n++;
      }
    }
  }
  return { maxDk, meanDiff: diff / Math.max(1, n), n };
}

describe('@vista3d/dicom geometry: gantry tilt and uneven gaps', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  let tilted: string;
  const TILT = 18.5;
  const t = (TILT * Math.PI) / 180;
  const row = [1, 0, 0];
  const col = [0, Math.cos(t), -Math.sin(t)];
  before(async () => {
    work = await tempDir();
    // A tilted acquisition of the 28-slice phantom: the image planes tilt about the x axis while
    // the table steps 5 mm along z, as on a GE/Philips scanner with gantry tilt (sheared stack).
    tilted = await copySeries(SERIES.philips, work, 'tilted');
    for (const f of await readdir(tilted)) {
      await rewriteDicom(join(tilted, f), { '00200037': [...row, ...col], '00181120': [TILT] });
    }
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('tilted 28-slice series: corrected by default, world positions match every slice', async () => {
    const [series] = await discoverSeries(tilted);
    const res = await convertSeries(series!, join(work, 'out-tilt'));
    assert.ok(res.geometry?.resampled, 'resampled');
    assert.ok(Math.abs(res.geometry!.tiltDeg - TILT) < 0.01, `tilt ${res.geometry!.tiltDeg}`);
    assert.ok(res.warnings.some((w) => /gantry tilt 18\.5° corrected/.test(w)), res.warnings.join('\n'));
    const sidecar = JSON.parse(await readFile(res.sidecarPath, 'utf8')) as { Vista3D: { warnings: string[]; geometryReport: { resampled: boolean } } };
    assert.ok(sidecar.Vista3D.warnings.some((w) => /gantry tilt/.test(w)), 'warning stored with the scan');
    assert.equal(sidecar.Vista3D.geometryReport.resampled, true);
    const vol = await readNifti(res.niftiPath);
    assert.equal(vol.dims[0], 512);
    assert.ok(vol.dims[1] > 512, 'the grid grows to hold the shifted slices');
    assert.equal(vol.dims[2], 28);
    assert.ok(Math.abs(vol.spacing[2] - 5 * Math.cos(t)) < 1e-3, `slice spacing ${vol.spacing[2]}`);
    const slices = await Promise.all(series!.files.map(readSlice));
    const ok = checkAgainstSlices(vol, slices, row, col, 0.451171875);
    assert.ok(ok.n > 5000, `${ok.n} samples`);
    assert.ok(ok.maxDk < 1e-3, `every IPP on an output slice plane (worst ${ok.maxDk})`);
    assert.ok(ok.meanDiff < 15, `mean |ΔHU| ${ok.meanDiff.toFixed(1)} at the DICOM pixel positions`);

    // The raw stack (explicit option) is dcm2niix's sheared output: far off, and warned about.
    const raw = await convertSeries(series!, join(work, 'out-tilt-raw'), { geometry: 'raw' });
    assert.equal(raw.geometry?.resampled, false);
    assert.ok(raw.warnings.some((w) => /NOT corrected/.test(w)));
    const rawVol = await readNifti(raw.niftiPath);
    assert.deepEqual(rawVol.dims, [512, 512, 28]);
    const bad = checkAgainstSlices(rawVol, slices, row, col, 0.451171875);
    assert.ok(bad.meanDiff > 3 * ok.meanDiff, `raw stack mean |ΔHU| ${bad.meanDiff.toFixed(1)} vs corrected ${ok.meanDiff.toFixed(1)}`);
  });

  test('tilted series with missing slices: tilt corrected and gaps resampled to an even grid', async () => {
    const dir = join(work, 'tilted-gaps');
    await cp(tilted, dir, { recursive: true });
    const [before] = await discoverSeries(dir);
    // drop 3 slices: gaps of 2 and 3 steps appear
    for (const f of [before!.files[5]!, before!.files[12]!, before!.files[13]!]) await unlink(f);
    const [series] = await discoverSeries(dir);
    assert.equal(series!.sliceCount, 25);
    const res = await convertSeries(series!, join(work, 'out-gaps'));
    assert.ok(res.warnings.some((w) => /uneven slice gaps .* resampled to an even 4\.74 mm grid \(28 slices from 25/.test(w)), res.warnings.join('\n'));
    const vol = await readNifti(res.niftiPath);
    assert.equal(vol.dims[2], 28);
    const slices = await Promise.all(series!.files.map(readSlice));
    const ok = checkAgainstSlices(vol, slices, row, col, 0.451171875);
    assert.ok(ok.maxDk < 1e-3, `every IPP on an output slice plane (worst ${ok.maxDk})`);
    assert.ok(ok.meanDiff < 15, `mean |ΔHU| ${ok.meanDiff.toFixed(1)}`);
  });

  test('tiny series (gaps 202.5, 1.25, 1.25 mm): even 1.25 mm grid, acquired slices kept exactly', async () => {
    const dir = await copySeries(SERIES.tiny, work, 'tiny');
    const [series] = await discoverSeries(dir);
    const res = await convertSeries(series!, join(work, 'out-tiny'));
    const vol = await readNifti(res.niftiPath);
    assert.deepEqual(vol.dims, [16, 16, 165]);
    assert.ok(Math.abs(vol.spacing[2] - 1.25) < 1e-6);
    assert.ok(res.warnings.some((w) => /uneven slice gaps 1\.25…202\.5 mm resampled/.test(w)), res.warnings.join('\n'));
    const raw = await readNifti((await convertSeries(series!, join(work, 'out-tiny-raw'), { geometry: 'raw' })).niftiPath);
    assert.deepEqual(raw.dims, [16, 16, 4]);
    for (const [s, f] of series!.files.entries()) {
      const ds = dicomParser.parseDicom(new Uint8Array(await readFile(f)), { untilTag: 'x7fe00010' });
      const ipp = ds.string('x00200032')!.split('\\').map(Number) as [number, number, number];
      const v = worldToVoxel(vol.affine, ...lpsToRas(ipp));
      const k = Math.round(v[2]);
      assert.ok(Math.abs(v[2] - k) < 1e-3 && Math.abs(v[0] - Math.round(v[0])) < 1e-3 && Math.abs(v[1] - Math.round(v[1])) < 1e-3);
      const kr = raw.affine[2][2] > 0 ? s : 3 - s; // raw slices in acquisition order along z
      const a = vol.data.subarray(k * 256, (k + 1) * 256);
      const b = raw.data.subarray(kr * 256, (kr + 1) * 256);
      assert.deepEqual([...a], [...b], `acquired slice at z=${ipp[2]} kept voxel-exactly`);
    }
  });
});
