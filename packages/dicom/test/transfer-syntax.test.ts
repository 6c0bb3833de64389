import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { convertDicomFolder, convertSeries, discoverDicom, discoverSeries } from '../src/index.js';
import { DICOM, SERIES, copySeries, haveSharedData, tempDir } from './helpers.js';

const exec = promisify(execFile);

/**
 * Every common transfer syntax, made from the shared series with Debian's dcmtk and gdcm tools.
 * Lossless ones must convert voxel-identically to the uncompressed series; lossy ones within the
 * stated tolerance (mean and 99.9th-percentile |ΔHU| over the volume).
 */
const SYNTAXES: Array<{ name: string; uid: string; tool: string[]; lossy?: { mean: number; p999: number } }> = [
  { name: 'implicit little endian', uid: '1.2.840.10008.1.2', tool: ['dcmconv', '+ti'] },
  { name: 'explicit little endian', uid: '1.2.840.10008.1.2.1', tool: ['dcmconv', '+te'] },
  { name: 'explicit big endian', uid: '1.2.840.10008.1.2.2', tool: ['dcmconv', '+tb'] },
  { name: 'deflated explicit little endian', uid: '1.2.840.10008.1.2.1.99', tool: ['dcmconv', '+td'] },
  { name: 'JPEG lossless (process 14)', uid: '1.2.840.10008.1.2.4.57', tool: ['dcmcjpeg', '+el'] },
  { name: 'JPEG lossless SV1', uid: '1.2.840.10008.1.2.4.70', tool: ['dcmcjpeg', '+e1'] },
  { name: 'JPEG-LS lossless', uid: '1.2.840.10008.1.2.4.80', tool: ['dcmcjpls', '+el'] },
  { name: 'JPEG 2000 lossless', uid: '1.2.840.10008.1.2.4.90', tool: ['gdcmconv', '--j2k'] },
  { name: 'RLE lossless', uid: '1.2.840.10008.1.2.5', tool: ['dcmcrle'] },
  // Lossy: JPEG quality 90, J2K quality 80 (≈ 30:1), JPEG-LS near-lossless error 2, as PACS archives use.
  { name: 'JPEG baseline (8-bit, lossy)', uid: '1.2.840.10008.1.2.4.50', tool: ['dcmcjpeg', '+eb', '+q', '90'], lossy: { mean: 40, p999: 400 } },
  { name: 'JPEG extended (12-bit, lossy)', uid: '1.2.840.10008.1.2.4.51', tool: ['dcmcjpeg', '+ee', '+q', '90'], lossy: { mean: 10, p999: 150 } },
  { name: 'JPEG-LS near-lossless', uid: '1.2.840.10008.1.2.4.81', tool: ['dcmcjpls', '+en', '+md', '2'], lossy: { mean: 2.01, p999: 2.01 } },
  { name: 'JPEG 2000 lossy', uid: '1.2.840.10008.1.2.4.91', tool: ['gdcmconv', '--j2k', '--lossy', '-q', '80'], lossy: { mean: 15, p999: 200 } },
];

function hu(v: Volume): Float64Array {
  const out = new Float64Array(v.data.length);
  for (let q = 0; q < out.length; q++) out[q] = v.data[q]! * v.scl.slope + v.scl.inter;
  return out;
}

function errorStats(a: Float64Array, b: Float64Array): { mean: number; p999: number } {
  const d = new Float64Array(a.length);
  let sum = 0;
  for (let q = 0; q < a.length; q++) {
    d[q] = Math.abs(a[q]! - b[q]!);
    sum += d[q]!;
  }
  d.sort();
  return { mean: sum / a.length, p999: d[Math.floor(0.999 * (d.length - 1))]! };
}

async function compress(tool: string[], src: string, dst: string): Promise<void> {
  const [bin, ...args] = tool;
  const files = (await readdir(src)).sort();
  await mkdir(dst, { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      await exec(bin!, [...args, join(src, f), join(dst, f)]);
    }
  };
  await Promise.all([worker(), worker()]);
}

describe('@vista3d/dicom transfer syntaxes', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  const reference = new Map<string, Float64Array>();
  const PHANTOM = 'philips_6_slices';
  const srcOf = (name: string): string => (name === PHANTOM ? join(work, 'src', PHANTOM) : join(DICOM, name));
  before(async () => {
    work = await tempDir();
    // The first 6 slices of the 512×512 12-bit phantom (the whole series makes the file minutes long).
    const phantom = join(work, 'src', PHANTOM);
    await mkdir(phantom, { recursive: true });
    const [full] = await discoverSeries(join(DICOM, SERIES.philips));
    for (const f of full!.files.slice(0, 6)) await cp(f, join(phantom, f.split('/').pop()!));
    for (const name of [PHANTOM, SERIES.dcmqi]) {
      const [s] = await discoverSeries(srcOf(name));
      reference.set(name, hu(await readNifti((await convertSeries(s!, join(work, 'ref', name))).niftiPath)));
    }
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const ts of SYNTAXES) {
    test(`${ts.name} (${ts.uid}) converts ${ts.lossy ? 'within tolerance' : 'voxel-identically'}`, async () => {
      let tested = 0;
      // 8/12-bit JPEG and near-lossless JPEG-LS cannot take the signed 16-bit dcmqi slices: 12-bit phantom only.
      const names = /\.4\.5[01]$|\.4\.81$/.test(ts.uid) ? [PHANTOM] : [PHANTOM, SERIES.dcmqi];
      for (const name of names) {
        const dir = join(work, ts.uid, name);
        await compress(ts.tool, srcOf(name), dir);
        const found = await discoverDicom(dir);
        assert.deepEqual(found.errors, []);
        const [s] = found.series;
        assert.equal(s!.transferSyntaxUid, ts.uid);
        const res = await convertSeries(s!, join(work, 'out', ts.uid, name));
        const got = hu(await readNifti(res.niftiPath));
        const ref = reference.get(name)!;
        assert.equal(got.length, ref.length);
        const err = errorStats(got, ref);
        if (ts.lossy) {
          assert.ok(err.mean <= ts.lossy.mean && err.p999 <= ts.lossy.p999, `${name}: mean |ΔHU| ${err.mean.toFixed(2)}, p99.9 ${err.p999}`);
        } else {
          assert.equal(err.p999, 0, `${name}: voxel-identical`);
          assert.equal(err.mean, 0, `${name}: voxel-identical (mean |ΔHU| ${err.mean})`);
        }
        tested++;
      }
      assert.ok(tested > 0);
    });
  }

  test('JPEG 2000 series with empty Series/Study/SOP Instance UIDs: grouped by the fallback key and converted', async () => {
    const dir = join(work, 'empty-uids', 'p1');
    await compress(['gdcmconv', '--j2k'], join(DICOM, SERIES.dcmqi), dir);
    await copySeries(SERIES.tiny, join(work, 'empty-uids'), 'p1', 'other');
    for (const f of await readdir(dir)) {
      if (f.endsWith('.dcm')) await exec('dcmodify', ['-nb', '-ma', '(0020,000E)=', '-ma', '(0020,000D)=', '-ma', '(0008,0018)=', join(dir, f)]);
    }
    const found = await discoverDicom(join(work, 'empty-uids'));
    assert.deepEqual(found.errors, []);
    const fallback = found.series.filter((s) => s.seriesUidSource === 'fallback');
    assert.equal(fallback.length, 1);
    assert.equal(fallback[0]!.sliceCount, 3);
    assert.match(fallback[0]!.seriesUid, /^fallback\.[0-9a-f]{20}$/);
    assert.ok(fallback[0]!.warnings.some((w) => /no SeriesInstanceUID/.test(w)));
    const report = await convertDicomFolder(join(work, 'empty-uids'), join(work, 'empty-out'), { layout: 'patient' });
    assert.deepEqual(report.failed, []);
    assert.equal(report.converted.length, 2);
    const conv = report.converted.find((c) => c.seriesUid.startsWith('fallback.'))!;
    const got = hu(await readNifti(conv.niftiPath));
    assert.equal(errorStats(got, reference.get(SERIES.dcmqi)!).p999, 0, 'voxel-identical to the uncompressed series');
    // the same files again: up to date, not a new scan
    const again = await convertDicomFolder(join(work, 'empty-uids'), join(work, 'empty-out'), { layout: 'patient' });
    assert.equal(again.converted.length, 0);
    assert.equal(again.skipped.filter((s) => s.reason === 'up to date').length, 2);
  });

  test('an undecodable file is a clear per-series error; other series still convert', async () => {
    const root = join(work, 'broken-j2k');
    const dir = join(root, 'p', 'bad');
    await compress(['gdcmconv', '--j2k'], join(DICOM, SERIES.dcmqi), dir);
    // a transfer syntax neither dcm2niix nor gdcm knows (same length as the J2K UID it replaces)
    for (const f of await readdir(dir)) {
      const path = join(dir, f);
      const bytes = await readFile(path);
      const at = bytes.indexOf('1.2.840.10008.1.2.4.90');
      assert.ok(at > 0 && at < 2000);
      bytes.write('1.2.840.10008.1.2.4.99', at, 'latin1');
      await writeFile(path, bytes);
    }
    await copySeries(SERIES.tiny, root, 'p', 'good');
    const report = await convertDicomFolder(root, join(work, 'broken-out'), { layout: 'patient' });
    assert.equal(report.converted.length, 1);
    assert.equal(report.failed.length, 1, JSON.stringify(report.failed));
    assert.match(report.failed[0]!.error, /cannot decode transfer syntax 1\.2\.840\.10008\.1\.2\.4\.99/);
  });

  test('a real DICOMDIR (dcmmkdir) with 8-character file names: index reported, images converted', async () => {
    const root = join(work, 'dicomdir', 'p');
    await mkdir(join(root, 'IMG'), { recursive: true });
    const [src] = await discoverSeries(join(DICOM, SERIES.dcmqi));
    // a DICOMDIR needs Part 10 files in explicit VR with ISO 9660 names
    for (const [i, f] of src!.files.entries()) await exec('dcmconv', ['+te', f, join(root, 'IMG', `IM${i + 1}`)]);
    await exec('dcmmkdir', ['+D', 'DICOMDIR', 'IMG/IM1', 'IMG/IM2', 'IMG/IM3'], { cwd: root });
    await writeFile(join(root, 'readme.txt'), 'hello');
    const found = await discoverDicom(join(work, 'dicomdir'));
    const names = found.ignored.map((e) => `${e.file.split('/').pop()}: ${e.message}`).sort();
    assert.deepEqual(names.map((n) => n.split(':')[0]), ['DICOMDIR', 'readme.txt']);
    assert.match(names[0]!, /DICOMDIR index/);
    assert.deepEqual(found.errors, []);
    assert.equal(found.fileCount, 5);
    const report = await convertDicomFolder(join(work, 'dicomdir'), join(work, 'dicomdir-out'), { layout: 'patient' });
    assert.equal(report.converted.length, 1);
    assert.equal(report.ignoredFiles.length, 2);
    const got = hu(await readNifti(report.converted[0]!.niftiPath));
    assert.equal(errorStats(got, reference.get(SERIES.dcmqi)!).p999, 0, 'voxel-identical');
  });

  test('Enhanced CT (one multi-frame file, gdcmtar --enhance) converts voxel-identically', async () => {
    const tmp = join(work, 'enhanced-src');
    await exec('gdcmtar', ['--enhance', '-i', join(DICOM, SERIES.dcmqi), '-o', tmp]);
    const { stdout } = await exec('find', [tmp, '-name', 'new.dcm']);
    const dir = join(work, 'enhanced', 'p');
    await mkdir(dir, { recursive: true });
    await cp(stdout.trim(), join(dir, 'enhanced.dcm'));
    const [s] = await discoverSeries(dir);
    assert.equal(s!.sopClassName, 'Enhanced CT Image Storage');
    assert.equal(s!.files.length, 1);
    assert.equal(s!.sliceCount, 3);
    const res = await convertSeries(s!, join(work, 'enhanced-out'));
    const got = hu(await readNifti(res.niftiPath));
    assert.equal(errorStats(got, reference.get(SERIES.dcmqi)!).p999, 0, 'voxel-identical to the single-frame series');
  });
});
