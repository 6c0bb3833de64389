import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, cli, DICOM } from './helpers.js';

describe('vista3d CLI on the real DICOM', { skip: !existsSync(DICOM) && 'shared data missing' }, () => {
  let work: string;
  before(async () => {
    buildCli();
    work = await mkdtemp(join(tmpdir(), 'vista3d-cli-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('series --json lists the series; the table lists them too', async () => {
    const r = await cli(['series', '--dicom', DICOM, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { series: Array<{ patient: string; isImage: boolean; sliceCount: number }> };
    assert.equal(json.series.filter((s) => s.isImage).length, 3);
    assert.equal(json.series.find((s) => s.patient === 'philips_head_phantom_5mm')?.sliceCount, 28);
    const t = await cli(['series', '--dicom', join(DICOM, 'tiny_ct_16x16x4')]);
    assert.equal(t.code, 0);
    assert.match(t.stdout, /Routine Brain/);
    assert.match(t.stdout, /irregular/);
  });

  test('convert writes OUTPUT/<patient>/nifti, re-run skips, --force reconverts', async () => {
    const dicom = join(work, 'dicom');
    await cp(join(DICOM, 'dcmqi_ct_3slice'), join(dicom, 'pat1', 'ct'), { recursive: true });
    await cp(join(DICOM, 'tiny_ct_16x16x4'), join(dicom, 'pat2'), { recursive: true });
    const out = join(work, 'out');
    const r = await cli(['convert', '--dicom', dicom, '--output', out]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /2 converted, 0 skipped, 0 failed/);
    assert.ok(existsSync(join(out, 'pat1', 'nifti', '2_ct.nii.gz')));
    assert.ok(existsSync(join(out, 'pat2', 'nifti', '2_routine_brain.nii.gz')));
    const sidecar = JSON.parse(await readFile(join(out, 'pat1', 'nifti', '2_ct.json'), 'utf8')) as { Modality: string };
    assert.equal(sidecar.Modality, 'CT');
    const again = await cli(['convert', '--dicom', dicom, '--output', out, '--json']);
    assert.equal(again.code, 0);
    const rep = JSON.parse(again.stdout) as { converted: unknown[]; skipped: Array<{ reason: string }> };
    assert.equal(rep.converted.length, 0);
    assert.deepEqual(rep.skipped.map((s) => s.reason), ['up to date', 'up to date']);
    const forced = await cli(['convert', '--dicom', dicom, '--output', out, '--patient', 'pat2', '--force']);
    assert.match(forced.stdout, /1 converted/);
  });

  test('convert exits non-zero when a series fails, and reports unreadable files', async () => {
    const dicom = join(work, 'bad');
    await cp(join(DICOM, 'dcmqi_ct_3slice'), join(dicom, 'p'), { recursive: true });
    await writeFile(join(dicom, 'p', 'junk.dcm'), 'not dicom at all'.repeat(20));
    const out = join(work, 'bad-out');
    // make dcm2niix fail for real: the output folder cannot be created (a file is in the way)
    await writeFile(out, 'in the way');
    const r = await cli(['convert', '--dicom', dicom, '--output', out, '--quiet']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAILED/);
    assert.match(r.stdout, /junk\.dcm/);
    assert.match(r.stdout, /0 converted, 0 skipped, 1 failed, 1 unreadable/);
  });

  test('convert exits 3 when nothing converts: a folder of junk files is not a success', async () => {
    const dicom = join(work, 'junk');
    await mkdir(join(dicom, 'p'), { recursive: true });
    await writeFile(join(dicom, 'p', 'a.dcm'), 'junk'.repeat(100));
    await writeFile(join(dicom, 'p', 'notes.txt'), 'hello');
    const r = await cli(['convert', '--dicom', dicom, '--output', join(work, 'junk-out'), '--quiet']);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, /nothing converted/);
    assert.match(r.stdout, /file error: .*a\.dcm/);
    assert.match(r.stdout, /ignored: .*notes\.txt: not DICOM/);
    assert.match(r.stdout, /0 converted, 0 skipped, 0 failed, 1 unreadable file\(s\), 1 ignored/);
  });

  test('usage errors exit 2', async () => {
    const r = await cli(['convert', '--dicom', DICOM, '--output', join(work, 'o'), '--min-slices', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /min-slices/);
    const s = await cli(['segment', '--output', work, '--engine', 'cpu', '--classes', 'no_such_organ']);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /unknown class/);
  });

  test('segment --engine cpu segments a converted CT and saves voxels/<scan>/', async () => {
    const out = join(work, 'seg');
    const c = await cli(['convert', '--dicom', join(DICOM, 'dcmqi_ct_3slice'), '--output', out, '--quiet']);
    assert.equal(c.code, 0, c.stdout + c.stderr);
    const patient = 'dcmqi_ct_3slice';
    const refused = await cli(['segment', '--output', out, '--patient', patient, '--scan', '2_ct', '--engine', 'cpu', '--label-set', 'organs']);
    assert.equal(refused.code, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /cannot segment liver.* automatically.*clicks/);
    const r = await cli(['segment', '--output', out, '--patient', patient, '--scan', '2_ct', '--engine', 'cpu', '--classes', 'bone', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = JSON.parse(r.stdout) as Array<{ labels: Array<{ id: number; voxels: number }> }>;
    assert.ok(res[0]!.labels.some((l) => l.voxels > 0));
    assert.ok(existsSync(join(out, patient, 'voxels', '2_ct', 'all.nii.gz')));
  });

  test('mesh turns a saved segmentation into meshes/<scan>/ (GLB, STL, manifest)', async () => {
    const out = join(work, 'seg');
    const patient = 'dcmqi_ct_3slice';
    if (!existsSync(join(out, patient, 'voxels', '2_ct', 'all.nii.gz'))) {
      await cli(['convert', '--dicom', join(DICOM, 'dcmqi_ct_3slice'), '--output', out, '--quiet']);
      await cli(['segment', '--output', out, '--patient', patient, '--scan', '2_ct', '--engine', 'cpu', '--classes', 'bone']);
    }
    const r = await cli(['mesh', '--output', out, '--patient', patient, '--scan', '2_ct', '--formats', 'glb,stl']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const dir = join(out, patient, 'meshes', '2_ct');
    assert.ok(existsSync(join(dir, 'all.glb')));
    assert.ok(existsSync(join(dir, 'bone.stl')));
    const manifest = JSON.parse(await readFile(join(dir, 'meshes.json'), 'utf8')) as { labels: Array<{ id: number; triangles: number }> };
    assert.ok(manifest.labels.some((l) => l.id === 21 && l.triangles > 0));
  });
});
