import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CT, CT_REL, DICOM_SLICE, raw, startServer, type TestServer } from './helpers.js';

describe('image server: reading', () => {
  let s: TestServer;
  let ct: Buffer;
  before(async () => {
    s = await startServer();
    ct = await readFile(CT);
    await writeFile(join(s.outputDir, 'p1/labels.json'), JSON.stringify({ labels: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `label_${i}` })) }));
    await writeFile(join(s.outputDir, 'p1/.ct.nii.gz.123.abc.tmp'), 'partial upload');
  });
  after(() => s.close());

  test('GET a real NIfTI: bytes, content type, validators', async () => {
    const res = await fetch(`${s.base}/output/${CT_REL}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-length'), String(ct.length));
    assert.match(res.headers.get('etag') ?? '', /^W\/"/);
    assert.ok(res.headers.get('last-modified'));
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(ct));
  });

  test('HEAD has the GET headers and no body', async () => {
    const res = await raw(s.base, 'HEAD', `/output/${CT_REL}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(ct.length));
    assert.equal(res.body.length, 0);
  });

  test('DICOM root: application/dicom', async () => {
    const res = await fetch(`${s.base}/dicom/p1/slice1.dcm`);
    assert.equal(res.headers.get('content-type'), 'application/dicom');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(await readFile(DICOM_SLICE)));
  });

  test('ETag / If-None-Match and If-Modified-Since → 304', async () => {
    const first = await fetch(`${s.base}/output/${CT_REL}`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const r1 = await fetch(`${s.base}/output/${CT_REL}`, { headers: { 'if-none-match': etag } });
    assert.equal(r1.status, 304);
    assert.equal((await r1.arrayBuffer()).byteLength, 0);
    const r2 = await fetch(`${s.base}/output/${CT_REL}`, { headers: { 'if-modified-since': first.headers.get('last-modified')! } });
    assert.equal(r2.status, 304);
    const r3 = await fetch(`${s.base}/output/${CT_REL}`, { headers: { 'if-none-match': 'W/"stale"' } });
    assert.equal(r3.status, 200);
    await r3.arrayBuffer();
  });

  test('Range → 206 with exactly the file slice', async () => {
    const ranges: Array<[string, number, number]> = [
      ['bytes=0-351', 0, 351],
      ['bytes=1000-1999', 1000, 1999],
      [`bytes=${ct.length - 10}-`, ct.length - 10, ct.length - 1],
      ['bytes=-500', ct.length - 500, ct.length - 1],
      [`bytes=100-${ct.length + 1000}`, 100, ct.length - 1],
    ];
    for (const [header, start, end] of ranges) {
      const res = await fetch(`${s.base}/output/${CT_REL}`, { headers: { range: header } });
      assert.equal(res.status, 206, header);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${ct.length}`);
      assert.equal(res.headers.get('content-length'), String(end - start + 1));
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(ct.subarray(start, end + 1)), header);
    }
  });

  test('unsatisfiable Range → 416 JSON with Content-Range */size', async () => {
    const res = await fetch(`${s.base}/output/${CT_REL}`, { headers: { range: `bytes=${ct.length}-` } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), `bytes */${ct.length}`);
    const body = (await res.json()) as { code: string };
    assert.equal(body.code, 'RANGE_NOT_SATISFIABLE');
  });

  test('If-Range with a stale validator serves the whole file', async () => {
    const res = await fetch(`${s.base}/output/${CT_REL}`, { headers: { range: 'bytes=0-9', 'if-range': '"old"' } });
    assert.equal(res.status, 200);
    assert.equal((await res.arrayBuffer()).byteLength, ct.length);
  });

  test('JSON is gzipped on the fly when accepted, never with a Range', async () => {
    const original = await readFile(join(s.outputDir, 'p1/labels.json'));
    const gz = await raw(s.base, 'GET', '/output/p1/labels.json', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['content-type'], 'application/json; charset=utf-8');
    assert.ok(gz.body.length < original.length);
    assert.ok(gunzipSync(gz.body).equals(original));
    const plain = await raw(s.base, 'GET', '/output/p1/labels.json', { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
    assert.equal(plain.status, 206);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(original.subarray(0, 10)));
    const identity = await raw(s.base, 'GET', '/output/p1/labels.json');
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.ok(identity.body.equals(original));
  });

  test('directory listing: JSON (query or Accept) and HTML; temp files hidden', async () => {
    const res = await fetch(`${s.base}/output/p1/?format=json`);
    assert.equal(res.status, 200);
    const entries = (await res.json()) as Array<{ name: string; type: string; size: number; mtime: string; url: string }>;
    assert.deepEqual(entries.map((e) => [e.name, e.type, e.url]), [
      ['nifti', 'directory', '/output/p1/nifti/'],
      ['labels.json', 'file', '/output/p1/labels.json'],
    ]);
    assert.ok(!Number.isNaN(Date.parse(entries[1].mtime)));
    const viaAccept = await fetch(`${s.base}/output/p1/nifti/`, { headers: { accept: 'application/json' } });
    const files = (await viaAccept.json()) as Array<{ name: string; type: string; size: number; mtime: string; url: string }>;
    assert.deepEqual(files, [{ name: 'ct.nii.gz', type: 'file', size: ct.length, mtime: files[0].mtime, url: '/output/p1/nifti/ct.nii.gz' }]);
    const html = await fetch(`${s.base}/output/p1/`);
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    const text = await html.text();
    assert.match(text, /href="\/output\/p1\/nifti\/"/);
    assert.doesNotMatch(text, /\.tmp/);
    const hidden = await fetch(`${s.base}/output/p1/.ct.nii.gz.123.abc.tmp`);
    assert.equal(hidden.status, 404);
    await hidden.arrayBuffer();
  });

  test('root listing shows both roots; /images alias serves the same files', async () => {
    const root = (await (await fetch(`${s.base}/?format=json`)).json()) as Array<{ name: string; url: string }>;
    assert.deepEqual(root.map((e) => [e.name, e.url]), [['output', '/output/'], ['dicom', '/dicom/']]);
    const aliased = (await (await fetch(`${s.base}/images/?format=json`)).json()) as Array<{ url: string }>;
    assert.deepEqual(aliased.map((e) => e.url), ['/images/output/', '/images/dicom/']);
    const res = await fetch(`${s.base}/images/output/${CT_REL}`, { headers: { range: 'bytes=0-3' } });
    assert.equal(res.status, 206);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(ct.subarray(0, 4)));
    const list = (await (await fetch(`${s.base}/images/output/p1/?format=json`)).json()) as Array<{ url: string }>;
    assert.ok(list.some((e) => e.url === '/images/output/p1/labels.json'));
    const health = await fetch(`${s.base}/images/health`);
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });

  test('missing file → 404 JSON; file with trailing slash → 404; bad query → 400', async () => {
    for (const path of ['/output/p1/nope.nii.gz', '/output/p1/nifti/ct.nii.gz/', '/dicom/none/']) {
      const res = await fetch(`${s.base}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { statusCode: number }).statusCode, 404);
    }
    const bad = await fetch(`${s.base}/output/p1/?format=xml`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'INVALID_REQUEST');
  });

  test('CORS: simple request headers and preflight', async () => {
    const get = await fetch(`${s.base}/output/${CT_REL}`, { headers: { origin: 'http://viewer.example', range: 'bytes=0-1' } });
    await get.arrayBuffer();
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
    const exposed = (get.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const h of ['content-range', 'content-length', 'etag']) assert.ok(exposed.includes(h), h);
    const pre = await fetch(`${s.base}/output/${CT_REL}`, {
      method: 'OPTIONS',
      headers: { origin: 'http://viewer.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    assert.equal(pre.status, 204);
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /GET/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /range/i);
  });

  test('/health reports both roots', async () => {
    const body = (await (await fetch(`${s.base}/health`)).json()) as { status: string; version: string; roots: { output: { path: string; readable: boolean; writable: boolean }; dicom: { readable: boolean } } };
    assert.equal(body.status, 'ok');
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(body.roots.output, { path: s.outputDir, readable: true, writable: true });
    assert.equal(body.roots.dicom.readable, true);
  });

  test('/metrics counts served bytes', async () => {
    const res = await fetch(`${s.base}/output/${CT_REL}`, { headers: { range: 'bytes=0-99' } });
    await res.arrayBuffer();
    const text = await (await fetch(`${s.base}/metrics`)).text();
    const m = /image_server_bytes_served_total\{root="output"\} (\d+)/.exec(text);
    assert.ok(m && Number(m[1]) >= 100, 'bytes counter present');
    assert.match(text, /image_server_http_requests_total/);
  });
});

describe('image server: CORS allow-list and degraded health', () => {
  test('only listed origins are allowed', async () => {
    const s = await startServer({ corsOrigins: ['http://good.example'] });
    try {
      const good = await fetch(`${s.base}/health`, { headers: { origin: 'http://good.example' } });
      assert.equal(good.headers.get('access-control-allow-origin'), 'http://good.example');
      await good.arrayBuffer();
      const bad = await fetch(`${s.base}/health`, { headers: { origin: 'http://evil.example' } });
      assert.equal(bad.headers.get('access-control-allow-origin'), null);
      await bad.arrayBuffer();
    } finally {
      await s.close();
    }
  });

  test('missing dicom root → degraded, listing of it 404 JSON', async () => {
    const s = await startServer();
    try {
      await rm(s.dicomDir, { recursive: true });
      const body = (await (await fetch(`${s.base}/health`)).json()) as { status: string; roots: { dicom: { readable: boolean } } };
      assert.equal(body.status, 'degraded');
      assert.equal(body.roots.dicom.readable, false);
      const res = await fetch(`${s.base}/dicom/`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { code: string }).code, 'ROOT_MISSING');
    } finally {
      await s.close();
    }
  });
});
