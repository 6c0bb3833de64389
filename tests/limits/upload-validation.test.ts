import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNifti, readNifti } from '@vista3d/volume';
import { CT_SM, startEnv } from '../../apps/frontend/test/api/helpers.js';
import type { Env } from '../../apps/frontend/test/api/helpers.js';

async function upload(env: Env, bytes: Uint8Array, name: string, patient = 'up1'): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.set('patient', patient);
  form.set('file', new Blob([bytes]), name);
  const res = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('NIfTI uploads are validated before they are stored', () => {
  let env: Env;
  let header: Uint8Array;
  before(async () => {
    env = await startEnv({}, {}, { backend: 'none' });
    // a real header of a small volume (64×64×32 uint8 = 128 KiB of voxels)
    const ct = await readNifti(CT_SM);
    const small = { ...ct, dims: [64, 64, 32] as [number, number, number], datatype: 'uint8' as const, data: new Uint8Array(64 * 64 * 32), scl: { slope: 1, inter: 0 } };
    const raw = new Uint8Array(await encodeNifti(small as never, { gzip: false }));
    header = raw.subarray(0, 352);
  });
  after(() => env.close());

  it('a 2 MB gzip that inflates to 2 GiB is refused quickly with bounded memory', async () => {
    // the header promises 128 KiB of voxels; the stream then inflates to 2 GiB of zeros
    const chunk = new Uint8Array(64 << 20);
    const parts: Buffer[] = [];
    const gz = (await import('node:zlib')).createGzip({ level: 9 });
    gz.on('data', (d: Buffer) => parts.push(d));
    gz.write(header);
    for (let i = 0; i < 32; i++) gz.write(chunk);
    await new Promise<void>((r) => gz.end(r));
    const bomb = Buffer.concat(parts);
    assert.ok(bomb.byteLength < 3 << 20, `bomb is ${bomb.byteLength} bytes`);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const res = await upload(env, bomb, 'bomb.nii.gz');
    const seconds = (performance.now() - t0) / 1000;
    const growthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'INFLATED_SIZE_MISMATCH', String(res.body.message));
    assert.ok(seconds < 10, `refused in ${seconds.toFixed(1)} s`);
    assert.ok(growthMb < 200, `RSS grew ${growthMb.toFixed(0)} MiB`);
  });

  it('a header promising more than MAX_VOLUME_BYTES (by data type) is 413', async () => {
    const big = new Uint8Array(header);
    const view = new DataView(big.buffer);
    view.setInt16(42, 2048, true); // dim[1]
    view.setInt16(44, 2048, true); // dim[2]
    view.setInt16(46, 2048, true); // dim[3]
    const res = await upload(env, gzipSync(big), 'huge.nii.gz');
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.code, 'VOLUME_TOO_LARGE');
  });

  it('a 2D image is refused', async () => {
    const flat = new Uint8Array(header.byteLength + 64 * 64);
    flat.set(header);
    new DataView(flat.buffer).setInt16(46, 1, true); // dim[3] = 1
    const res = await upload(env, flat, 'flat.nii');
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'NOT_3D');
  });

  it('ids of 101–128 characters route (one id rule: store MAX_NAME_LENGTH = frontend routes)', async () => {
    const id = 'p'.repeat(128);
    await mkdir(join(env.output, id, 'nifti'), { recursive: true });
    await copyFile(CT_SM, join(env.output, id, 'nifti', `${'s'.repeat(120)}.nii.gz`));
    const res = await fetch(`${env.base}/api/patients/${id}/scans/${'s'.repeat(120)}`);
    assert.equal(res.status, 200, await res.text());
    const tooLong = await fetch(`${env.base}/api/patients/${'p'.repeat(129)}/scans`);
    assert.equal(tooLong.status, 400);
  });
});
