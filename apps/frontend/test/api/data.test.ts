import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { CT, DATA, getJson, startEnv } from './helpers.js';
import type { Env } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv({ maxUploadBytes: 3 << 20 });
  await mkdir(join(env.dir, 'web'), { recursive: true });
  await writeFile(join(env.dir, 'web', 'index.html'), '<!doctype html><title>Vista3D</title>');
  await writeFile(join(env.dir, 'web', 'app.js'), 'console.log(1)');
});
after(async () => {
  await env.close();
});

function form(fields: Record<string, string>, files: Array<[string, Uint8Array, string]>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const [field, bytes, name] of files) fd.append(field, new Blob([bytes]), name);
  return fd;
}

describe('data API', () => {
  it('health, metrics, labels, status', async () => {
    const health = await getJson<{ status: string; version: string }>(`${env.base}/health`);
    assert.deepEqual(health.body, { status: 'ok', version: '1.1.0' });
    const metrics = await (await fetch(`${env.base}/metrics`)).text();
    assert.match(metrics, /vista3d_frontend_http_requests_total/);
    assert.match(metrics, /vista3d_frontend_jobs/);
    const labels = await getJson<{ labels: Array<{ id: number; name: string; color: number[]; group: string }>; labelSets: Array<{ name: string; labelIds: number[] }> }>(`${env.base}/api/labels`);
    assert.ok(labels.body.labels.some((l) => l.id === 1 && l.name === 'liver' && l.color.length === 3 && l.group));
    assert.ok(labels.body.labelSets.some((s) => s.name === 'HeadNeckCore' && s.labelIds.length > 0));
    const status = await getJson<{ backend: { live: boolean; ready: boolean; engine?: string; version?: string }; imageServer: { live: boolean }; counts: { patients: number; scans: number } }>(`${env.base}/api/status`);
    assert.equal(status.body.backend.live, true);
    assert.equal(status.body.backend.ready, true);
    assert.equal(status.body.backend.engine, 'vista3d-cpu-classical');
    assert.equal(status.body.backend.version, '1.1.0');
    assert.equal(status.body.imageServer.live, true);
    assert.deepEqual(status.body.counts, { patients: 2, scans: 1, segmentations: 0 }); // p1 (NIfTI) + d1 (DICOM only)
  });

  it('lists patients and scans; unknown/unsafe ids are 404/400', async () => {
    const patients = await getJson(`${env.base}/api/patients`);
    assert.deepEqual(patients.body, [
      { id: 'd1', scans: 0, segmentations: 0, hasDicom: true },
      { id: 'p1', scans: 1, segmentations: 0, hasDicom: false },
    ]);
    const scans = await getJson<Array<Record<string, unknown>>>(`${env.base}/api/patients/p1/scans`);
    const s = scans.body[0];
    assert.equal(s.id, 'ct');
    assert.deepEqual(s.dims, [122, 101, 30]);
    assert.deepEqual(s.spacing, [3, 3, 3]);
    assert.equal(s.datatype, 'int16');
    assert.equal(s.orientation, 'RAS');
    assert.equal(s.imageUrl, '/images/output/p1/nifti/ct.nii.gz');
    assert.equal(s.segmentation, null);
    assert.deepEqual(s.meshes, []);
    assert.equal((await getJson(`${env.base}/api/patients/nobody/scans`)).status, 404);
    const one = await getJson<{ code: string }>(`${env.base}/api/patients/p1/scans/nope`);
    assert.equal(one.status, 404);
    assert.equal(one.body.code, 'SCAN_NOT_FOUND');
    const csv = await getJson<{ code: string }>(`${env.base}/api/patients/p1/scans/ct/labels.csv`);
    assert.equal(csv.status, 404);
    const bad = await getJson<{ code: string }>(`${env.base}/api/patients/..%2Fetc/scans`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'INVALID_NAME');
  });

  it('proxies images with Range and ETag, and the backend API', async () => {
    const full = await fetch(`${env.base}/images/output/p1/nifti/ct.nii.gz`);
    assert.equal(full.status, 200);
    const bytes = new Uint8Array(await full.arrayBuffer());
    assert.deepEqual(bytes, new Uint8Array(await readFile(CT)));
    const etag = full.headers.get('etag');
    assert.ok(etag);
    const part = await fetch(`${env.base}/images/output/p1/nifti/ct.nii.gz`, { headers: { range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-99/${bytes.byteLength}`);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
    const cached = await fetch(`${env.base}/images/output/p1/nifti/ct.nii.gz`, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    assert.equal((await fetch(`${env.base}/images/output/p1/nifti/none.nii.gz`)).status, 404);
    const info = await getJson<{ name: string; engine: { name: string } }>(`${env.base}/api/vista3d/v1/vista3d/info`);
    assert.equal(info.status, 200);
    assert.equal(info.body.name, 'vista3d-backend');
    assert.equal(info.body.engine.name, 'vista3d-cpu-classical');
  });

  it('serves the web UI with index.html fallback for client routes', async () => {
    const index = await fetch(`${env.base}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${env.base}/viewer/p1/ct`)).status, 200);
    const js = await fetch(`${env.base}/app.js`);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${env.base}/missing.js`)).status, 404);
    const api = await getJson<{ code: string }>(`${env.base}/api/nothing`);
    assert.equal(api.status, 404);
    assert.equal((await fetch(`${env.base}/..%2F..%2Fetc%2Fpasswd.txt`)).status, 404);
  });
});

describe('uploads', () => {
  it('stores an uploaded raw .nii gzipped as <patient>/nifti/<scan>.nii.gz', async () => {
    const raw = gunzipSync(await readFile(CT));
    const res = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form({ patient: 'up1' }, [['file', raw, 'chest.nii']]) });
    const body = (await res.json()) as { scan: { id: string; dims: number[] } };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.scan.id, 'chest');
    assert.deepEqual(body.scan.dims, [122, 101, 30]);
    const stored = await readFile(join(env.output, 'up1', 'nifti', 'chest.nii.gz'));
    assert.deepEqual(gunzipSync(stored), raw);
    const dup = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form({ patient: 'up1' }, [['file', raw, 'chest.nii']]) });
    assert.equal(dup.status, 409);
  });

  it('rejects corrupted or truncated NIfTI with 422 and writes nothing', async () => {
    const ct = await readFile(CT);
    const cases: Array<[Uint8Array, string]> = [
      [new TextEncoder().encode('this is not nifti at all, just text'.repeat(20)), 'junk.nii'],
      [ct.subarray(0, ct.byteLength >> 1), 'half.nii.gz'],
      [gunzipSync(ct).subarray(0, 5000), 'short.nii'],
    ];
    for (const [bytes, name] of cases) {
      const res = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form({ patient: 'bad' }, [['file', bytes, name]]) });
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, 422, `${name}: ${JSON.stringify(body)}`);
      assert.match(body.code, /INVALID_NIFTI|NOT_3D/);
    }
    await assert.rejects(stat(join(env.output, 'bad')));
    assert.deepEqual(await readdir(join(env.output, '.uploads')), []);
    const noPatient = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form({}, [['file', ct, 'x.nii.gz']]) });
    assert.equal(noPatient.status, 400);
    const notNifti = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form({ patient: 'p' }, [['file', ct, 'x.png']]) });
    assert.equal(notNifti.status, 400);
  });

  it('answers 413 over MAX_UPLOAD_BYTES', async () => {
    const big = new Uint8Array(4 << 20);
    const res = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form({ patient: 'big' }, [['file', big, 'big.nii']]) });
    assert.equal(res.status, 413);
    await assert.rejects(stat(join(env.output, 'big')));
  });

  it('unpacks a DICOM zip atomically and rejects zip-slip', async () => {
    const dcm = new Uint8Array(await readFile(join(DATA, 'dicom', 'dcmqi_ct_3slice', '01.dcm')));
    const dcm2 = new Uint8Array(await readFile(join(DATA, 'dicom', 'dcmqi_ct_3slice', '02.dcm')));
    const zip = zipSync({ 'series1/IM0001.dcm': dcm, 'series1/IM0002.dcm': dcm2, 'series1/readme.txt': new Uint8Array([104, 105]), '__MACOSX/x': new Uint8Array([0]) });
    const res = await fetch(`${env.base}/api/upload/dicom`, { method: 'POST', body: form({ patient: 'd2' }, [['file', zip, 'study.zip']]) });
    const body = (await res.json()) as { folder: string; files: number; skipped: Array<{ file: string; reason: string }> };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.files, 2);
    assert.deepEqual(body.skipped.map((s) => s.file), ['study.zip/series1/readme.txt']);
    assert.deepEqual((await readdir(join(env.dicom, 'd2', body.folder, 'series1'))).sort(), ['IM0001.dcm', 'IM0002.dcm']);

    // a DICOM-only patient is a patient: listed, counted, no scans yet (not an error), deletable
    const scans = await getJson<unknown[]>(`${env.base}/api/patients/d2/scans`);
    assert.equal(scans.status, 200, JSON.stringify(scans.body));
    assert.deepEqual(scans.body, []);
    const status = await getJson<{ counts: { patients: number } }>(`${env.base}/api/status`);
    const listed = await getJson<Array<{ id: string }>>(`${env.base}/api/patients`);
    assert.equal(status.body.counts.patients, listed.body.length);
    assert.ok(listed.body.some((p) => p.id === 'd2'));

    // text and junk are not DICOM: 400 naming the files, nothing stored
    const txt = await fetch(`${env.base}/api/upload/dicom`, {
      method: 'POST',
      body: form({ patient: 'junk' }, [['files', new TextEncoder().encode('hello world'.repeat(20)), 'notes.txt'], ['files', new Uint8Array(300), 'x.dcm']]),
    });
    const txtBody = (await txt.json()) as { code: string; message: string };
    assert.equal(txt.status, 400, JSON.stringify(txtBody));
    assert.equal(txtBody.code, 'NOT_DICOM');
    assert.match(txtBody.message, /notes\.txt/);
    assert.deepEqual(await readdir(join(env.dicom, 'junk')).catch(() => []), []);

    for (const evil of ['../../evil.dcm', '/etc/evil.dcm', 'a/../../evil.dcm']) {
      const z = zipSync({ 'ok.dcm': dcm, [evil]: dcm });
      const r = await fetch(`${env.base}/api/upload/dicom`, { method: 'POST', body: form({ patient: 'd3' }, [['file', z, 'evil.zip']]) });
      const b = (await r.json()) as { code: string };
      assert.equal(r.status, 400, evil);
      assert.equal(b.code, 'ZIP_SLIP');
    }
    assert.deepEqual(await readdir(join(env.dicom, 'd3')).catch(() => []), []);
    await assert.rejects(stat(join(env.dir, 'evil.dcm')));

    const many = await fetch(`${env.base}/api/upload/dicom`, {
      method: 'POST',
      body: form({ patient: 'd4' }, [['files', dcm, 'a.dcm'], ['files', dcm2, 'b.dcm']]),
    });
    assert.equal(many.status, 201);
    const gone = await getJson<{ deleted: { dicom: boolean } }>(`${env.base}/api/patients/d4?confirm=true`, { method: 'DELETE' });
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.equal(gone.body.deleted.dicom, true);
    await assert.rejects(stat(join(env.dicom, 'd4')));
    const broken = await fetch(`${env.base}/api/upload/dicom`, { method: 'POST', body: form({ patient: 'd5' }, [['file', new Uint8Array([0x50, 0x4b, 1, 2]), 'x.zip']]) });
    assert.equal(broken.status, 400);
  });

  it('deletes scans and patients only with ?confirm=true', async () => {
    const no = await getJson<{ code: string }>(`${env.base}/api/patients/up1/scans/chest`, { method: 'DELETE' });
    assert.equal(no.status, 400);
    assert.equal(no.body.code, 'CONFIRMATION_REQUIRED');
    assert.equal((await getJson(`${env.base}/api/patients/up1/scans/nope?confirm=true`, { method: 'DELETE' })).status, 404);
    assert.equal((await getJson(`${env.base}/api/patients/up1/scans/chest?confirm=true`, { method: 'DELETE' })).status, 200);
    await assert.rejects(stat(join(env.output, 'up1', 'nifti', 'chest.nii.gz')));
    assert.equal((await getJson(`${env.base}/api/patients/up1`, { method: 'DELETE' })).status, 400);
    assert.equal((await getJson(`${env.base}/api/patients/up1?confirm=true`, { method: 'DELETE' })).status, 200);
    assert.equal((await getJson(`${env.base}/api/patients/up1?confirm=true`, { method: 'DELETE' })).status, 404);
  });
});
