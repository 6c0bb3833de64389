import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTH, CT, raw, startServer, w, type TestServer } from './helpers.js';

const LIMIT = 3 * 1024 * 1024; // the 2.2 MB CT fits, 4 MB does not

/** All names under a folder, recursively, hidden temp files included. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

describe('image server: uploads', () => {
  let s: TestServer;
  let ct: Buffer;
  before(async () => {
    s = await startServer({ maxUploadBytes: LIMIT });
    ct = await readFile(CT);
  });
  after(() => s.close());

  test('PUT streams a real NIfTI into new folders; 201 and identical bytes', async () => {
    const res = await fetch(`${s.base}/output/p9/nifti/up.nii.gz`, w({ method: 'PUT', body: ct, headers: { 'content-type': 'application/gzip' } }));
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { path: 'p9/nifti/up.nii.gz', size: ct.length, url: '/output/p9/nifti/up.nii.gz' });
    assert.ok((await readFile(join(s.outputDir, 'p9/nifti/up.nii.gz'))).equals(ct));
    const back = await fetch(`${s.base}/output/p9/nifti/up.nii.gz`);
    assert.ok(Buffer.from(await back.arrayBuffer()).equals(ct));
  });

  test('PUT of a .json body is stored verbatim (not parsed), replacing atomically', async () => {
    const a = '{"version": 1}';
    const b = '{"version": 2, "extra": true}';
    for (const body of [a, b]) {
      const res = await fetch(`${s.base}/output/p9/meta.json`, w({ method: 'PUT', body, headers: { 'content-type': 'application/json' } }));
      assert.equal(res.status, 201);
      await res.arrayBuffer();
    }
    assert.equal(await readFile(join(s.outputDir, 'p9/meta.json'), 'utf8'), b);
  });

  test('POST multipart into a folder (file name from the part or ?name=)', async () => {
    const form = new FormData();
    form.append('note', 'fields before the file are ignored');
    form.append('file', new Blob([ct]), 'scan.nii.gz');
    const res = await fetch(`${s.base}/output/p10/nifti/`, w({ method: 'POST', body: form }));
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { path: 'p10/nifti/scan.nii.gz', size: ct.length, url: '/output/p10/nifti/scan.nii.gz' });
    assert.ok((await readFile(join(s.outputDir, 'p10/nifti/scan.nii.gz'))).equals(ct));

    const renamed = new FormData();
    renamed.append('file', new Blob(['a,b\n1,2\n']), 'ignored.csv');
    const r2 = await fetch(`${s.base}/output/p10/?name=stats.csv`, w({ method: 'POST', body: renamed }));
    assert.equal(r2.status, 201);
    assert.equal(((await r2.json()) as { url: string }).url, '/output/p10/stats.csv');
    assert.equal(await readFile(join(s.outputDir, 'p10/stats.csv'), 'utf8'), 'a,b\n1,2\n');
  });

  test('writes need the service credential and never go through the public /images path', async () => {
    const anonymous = await fetch(`${s.base}/output/p16/x.txt`, { method: 'PUT', body: 'x' });
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { code: string }).code, 'WRITE_AUTH_REQUIRED');
    const wrong = await fetch(`${s.base}/output/p16/x.txt`, { method: 'PUT', body: 'x', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    await wrong.arrayBuffer();
    // Even with the credential: /images is what the ingress exposes to browsers.
    for (const [method, path] of [['PUT', '/images/output/p16/x.html'], ['POST', '/images/output/p16/?name=x.html'], ['DELETE', '/images/output/p1/nifti/ct.nii.gz']]) {
      const res = await fetch(`${s.base}${path}`, w({ method, body: method === 'DELETE' ? undefined : '<script>alert(1)</script>' }));
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(((await res.json()) as { code: string }).code, 'READ_ONLY_PATH');
    }
    await assert.rejects(stat(join(s.outputDir, 'p16')));
    await stat(join(s.outputDir, 'p1/nifti/ct.nii.gz'));
  });

  test('POST raw body needs ?name=', async () => {
    const ok = await fetch(`${s.base}/output/p11?name=mesh.obj`, w({ method: 'POST', body: 'v 0 0 0\n' }));
    assert.equal(ok.status, 201);
    assert.equal(((await ok.json()) as { path: string }).path, 'p11/mesh.obj');
    const missing = await fetch(`${s.base}/output/p11`, w({ method: 'POST', body: 'x' }));
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { code: string }).code, 'NAME_REQUIRED');
  });

  test('declared body over MAX_UPLOAD_BYTES → 413 JSON and nothing written', async () => {
    const big = Buffer.alloc(LIMIT + 1);
    const res = await raw(s.base, 'PUT', '/output/p12/big.bin', { ...AUTH, 'content-type': 'application/octet-stream' }, big);
    assert.equal(res.status, 413);
    assert.equal((JSON.parse(res.body.toString()) as { code: string }).code, 'UPLOAD_TOO_LARGE');
    await assert.rejects(stat(join(s.outputDir, 'p12/big.bin')));
  });

  test('chunked body that grows past the limit → 413, temp file removed', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(s.base);
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'PUT', path: '/output/p13/stream.bin', headers: AUTH, agent: false }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 7);
      let sent = 0;
      // No Content-Length: the server can only find out by counting.
      const pump = (): void => {
        while (sent <= LIMIT + chunk.length && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(res.status, 413);
    assert.match(res.body, /UPLOAD_TOO_LARGE/);
    const names = await tree(s.outputDir);
    assert.ok(!names.some((n) => n.startsWith('p13/') && n !== 'p13'), `left over: ${names.join(', ')}`);
  });

  test('aborted upload leaves neither the file nor a temp file', async () => {
    const url = new URL(s.base);
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'PUT', path: '/output/p14/half.nii.gz', headers: { ...AUTH, 'content-length': String(ct.length) }, agent: false });
    req.on('error', () => undefined);
    req.write(ct.subarray(0, 500_000));
    // Wait until the server has started writing the temp file, then cut the connection.
    let sawTemp = false;
    for (let i = 0; i < 500 && !sawTemp; i++) {
      await sleep(10);
      sawTemp = (await tree(s.outputDir).catch(() => [])).some((n) => /^p14\/\..*\.tmp$/.test(n));
    }
    assert.ok(sawTemp, 'temp file appeared during upload');
    req.destroy();
    let names: string[] = [];
    for (let i = 0; i < 500; i++) {
      await sleep(10);
      names = (await tree(s.outputDir)).filter((n) => n.startsWith('p14/'));
      if (names.length === 0) break;
    }
    assert.deepEqual(names, [], 'no partial or temp file');
    // And the server is still fine.
    assert.equal((await fetch(`${s.base}/health`)).status, 200);
  });

  test('writing over a folder or below a file → 409', async () => {
    const dir = await fetch(`${s.base}/output/p9/nifti`, w({ method: 'PUT', body: 'x' }));
    assert.equal(dir.status, 409);
    await dir.arrayBuffer();
    const below = await fetch(`${s.base}/output/p9/meta.json/child.txt`, w({ method: 'PUT', body: 'x' }));
    assert.equal(below.status, 409);
    await below.arrayBuffer();
    const slash = await fetch(`${s.base}/output/p9/`, w({ method: 'PUT', body: 'x' }));
    assert.equal(slash.status, 400);
    await slash.arrayBuffer();
  });

  test('DELETE removes a file; folders and missing files are refused', async () => {
    const put = await fetch(`${s.base}/output/p15/gone.txt`, w({ method: 'PUT', body: 'bye' }));
    await put.arrayBuffer();
    const del = await fetch(`${s.base}/output/p15/gone.txt`, w({ method: 'DELETE' }));
    assert.equal(del.status, 200);
    assert.deepEqual(await del.json(), { deleted: 'p15/gone.txt' });
    await assert.rejects(stat(join(s.outputDir, 'p15/gone.txt')));
    const again = await fetch(`${s.base}/output/p15/gone.txt`, w({ method: 'DELETE' }));
    assert.equal(again.status, 404);
    await again.arrayBuffer();
    const folder = await fetch(`${s.base}/output/p15`, w({ method: 'DELETE' }));
    assert.equal(folder.status, 409);
    await folder.arrayBuffer();
  });

  test('/dicom is always read-only: 405 with Allow', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      const res = await fetch(`${s.base}/dicom/p1/slice1.dcm?name=x`, w({ method, body: method === 'DELETE' ? undefined : 'x' }));
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
      assert.equal(((await res.json()) as { code: string }).code, 'READ_ONLY_ROOT');
    }
  });

  test('metrics count uploaded bytes', async () => {
    const text = await (await fetch(`${s.base}/metrics`)).text();
    const m = /image_server_bytes_uploaded_total\{root="output"\} (\d+)/.exec(text);
    assert.ok(m && Number(m[1]) >= ct.length * 2);
  });
});

describe('image server: READ_ONLY', () => {
  test('uploads and deletes answer 405; reads still work', async () => {
    const s = await startServer({ readOnly: true });
    try {
      for (const [method, path] of [['PUT', '/output/x.txt'], ['POST', '/output/?name=x.txt'], ['DELETE', '/output/p1/nifti/ct.nii.gz']]) {
        const res = await fetch(`${s.base}${path}`, w({ method, body: method === 'DELETE' ? undefined : 'x' }));
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(((await res.json()) as { code: string }).code, 'READ_ONLY');
      }
      assert.deepEqual((await tree(s.outputDir)).filter((n) => !n.startsWith('p1')), []);
      const get = await fetch(`${s.base}/output/p1/nifti/ct.nii.gz`, { method: 'HEAD' });
      assert.equal(get.status, 200);
      const health = (await (await fetch(`${s.base}/health`)).json()) as { status: string; readOnly: boolean };
      assert.deepEqual([health.status, health.readOnly], ['ok', true]);
    } finally {
      await s.close();
    }
  });
});
