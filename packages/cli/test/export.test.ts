import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { retrieveInstance } from '@vista3d/dicom-export';
import { createVolumeLike, readNifti, writeNifti } from '@vista3d/volume';
import { startOrthanc } from '../../dicom/test/orthanc.js';
import type { RunningOrthanc } from '../../dicom/test/orthanc.js';
import { dciodvfy, syntheticLabels } from '../../dicom-export/test/helpers.js';
import { buildCli, cli as runCli, DICOM } from './helpers.js';

// Folders come from the flags alone, never from the environment.
const cli = (args: string[], cwd: string) => runCli(args, { cwd, env: { OUTPUT_FOLDER: '', DICOM_FOLDER: '' } });

describe('vista3d export (SEG, RTSTRUCT, stats, STOW-RS to a real Orthanc)', { skip: !existsSync(DICOM) && 'shared data missing' }, () => {
  let work: string;
  let out: string;
  let scan: string;
  let orthanc: RunningOrthanc;
  before(async () => {
    buildCli();
    work = await mkdtemp(join(tmpdir(), 'vista3d-cli-export-'));
    orthanc = await startOrthanc(join(work, 'orthanc'));
    await cp(join(DICOM, 'dcmqi_ct_3slice'), join(work, 'dicom', 'pat1', 'ct'), { recursive: true });
    out = join(work, 'out');
    const c = await cli(['convert', '--dicom', join(work, 'dicom'), '--output', out, '--quiet'], work);
    assert.equal(c.code, 0, c.stderr + c.stdout);
    scan = (await readdir(join(out, 'pat1', 'nifti'))).find((f) => f.endsWith('.nii.gz'))!.replace('.nii.gz', '');
    const ct = await readNifti(join(out, 'pat1', 'nifti', `${scan}.nii.gz`));
    const seg = createVolumeLike(ct, 'uint8');
    seg.data.set(syntheticLabels(ct).data as Uint8Array);
    await writeNifti(join(out, 'pat1', 'voxels', scan, 'all.nii.gz'), seg);
  });
  after(async () => {
    await orthanc?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('--format seg --stow: dciodvfy clean, QIDO finds it, WADO returns it byte-identical', async () => {
    const file = join(work, 'a.seg.dcm');
    const r = await cli(['export', '--format', 'seg', '--output', out, '--patient', 'pat1', '--scan', scan, '--out', file, '--seg-version', 'v3', '--engine', 'Vista3D CPU engine', '--algorithm-version', '1.1.0', '--stow', orthanc.dicomWebUrl, '--json'], work);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const summary = JSON.parse(r.stdout) as { sopInstanceUid: string; seriesInstanceUid: string; frameReference: string };
    assert.equal(summary.frameReference, 'same');
    assert.deepEqual((await dciodvfy(file)).errors, []);
    const bytes = new Uint8Array(await readFile(file));
    const src = await readNifti(join(out, 'pat1', 'nifti', `${scan}.nii.gz`));
    assert.ok(src);
    const sidecar = JSON.parse(await readFile(join(out, 'pat1', 'nifti', `${scan}.json`), 'utf8')) as { Vista3D: { studyInstanceUid: string } };
    const study = sidecar.Vista3D.studyInstanceUid;
    const qido = await fetch(`${orthanc.dicomWebUrl}/studies/${study}/series/${summary.seriesInstanceUid}/instances`, { headers: { Accept: 'application/dicom+json' } });
    assert.equal(qido.status, 200);
    const found = (await qido.json()) as Array<Record<string, { Value: string[] }>>;
    assert.deepEqual(found.map((i) => i['00080018']!.Value[0]), [summary.sopInstanceUid]);
    assert.equal(found[0]!['00080060']!.Value[0], 'SEG');
    const back = await retrieveInstance(orthanc.dicomWebUrl, study, summary.seriesInstanceUid, summary.sopInstanceUid);
    assert.equal(back.length, bytes.length);
    assert.ok(Buffer.from(back).equals(Buffer.from(bytes)), 'WADO-RS returns the SEG byte-identical');
  });

  test('--format rtstruct and sr (TID 1500) --stow, stats (JSON) and stats-csv', async () => {
    const rt = join(work, 'a.rtstruct.dcm');
    const r = await cli(['export', '--format', 'rtstruct', '--output', out, '--patient', 'pat1', '--scan', scan, '--out', rt, '--stow', orthanc.dicomWebUrl, '--json'], work);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual((await dciodvfy(rt)).errors, []);
    const sr = join(work, 'a.sr.dcm');
    const s = await cli(['export', '--format', 'sr', '--output', out, '--patient', 'pat1', '--scan', scan, '--out', sr, '--stow', orthanc.dicomWebUrl], work);
    assert.equal(s.code, 0, s.stderr + s.stdout);
    assert.deepEqual((await dciodvfy(sr)).errors, []);
    const j = join(work, 's.json');
    assert.equal((await cli(['export', '--format', 'stats', '--output', out, '--patient', 'pat1', '--scan', scan, '--out', j], work)).code, 0);
    const report = JSON.parse(await readFile(j, 'utf8')) as { labels: Array<{ name: string; hu: { mean: number } | null; leftRightRatio: number | null }> };
    const left = report.labels.find((l) => l.name === 'left kidney')!;
    assert.ok(left.hu && left.leftRightRatio !== null);
    const csv = join(work, 's.csv');
    assert.equal((await cli(['export', '--format', 'stats-csv', '--output', out, '--patient', 'pat1', '--scan', scan, '--out', csv], work)).code, 0);
    assert.match(await readFile(csv, 'utf8'), /^label_id,name,voxels,volume_ml/);
  });

  test('bad input: unknown format exits 2, a scan without segmentation exits 1 with a message, no file written', async () => {
    const bad = await cli(['export', '--format', 'pdf', '--output', out, '--patient', 'pat1', '--scan', scan], work);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format/);
    const none = await cli(['export', '--format', 'seg', '--output', out, '--patient', 'pat1', '--scan', 'nope', '--out', join(work, 'x.dcm')], work);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no segmentation for pat1\/nope/);
    assert.equal(existsSync(join(work, 'x.dcm')), false);
    const stowStats = await cli(['export', '--format', 'stats', '--output', out, '--patient', 'pat1', '--scan', scan, '--stow', orthanc.dicomWebUrl], work);
    assert.equal(stowStats.code, 2);
  });
});
