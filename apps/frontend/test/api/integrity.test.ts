import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer as buildImageServer } from '../../../image-server/src/server.js';
import { encodeNifti, readNifti, writeNifti } from '@vista3d/volume';
import { CT_FULL, CT_SM, getJson, postJson, startEnv, waitJob } from './helpers.js';
import type { Env, JobJson } from './helpers.js';

// Integrity (docs/security.md): crash leftovers are swept at start-up; a segmentation records its CT
// and is never saved onto a CT that changed meanwhile; overwriting a CT archives its labels.
let env: Env;
before(async () => {
  env = await startEnv({}, {}, { backend: 'fake' });
});
after(async () => {
  await env.close();
});

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);
const OLD = new Date(Date.now() - 10 * 60_000);

async function leftover(path: string, dir: boolean, old = true): Promise<string> {
  if (dir) {
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'all.nii.gz'), 'x');
  } else {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'x');
  }
  if (old) await utimes(path, OLD, OLD);
  return path;
}

describe('start-up sweep of crash leftovers', () => {
  it('frontend and image server remove only their old temporary names; real data and fresh work stay', async () => {
    const p = join(env.output, 'p1');
    const gone = [
      await leftover(join(p, 'voxels', '.ct.staging-1234.1700000000000.abc123'), true),
      await leftover(join(p, 'voxels', '.ct.old-0badcafe'), true),
      await leftover(join(p, 'meshes', '.ct.staging-deadbeef'), true),
      await leftover(join(p, 'versions', 'ct', '.staging-42-0123abcd'), true),
      await leftover(join(p, 'versions', 'ct', '.upload-0b4c8a43-1f2e-4a5b-9c8d-7e6f5a4b3c2d.nii'), false),
      await leftover(join(env.output, '.uploads', '0b4c8a43-1f2e-4a5b-9c8d-7e6f5a4b3c2d'), true),
      await leftover(join(p, 'voxels', 'ct', '.all.nii.gz.999.k3j2h1.tmp'), false),
      await leftover(join(env.dicom, 'd1', '.upload-20261201T101010-a1b2c3.partial'), true),
    ];
    const kept = [
      await leftover(join(p, 'voxels', 'ct2'), true), // real data
      await leftover(join(p, 'versions', 'ct', '1'), true),
      await leftover(join(p, 'voxels', '.ct.staging-cafebabe'), true, false), // a sibling replica's in-flight save
      await leftover(join(p, 'voxels', '.notes'), false), // an unknown hidden name
      join(p, 'nifti', 'ct.nii.gz'),
    ];
    await env.restart();
    for (const g of gone) assert.equal(await exists(g), false, `${g} removed`);
    for (const k of kept) assert.equal(await exists(k), true, `${k} kept`);
    assert.ok(await exists(join(env.output, '.uploads')));

    const tmp = await leftover(join(env.output, 'p2', 'voxels', 'x', '.labels.json.77.zz9.tmp'), false);
    const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: env.output, dicomFolder: env.dicom, corsOrigins: [], maxUploadBytes: 1 << 20, readOnly: false, writeToken: 't' });
    await image.ready();
    await image.close();
    assert.equal(await exists(tmp), false, 'image server swept its temp file');
    assert.deepEqual(await readdir(join(env.output, 'p2', 'voxels', 'x')), []);
  });
});

describe('segment jobs and the CT they were computed from', () => {
  const ctPath = (): string => join(env.output, 'p1', 'nifti', 'ct.nii.gz');
  const voxels = (): string => join(env.output, 'p1', 'voxels', 'ct');
  const versions = (): Promise<string[]> => readdir(join(env.output, 'p1', 'versions', 'ct')).then((n) => n.filter((x) => !x.startsWith('.')));

  it('records sha256, size and mtime of the CT in provenance.json and labels.json', async () => {
    const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', force: true, classes: ['spleen'] });
    const final = await waitJob(env.base, res.body.id);
    assert.equal(final.status, 'succeeded');
    const bytes = await readFile(ctPath());
    const s = await stat(ctPath());
    const expected = { sha256: createHash('sha256').update(bytes).digest('hex'), size: s.size, mtimeMs: s.mtimeMs };
    const labels = JSON.parse(await readFile(join(voxels(), 'labels.json'), 'utf8')) as { ct?: unknown; segmentationVersion: number };
    assert.deepEqual(labels.ct, expected);
    const prov = JSON.parse(await readFile(join(env.output, 'p1', 'versions', 'ct', String(labels.segmentationVersion), 'provenance.json'), 'utf8')) as { ct?: unknown };
    assert.deepEqual(prov.ct, expected);
  });

  it('a CT overwritten during inference fails the item with CT_CHANGED and saves nothing', async () => {
    const backend = env.fake!;
    const labelsBefore = await readFile(join(voxels(), 'all.nii.gz'));
    const versionsBefore = await versions();
    const changed = await readNifti(CT_SM);
    changed.data[0] = (changed.data[0] as number) + 100; // same grid, other content
    backend.delayMs = 1500;
    try {
      const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', force: true, classes: ['spleen'] });
      while ((await getJson<JobJson>(`${env.base}/api/jobs/${res.body.id}`)).body.status !== 'running') await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      await writeNifti(ctPath(), changed);
      const final = await waitJob(env.base, res.body.id);
      assert.equal(final.status, 'failed');
      assert.equal(final.error?.code, 'CT_CHANGED');
      assert.match(final.error!.message, /p1\/ct was replaced while it was being segmented/);
    } finally {
      backend.delayMs = 0;
    }
    assert.deepEqual(await readFile(join(voxels(), 'all.nii.gz')), labelsBefore, 'old labels untouched, none saved on the new CT');
    assert.deepEqual(await versions(), versionsBefore, 'no version recorded');
  });

  it('an edited label map is saved only onto the CT it was drawn on (409 CT_CHANGED otherwise)', async () => {
    // The CT was replaced by the test above: versions computed before it name the old CT.
    const edit = await encodeNifti(await readNifti(join(voxels(), 'all.nii.gz')), { gzip: true });
    const base = `${env.base}/api/patients/p1/scans/ct/versions`;
    const post = (query: string): Promise<Response> => fetch(`${base}${query}`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: edit });
    const sha = createHash('sha256').update(await readFile(ctPath())).digest('hex');
    const listed = await getJson<Array<{ version: number; ct?: { sha256: string } }>>(base);
    const stale = listed.body.find((v) => v.ct && v.ct.sha256 !== sha)?.version;
    assert.ok(stale !== undefined, JSON.stringify(listed.body));
    const before = await versions();
    for (const query of [`?basedOn=${stale}`, `?ct=${'0'.repeat(64)}`]) {
      const res = await post(query);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, 409, `${query}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'CT_CHANGED');
    }
    assert.deepEqual(await versions(), before, 'nothing saved');
    const ok = await post(`?ct=${sha}`);
    const saved = (await ok.json()) as { version: { ct?: { sha256: string } } };
    assert.equal(ok.status, 201, JSON.stringify(saved));
    assert.equal(saved.version.ct?.sha256, sha, 'the edit records the CT it was saved onto');
    assert.equal((await post('?ct=not-a-hash')).status, 400);
  });

  it('a point-prompt result is accepted only onto the CT it was computed from (409 CT_CHANGED otherwise)', async () => {
    const click = { patient: 'p1', scan: 'ct', class: 'spleen', points: [[60, 50, 15]] };
    const accept = { patient: 'p1', scan: 'ct', class: 'spleen' };
    const first = await postJson(`${env.base}/api/segment/interactive`, click);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const replaced = await readNifti(ctPath());
    replaced.data[1] = (replaced.data[1] as number) + 7;
    await writeNifti(ctPath(), replaced);
    const before = await versions();
    const refused = await postJson<{ code: string; message: string }>(`${env.base}/api/segment/interactive/accept`, accept);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'CT_CHANGED');
    assert.deepEqual(await versions(), before, 'nothing saved');
    const again = await postJson(`${env.base}/api/segment/interactive`, click);
    assert.equal(again.status, 200);
    const ok = await postJson<{ labels: unknown[] }>(`${env.base}/api/segment/interactive/accept`, accept);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const listed = await getJson<Array<{ version: number; source: string; current: boolean; ct?: { sha256: string } }>>(`${env.base}/api/patients/p1/scans/ct/versions`);
    const current = listed.body.find((v) => v.current)!;
    assert.equal(current.source, 'interactive');
    assert.equal(current.ct?.sha256, createHash('sha256').update(await readFile(ctPath())).digest('hex'), 'the accepted result records its CT');
  });
});

describe('overwriting a CT', () => {
  it('archives its labels, meshes and versions: no label map is listed on a CT of another grid', async () => {
    const p = join(env.output, 'p1');
    await mkdir(join(p, 'meshes', 'ct'), { recursive: true });
    await writeFile(join(p, 'meshes', 'ct', 'all.glb'), 'mesh');
    const labelsBefore = await readFile(join(p, 'voxels', 'ct', 'all.nii.gz'));
    const listed = await getJson<Array<{ id: string; segmentation: unknown }>>(`${env.base}/api/patients/p1/scans`);
    assert.ok(listed.body.find((x) => x.id === 'ct')!.segmentation, 'segmented before');

    const fd = new FormData();
    fd.append('patient', 'p1');
    fd.append('scan', 'ct');
    fd.append('overwrite', 'true');
    fd.append('file', new Blob([await readFile(CT_FULL)]), 'ct.nii.gz');
    const res = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: fd });
    assert.equal(res.status, 201, await res.clone().text());

    const scans = await getJson<Array<{ id: string; dims: number[]; segmentation: unknown; meshes: unknown[] }>>(`${env.base}/api/patients/p1/scans`);
    assert.deepEqual(scans.body.map((x) => x.id), ['ct'], 'the archive is not listed as a scan');
    const s = scans.body[0];
    assert.deepEqual(s.dims, [122, 101, 112]);
    assert.equal(s.segmentation, null);
    assert.deepEqual(s.meshes, []);
    for (const d of ['voxels', 'meshes', 'versions']) assert.equal(await exists(join(p, d, 'ct')), false, `${d}/ct moved`);
    const archives = await readdir(join(p, 'archive'));
    assert.equal(archives.length, 1);
    assert.match(archives[0], /^ct-\d{8}T\d{9}Z$/);
    const a = join(p, 'archive', archives[0]);
    assert.deepEqual(await readFile(join(a, 'voxels', 'all.nii.gz')), labelsBefore);
    assert.equal(await readFile(join(a, 'meshes', 'all.glb'), 'utf8'), 'mesh');
    assert.ok((await readdir(join(a, 'versions'))).length > 0);
  });
});
