import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createVolumeLike, encodeNifti, identity, type Volume } from '@vista3d/volume';
import { CT, postJson, RejectingEngine, serveFile, startHarness, startRawServer, ThresholdEngine, type Harness } from './helpers.js';

interface ErrorJson {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}

async function expectError(res: Response, status: number, code: string, message?: RegExp): Promise<ErrorJson> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${text}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = JSON.parse(text) as ErrorJson;
  assert.equal(body.code, code, text);
  assert.equal(body.statusCode, status);
  if (message) assert.match(body.message, message);
  return body;
}

function tinyVolume(dims: [number, number, number], frames = 1): Volume {
  const base = { dims, spacing: [1, 1, 1] as [number, number, number], affine: identity(), meta: { description: '', qformCode: 1, sformCode: 1, affineSource: 'sform' as const, xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 } };
  const vol = createVolumeLike(base, 'int16');
  return frames > 1 ? { ...vol, frames, data: new Int16Array(vol.data.length * frames) } : vol;
}

describe('bad requests → 4xx JSON', () => {
  let h: Harness;
  let ctBytes: Buffer;
  before(async () => {
    // A timeout long enough for the real CT on a loaded machine; the timeout test has its own server.
    h = await startHarness({ imageFetchTimeoutMs: 20_000 });
    ctBytes = await readFile(CT);
    await serveFile(h, 'text.nii.gz', 'hello, this is not an image');
    await serveFile(h, 'gztext.nii.gz', gzipSync(Buffer.from('<html>not found</html>'.repeat(40))));
    await serveFile(h, 'truncated.nii.gz', ctBytes.subarray(0, Math.floor(ctBytes.length * 0.6)));
    await serveFile(h, 'corrupt.nii.gz', Buffer.concat([ctBytes.subarray(0, 200), Buffer.alloc(5000, 0xab)]));
    await serveFile(h, 'flat.nii.gz', await encodeNifti(tinyVolume([16, 16, 1]), { gzip: true }));
    await serveFile(h, 'fourd.nii.gz', await encodeNifti(tinyVolume([8, 8, 8], 3), { gzip: true }));
  });
  after(async () => h.close());

  const url = (name: string): string => `${h.images}/${name}`;

  test('non-NIfTI content → 422 NOT_NIFTI', async () => {
    await expectError(await postJson(h.base, { image: url('text.nii.gz') }), 422, 'NOT_NIFTI', /not a NIfTI/);
    await expectError(await postJson(h.base, { image: url('gztext.nii.gz') }), 422, 'NOT_NIFTI');
  });

  test('truncated / corrupt NIfTI → 422 with the NiftiError code', async () => {
    await expectError(await postJson(h.base, { image: url('truncated.nii.gz') }), 422, 'TRUNCATED', /truncated/);
    await expectError(await postJson(h.base, { image: url('corrupt.nii.gz') }), 422, 'CORRUPT_GZIP');
    const upload = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: ctBytes.subarray(0, 100_000) });
    await expectError(upload, 422, 'TRUNCATED');
  });

  test('2D and 4D images → 422 NOT_3D', async () => {
    await expectError(await postJson(h.base, { image: url('flat.nii.gz') }), 422, 'NOT_3D', /2D \(16×16×1\)/);
    await expectError(await postJson(h.base, { image: url('fourd.nii.gz') }), 422, 'NOT_3D', /4D .*3 frames/);
  });

  test('unknown class → 400 UNKNOWN_CLASS listing every unknown', async () => {
    const body = await expectError(
      await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['liver', 'wing', 999] } }),
      400,
      'UNKNOWN_CLASS',
      /"wing", 999/,
    );
    assert.deepEqual(body.details, { unknown: ['wing', 999] });
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { points: { tail: [[1, 2, 3]] } } }), 400, 'UNKNOWN_CLASS', /tail/);
  });

  test('points outside the volume → 400 POINT_OUTSIDE_VOLUME', async () => {
    await expectError(
      await postJson(h.base, { image: url('ct.nii.gz'), prompts: { points: { liver: [[10, 10, 10], [122, 5, 5]] } } }),
      400,
      'POINT_OUTSIDE_VOLUME',
      /\[122,5,5\].*0\.\.121/,
    );
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['liver'], points: [[-1, 0, 0]] } }), 400, 'POINT_OUTSIDE_VOLUME');
  });

  test('malformed prompts → 400', async () => {
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: 'liver' } }), 400, 'INVALID_REQUEST', /prompts\.classes/);
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['liver', 'spleen'], points: [[1, 2, 3]] } }), 400, 'INVALID_PROMPTS', /exactly one class/);
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['liver'], points: [[1, 2, 3]], point_labels: [1, 0] } }), 400, 'INVALID_PROMPTS', /2 entries/);
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['liver'], point_labels: [1] } }), 400, 'INVALID_PROMPTS');
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['liver'], points: [[1, 2, 3]], point_labels: [0] } }), 400, 'INVALID_POINTS', /class 1 has only negative points/);
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { points: { liver: [[1, 2, 3]], spleen: [[4, 5, 6]] }, point_labels: { liver: [0], spleen: [0] } } }), 400, 'INVALID_POINTS', /classes 1, 3 have only negative/);
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { organs: ['liver'] } }), 400, 'INVALID_REQUEST', /organs/);
    await expectError(await postJson(h.base, { image: url('ct.nii.gz'), prompts: { classes: ['brain'] } }), 400, 'UNSUPPORTED_CLASS', /brain/);
    const q = await fetch(`${h.base}/v1/vista3d/inference?prompts=%7Bnope`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: ctBytes });
    await expectError(q, 400, 'BAD_JSON', /prompts/);
  });

  test('missing image, bad JSON, bad URL → 400', async () => {
    await expectError(await postJson(h.base, { prompts: { classes: ['liver'] } }), 400, 'MISSING_IMAGE', /image/);
    await expectError(await postJson(h.base, ''), 400, 'MISSING_IMAGE');
    await expectError(await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST' }), 400, 'MISSING_IMAGE');
    await expectError(await postJson(h.base, '{"image": "http://x/', {}), 400, 'BAD_JSON', /not valid JSON/);
    await expectError(await postJson(h.base, { image: 42 }), 400, 'INVALID_REQUEST');
    await expectError(await postJson(h.base, { image: 'file:///etc/passwd' }), 400, 'BAD_IMAGE_URL', /file:/);
    await expectError(await postJson(h.base, { image: 'ftp://127.0.0.1/ct.nii.gz' }), 400, 'BAD_IMAGE_URL');
    await expectError(await postJson(h.base, { image: 'ct.nii.gz' }), 400, 'BAD_IMAGE_URL', /absolute/);
    await expectError(await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip', 'content-length': '0' } }), 400, 'MISSING_IMAGE');
    const noFile = new FormData();
    noFile.append('prompts', '{}');
    await expectError(await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', body: noFile }), 400, 'MISSING_IMAGE');
    const text = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(text.status, 415);
  });

  test('unreachable / failing image URL → 400 IMAGE_FETCH_FAILED naming the host and the reason', async () => {
    const dead = await startRawServer(() => {});
    const deadBase = dead.base;
    await dead.close();
    const host = new URL(deadBase).host;
    const body = await expectError(await postJson(h.base, { image: `${deadBase}/ct.nii.gz` }), 400, 'IMAGE_FETCH_FAILED', new RegExp(`${host}.*ECONNREFUSED`));
    assert.deepEqual(body.details, { host, url: `${deadBase}/ct.nii.gz`, reason: 'ECONNREFUSED' });
    await expectError(await postJson(h.base, { image: 'http://no-such-host.invalid/ct.nii.gz' }), 400, 'IMAGE_FETCH_FAILED', /no-such-host\.invalid: (ENOTFOUND|EAI_AGAIN|no answer)/);
    await expectError(await postJson(h.base, { image: url('missing.nii.gz') }), 400, 'IMAGE_FETCH_FAILED', /HTTP 404/);
  });

  test('image server that never answers → 400 IMAGE_FETCH_FAILED within IMAGE_FETCH_TIMEOUT_MS', async () => {
    const silent = await startRawServer(() => {});
    const slowBody = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.write(ctBytes.subarray(0, 1000)); // then stall
    });
    const hasty = await startHarness({ imageFetchTimeoutMs: 400 });
    try {
      const t0 = Date.now();
      await expectError(await postJson(hasty.base, { image: `${silent.base}/ct.nii.gz` }), 400, 'IMAGE_FETCH_FAILED', /no answer within IMAGE_FETCH_TIMEOUT_MS \(400 ms\)/);
      await expectError(await postJson(hasty.base, { image: `${slowBody.base}/ct.nii.gz` }), 400, 'IMAGE_FETCH_FAILED', /did not finish/);
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      await hasty.close();
      await silent.close();
      await slowBody.close();
    }
  });

  test('engine input errors → 400 with the engine code; engine crash → 500 ENGINE_ERROR', async () => {
    const rejecting = await startHarness({}, new RejectingEngine());
    const crashing = await startHarness({}, new ThresholdEngine(0, new Error('kaboom')));
    try {
      await expectError(await postJson(rejecting.base, { image: `${rejecting.images}/ct.nii.gz` }), 400, 'UNSUPPORTED_CLASS', /refuses/);
      await expectError(await postJson(crashing.base, { image: `${crashing.images}/ct.nii.gz` }), 500, 'ENGINE_ERROR', /kaboom/);
      const metrics = await (await fetch(`${crashing.base}/metrics`)).text();
      assert.match(metrics, /vista3d_backend_engine_errors_total 1/);
      assert.match(metrics, /vista3d_backend_inference_requests_total\{outcome="server_error"\} 1/);
      // still serving afterwards
      assert.equal((await fetch(`${crashing.base}/v1/health/live`)).status, 200);
    } finally {
      await rejecting.close();
      await crashing.close();
    }
  });
});

describe('limits', () => {
  test('volume over MAX_VOXELS → 413 VOLUME_TOO_LARGE; image over MAX_IMAGE_BYTES → 413 IMAGE_TOO_LARGE', async () => {
    const small = await startHarness({ maxVoxels: 100_000 });
    const tight = await startHarness({ maxImageBytes: 50_000 });
    try {
      const ct = await readFile(CT);
      await expectError(await postJson(small.base, { image: `${small.images}/ct.nii.gz` }), 413, 'VOLUME_TOO_LARGE', /1380064 voxels/);
      await expectError(await postJson(tight.base, { image: `${tight.images}/ct.nii.gz` }), 413, 'IMAGE_TOO_LARGE', /MAX_IMAGE_BYTES/);
      // No Content-Length: the limit is enforced while streaming.
      const chunked = await startRawServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/gzip' });
        res.end(ct);
      });
      try {
        await expectError(await postJson(tight.base, { image: `${chunked.base}/ct.nii.gz` }), 413, 'IMAGE_TOO_LARGE');
      } finally {
        await chunked.close();
      }
      const up = await fetch(`${small.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: ct });
      await expectError(up, 413, 'VOLUME_TOO_LARGE');
      const form = new FormData();
      form.append('image', new Blob([ct]), 'ct.nii.gz');
      await expectError(await fetch(`${tight.base}/v1/vista3d/inference`, { method: 'POST', body: form }), 413, 'IMAGE_TOO_LARGE');
      // The servers still work after refusing.
      assert.equal((await fetch(`${tight.base}/v1/health/ready`)).status, 200);
    } finally {
      await small.close();
      await tight.close();
    }
  });
});

describe('security', () => {
  test('API_KEY: inference and info need the bearer key; health and metrics stay open', async () => {
    const h = await startHarness({ apiKey: 's3cret-key' });
    try {
      const body = { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } };
      await expectError(await postJson(h.base, body), 401, 'UNAUTHORIZED', /Authorization/);
      await expectError(await postJson(h.base, body, { authorization: 'Bearer wrong' }), 401, 'UNAUTHORIZED', /invalid/);
      await expectError(await fetch(`${h.base}/v1/vista3d/info`), 401, 'UNAUTHORIZED');
      const ok = await postJson(h.base, body, { authorization: 'Bearer s3cret-key' });
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();
      assert.equal((await fetch(`${h.base}/v1/vista3d/info`, { headers: { authorization: 'Bearer s3cret-key' } })).status, 200);
      for (const p of ['/v1/health/live', '/v1/health/ready', '/metrics']) assert.equal((await fetch(`${h.base}${p}`)).status, 200, p);
    } finally {
      await h.close();
    }
  });

  test('ALLOWED_IMAGE_HOSTS: other hosts → 403, also when reached by redirect', async () => {
    const h = await startHarness({ allowedImageHosts: ['127.0.0.1:*'], allowPrivateImageAddresses: false });
    const redirect = await startRawServer((req, res) => {
      const port = new URL(h.imageBase).port;
      const target = req.url === '/ok' ? `http://127.0.0.1:${port}/output/p1/nifti/ct.nii.gz` : `http://localhost:${port}/output/p1/nifti/ct.nii.gz`;
      res.writeHead(302, { location: target });
      res.end();
    });
    try {
      await expectError(await postJson(h.base, { image: `http://localhost:${new URL(h.imageBase).port}/output/p1/nifti/ct.nii.gz` }), 403, 'IMAGE_HOST_NOT_ALLOWED', /"localhost"/);
      await expectError(await postJson(h.base, { image: `${redirect.base}/elsewhere` }), 403, 'IMAGE_HOST_NOT_ALLOWED', /localhost/);
      for (const image of [`${redirect.base}/ok`, `${h.images}/ct.nii.gz`]) {
        const ok = await postJson(h.base, { image, prompts: { classes: ['bone'] } });
        assert.equal(ok.status, 200);
        await ok.arrayBuffer(); // an unread response keeps its connection busy (and close() waiting)
      }
    } finally {
      await redirect.close();
      await h.close();
    }
  });
});
