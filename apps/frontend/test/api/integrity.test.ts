import assert from 'node:assert/strict';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServer as buildImageServer } from '../../../image-server/src/server.js';
import { startEnv } from './helpers.js';
import type { Env } from './helpers.js';

// Integrity (docs/security.md): crash leftovers are swept at start-up.
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
