import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_NAME_LENGTH } from '@vista3d/store';
import { flatNifti, gzipBomb, smallNifti } from '../../../packages/volume/test/bad-nifti.js';
import { startServer, w, type TestServer } from './helpers.js';

async function json(res: Response): Promise<{ statusCode: number; code: string; message: string }> {
  assert.match(String(res.headers.get('content-type')), /application\/json/);
  return (await res.json()) as { statusCode: number; code: string; message: string };
}

describe('image server: NIfTI writes pass the shared upload rule; paths follow the store id rule', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ maxUploadBytes: 10 * 1024 * 1024 });
  });
  after(() => s.close());

  test('a gzip bomb PUT is refused with 422 JSON, quickly, and nothing is written', async () => {
    const bomb = await gzipBomb();
    const t0 = performance.now();
    const res = await fetch(`${s.base}/output/b1/nifti/bomb.nii.gz`, w({ method: 'PUT', body: bomb }));
    assert.equal(res.status, 422);
    const body = await json(res);
    assert.equal(body.code, 'INFLATED_SIZE_MISMATCH', body.message);
    assert.ok(performance.now() - t0 < 10_000, 'refused quickly');
    await assert.rejects(stat(join(s.outputDir, 'b1/nifti/bomb.nii.gz')));
  });

  test('a 2D image (multipart POST) and a header over MAX_VOLUME_BYTES are refused', async () => {
    const form = new FormData();
    form.append('file', new Blob([await flatNifti()]), 'flat.nii');
    const flat = await fetch(`${s.base}/output/b2/nifti/`, w({ method: 'POST', body: form }));
    assert.equal(flat.status, 422);
    assert.equal((await json(flat)).code, 'NOT_3D');
    await assert.rejects(stat(join(s.outputDir, 'b2/nifti/flat.nii')));

    const small = await startServer({ maxVolumeBytes: 1000 });
    try {
      const big = await fetch(`${small.base}/output/b3/voxels/s/all.nii.gz`, w({ method: 'PUT', body: gzipSync(await smallNifti()) }));
      assert.equal(big.status, 413);
      assert.equal((await json(big)).code, 'VOLUME_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  test('a valid small volume and non-NIfTI files are still stored', async () => {
    const ok = await fetch(`${s.base}/output/b4/voxels/s1/all.nii.gz`, w({ method: 'PUT', body: gzipSync(await smallNifti()) }));
    assert.equal(ok.status, 201, await ok.text());
    const text = await fetch(`${s.base}/output/b4/notes.txt`, w({ method: 'PUT', body: 'not a volume' }));
    assert.equal(text.status, 201);
  });

  test(`ids the store refuses are 400 INVALID_NAME on read, write and delete; ${MAX_NAME_LENGTH}-character ids work`, async () => {
    const long = 'p'.repeat(MAX_NAME_LENGTH);
    const tooLong = 'p'.repeat(MAX_NAME_LENGTH + 1);
    const put = await fetch(`${s.base}/output/${long}/nifti/${'s'.repeat(MAX_NAME_LENGTH)}.nii.gz`, w({ method: 'PUT', body: gzipSync(await smallNifti()) }));
    assert.equal(put.status, 201, await put.text());
    assert.equal((await fetch(`${s.base}/output/${long}/nifti/${'s'.repeat(MAX_NAME_LENGTH)}.nii.gz`)).status, 200);
    const bad: Array<[string, string]> = [
      ['PUT', `/output/${tooLong}/notes.txt`],
      ['PUT', `/output/p1/nifti/${'s'.repeat(MAX_NAME_LENGTH + 1)}.nii.gz`],
      ['PUT', '/output/p1/voxels/%20padded/all.nii.gz'],
      ['POST', '/output/p1/nifti/?name=a%3Ab.nii.gz'],
      ['GET', `/output/${tooLong}/`],
      ['GET', '/output/p1/meshes/.hidden/x.glb'],
      ['DELETE', `/output/p1/versions/${'v'.repeat(MAX_NAME_LENGTH + 1)}/1/all.nii.gz`],
    ];
    for (const [method, path] of bad) {
      const res = await fetch(`${s.base}${path}`, w({ method, body: method === 'PUT' || method === 'POST' ? 'x' : undefined }));
      assert.equal(res.status, 400, `${method} ${path}`);
      const body = await json(res);
      assert.equal(body.code, 'INVALID_NAME', `${method} ${path}`);
      assert.match(body.message, /invalid (patient|scan) id/);
    }
    await assert.rejects(stat(join(s.outputDir, tooLong)));
  });
});
