import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { createNimClient } from '@vista3d/nim-client';
import { affinesEqual, parseNifti, readNifti, type Volume } from '@vista3d/volume';
import { CT, postJson, startHarness, ThresholdEngine, type Harness } from './helpers.js';

let h: Harness;
let ct: Volume;
let boneCount = 0;

function unzipOne(bytes: Uint8Array): { name: string; volume: Volume } {
  const entries = unzipSync(bytes);
  const names = Object.keys(entries);
  assert.equal(names.length, 1, `ZIP holds ${names.join(', ')}`);
  assert.match(names[0], /\.nii\.gz$/);
  const gz = entries[names[0]];
  assert.equal(gz[0], 0x1f);
  assert.equal(gz[1], 0x8b);
  return { name: names[0], volume: parseNifti(gz) };
}

function checkLabels(vol: Volume, expectBone = true): void {
  assert.deepEqual(vol.dims, ct.dims);
  assert.ok(affinesEqual(vol.affine, ct.affine), 'affine equals the input affine');
  assert.deepEqual(vol.spacing, ct.spacing);
  assert.equal(vol.datatype, 'uint8');
  let n = 0;
  for (let i = 0; i < vol.data.length; i++) if (vol.data[i] === 21) n++;
  assert.equal(n, expectBone ? boneCount : 0);
}

describe('inference (real HTTP, real CT, image server)', () => {
  before(async () => {
    ct = await readNifti(CT);
    for (let i = 0; i < ct.data.length; i++) if (ct.data[i] * ct.scl.slope + ct.scl.inter > 200) boneCount++;
    assert.ok(boneCount > 1000);
    h = await startHarness();
  });
  after(async () => h.close());

  test('by URL: 200, application/zip with one .nii.gz on the input grid', async () => {
    const res = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['Bone'] } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/zip');
    const { name, volume } = unzipOne(new Uint8Array(await res.arrayBuffer()));
    assert.equal(name, 'ct_seg.nii.gz');
    checkLabels(volume);
    assert.deepEqual((h.engine as ThresholdEngine).calls.at(-1)?.classes, [21]);
  });

  test('"labels" and ids are accepted like "classes"; no prompts = every automatic class', async () => {
    for (const prompts of [{ labels: [21] }, { classes: ['21'] }, undefined]) {
      const res = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, ...(prompts ? { prompts } : {}) });
      assert.equal(res.status, 200);
      checkLabels(unzipOne(new Uint8Array(await res.arrayBuffer())).volume);
    }
    assert.equal((h.engine as ThresholdEngine).calls.at(-1)?.classes, undefined);
  });

  test('unsupported automatic classes are skipped and reported; points drive their class', async () => {
    const res = await postJson(h.base, {
      image: `${h.images}/ct.nii.gz`,
      prompts: { classes: ['bone', 'brain'], points: { liver: [[40, 50, 60]] } },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-vista3d-skipped-classes'), '22');
    const { volume } = unzipOne(new Uint8Array(await res.arrayBuffer()));
    assert.equal(volume.data[40 + 122 * (50 + 101 * 60)], 1);
    const call = (h.engine as ThresholdEngine).calls.at(-1)!;
    assert.deepEqual(call.classes, [21]);
    assert.deepEqual(call.points, [{ classId: 1, points: [[40, 50, 60]], pointLabels: [1] }]);
  });

  test('NIM flat point form: points + point_labels with a single class', async () => {
    const res = await postJson(h.base, {
      image: `${h.images}/ct.nii.gz`,
      prompts: { classes: ['spleen'], points: [[30, 40, 50], [31.4, 40, 50]], point_labels: [1, 0] },
    });
    assert.equal(res.status, 200);
    const call = (h.engine as ThresholdEngine).calls.at(-1)!;
    assert.deepEqual(call.classes, []);
    assert.deepEqual(call.points, [{ classId: 3, points: [[30, 40, 50], [31, 40, 50]], pointLabels: [1, 0] }]);
  });

  test("NVIDIA's documented payload: points keyed by name or id, local_working_dir accepted and ignored", async () => {
    const res = await postJson(h.base, {
      image: `${h.images}/ct.nii.gz`,
      prompts: { classes: ['spleen'], points: { spleen: [[30, 40, 50], [30, 40, 51]], 1: [[60, 50, 50]] } },
      local_working_dir: '/path/in/container/results/',
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    const call = (h.engine as ThresholdEngine).calls.at(-1)!;
    assert.deepEqual(call.classes, []);
    assert.deepEqual(call.points, [
      { classId: 1, points: [[60, 50, 50]], pointLabels: [1] },
      { classId: 3, points: [[30, 40, 50], [30, 40, 51]], pointLabels: [1, 1] },
    ]);
  });

  test('upload: application/gzip body with ?classes=', async () => {
    const res = await fetch(`${h.base}/v1/vista3d/inference?classes=bone&name=upload.nii.gz`, {
      method: 'POST',
      headers: { 'content-type': 'application/gzip' },
      body: await readFile(CT),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const { name, volume } = unzipOne(new Uint8Array(await res.arrayBuffer()));
    assert.equal(name, 'upload_seg.nii.gz');
    checkLabels(volume);
  });

  test('upload: raw (uncompressed) .nii as application/octet-stream with ?prompts=', async () => {
    const { gunzipSync } = await import('node:zlib');
    const res = await fetch(`${h.base}/v1/vista3d/inference?prompts=${encodeURIComponent(JSON.stringify({ classes: ['bone'] }))}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: gunzipSync(await readFile(CT)),
    });
    assert.equal(res.status, 200, await res.clone().text());
    checkLabels(unzipOne(new Uint8Array(await res.arrayBuffer())).volume);
  });

  test('upload: multipart/form-data with file "image" and field "prompts"', async () => {
    const form = new FormData();
    form.append('prompts', JSON.stringify({ classes: ['bone'] }));
    form.append('image', new Blob([await readFile(CT)], { type: 'application/gzip' }), 'scan.nii.gz');
    const res = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', body: form });
    assert.equal(res.status, 200, await res.clone().text());
    const { name, volume } = unzipOne(new Uint8Array(await res.arrayBuffer()));
    assert.equal(name, 'scan_seg.nii.gz');
    checkLabels(volume);
  });

  test('multipart: fields after the file are honoured (here an unsupported class → 400)', async () => {
    const form = new FormData();
    form.append('image', new Blob([await readFile(CT)]), 'scan.nii.gz');
    form.append('classes', 'liver');
    const res = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', body: form });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'UNSUPPORTED_CLASS');
  });

  test('Accept: application/gzip answers the bare .nii.gz', async () => {
    const res = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } }, { accept: 'application/gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    checkLabels(parseNifti(new Uint8Array(await res.arrayBuffer())));
  });

  test('the /api/vista3d alias serves every route', async () => {
    const res = await fetch(`${h.base}/api/vista3d/v1/vista3d/inference`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } }),
    });
    assert.equal(res.status, 200);
    checkLabels(unzipOne(new Uint8Array(await res.arrayBuffer())).volume);
    for (const path of ['/v1/health/live', '/v1/health/ready', '/v1/vista3d/info', '/metrics']) {
      assert.equal((await fetch(`${h.base}/api/vista3d${path}`)).status, 200, path);
    }
  });

  test('info, live, ready', async () => {
    const info = (await (await fetch(`${h.base}/v1/vista3d/info`)).json()) as Record<string, unknown>;
    assert.equal(info.name, 'vista3d-backend');
    assert.deepEqual(info.engine, { name: 'test-threshold', version: '0.0.1', description: 'HU > 200 → bone (21); points → 3×3×3 cubes' });
    assert.deepEqual(info.automaticClasses, [{ id: 21, name: 'bone' }]);
    assert.deepEqual(info.pointPrompts, { supported: true, classes: 'any' });
    assert.equal((info.classes as unknown[]).length, 145);
    assert.deepEqual(info.limits, { maxVoxels: 512 * 512 * 1000, concurrency: 1, queueLimit: 8 });
    assert.deepEqual(await (await fetch(`${h.base}/v1/health/live`)).json(), { status: 'live' });
    assert.deepEqual(await (await fetch(`${h.base}/v1/health/ready`)).json(), { status: 'ready' });
  });

  test('nim-client: info, health, inferFromUrl, inferFromFile', async () => {
    const client = createNimClient({ baseUrl: h.base });
    assert.equal((await client.info()).engine?.name, 'test-threshold');
    assert.equal((await client.live()).ok, true);
    assert.equal((await client.ready()).ok, true);
    checkLabels(await client.inferFromUrl(`${h.images}/ct.nii.gz`, { classes: ['bone'] }));
    checkLabels(await client.inferFromFile(CT, { classes: [21] }));
    const alias = createNimClient({ baseUrl: `${h.base}/api/vista3d/` });
    const pointed = await alias.inferFromUrl(`${h.images}/ct.nii.gz`, { classes: ['liver'], points: { liver: [[40, 50, 60], [10, 10, 10]] }, pointLabels: { liver: [1, 0] } });
    assert.equal(pointed.data[40 + 122 * (50 + 101 * 60)], 1);
    const err = await client.inferFromUrl(`${h.images}/ct.nii.gz`, { classes: ['no such organ'] }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as { status: number; code: string; message: string; name: string },
    );
    assert.equal(err.name, 'NimError');
    assert.equal(err.status, 400);
    assert.equal(err.code, 'UNKNOWN_CLASS');
    assert.match(err.message, /no such organ/);
  });
});

describe('WORKSPACE_OUTPUTS_PATH', () => {
  test('results are also saved there, identical to the response', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'backend-ws-'));
    const hw = await startHarness({ workspaceOutputsPath: dir });
    try {
      ct ??= await readNifti(CT);
      const res = await postJson(hw.base, { image: `${hw.images}/ct.nii.gz`, prompts: { classes: ['bone'] } });
      assert.equal(res.status, 200);
      const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
      const files = (await readdir(dir)).filter((f) => !f.startsWith('.'));
      assert.equal(files.length, 1);
      assert.match(files[0], /ct_seg\.nii\.gz$/);
      assert.equal(res.headers.get('x-vista3d-output-path'), join(dir, files[0]));
      assert.deepEqual(new Uint8Array(await readFile(join(dir, files[0]))), Object.values(entries)[0]);
    } finally {
      await hw.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
