import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseNifti, readNifti, readNiftiHeader, voxelToWorld } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { freePort } from '../../../../tests/helpers/free-port.js';
import { CT_FULL, SEG_FULL, getJson, postJson, startEnv, waitJob } from './helpers.js';
import type { Env, JobJson } from './helpers.js';

// Main suite: the REAL backend (apps/backend, CPU engine) and the real image server on loopback,
// segmenting the full sample CT (122×101×112, 3 mm). FakeBackend only in the suite below that needs
// a deliberately slow or broken backend.
let env: Env;
let reference: Volume;
before(async () => {
  [env, reference] = await Promise.all([startEnv({}, {}, { backend: 'real', ct: CT_FULL }), readNifti(SEG_FULL)]);
});
after(async () => {
  await env.close();
});

const voxelIndex = (v: Volume, [x, y, z]: number[]): number => x + v.dims[0] * (y + v.dims[1] * z);

/** Dice of `a == la` vs `b ∈ lb`. */
function dice(a: Volume, la: number, b: Volume, lb: number[]): number {
  let na = 0, nb = 0, both = 0;
  for (let i = 0; i < a.data.length; i++) {
    const inA = a.data[i] === la, inB = lb.includes(b.data[i]);
    if (inA) na++;
    if (inB) nb++;
    if (inA && inB) both++;
  }
  return (2 * both) / (na + nb);
}

/** Reads `job` SSE events until `until` returns true. */
async function collectEvents(base: string, until: (jobs: JobJson[]) => boolean, start: () => Promise<void>): Promise<JobJson[]> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/events`, { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const events: JobJson[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let started = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let idx;
      while ((idx = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        if (block.startsWith('event: snapshot') && !started) {
          started = true;
          await start();
        }
        if (block.startsWith('event: job')) events.push(JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as JobJson);
      }
      if (started && until(events)) break;
    }
  } finally {
    ac.abort();
  }
  return events;
}

describe('segmentation jobs (real backend + CPU engine, real image server, full CT)', () => {
  it('validates the request: bad type, unknown class/label set, unknown patient/scan', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ type: 'explode' }, 400, 'INVALID_REQUEST'],
      [{ type: 'mesh', patient: 'p1', scan: 'ct', formats: ['gltf'] }, 400, 'INVALID_REQUEST'],
      [{ type: 'segment', classes: ['liver', 'unobtainium'] }, 400, 'UNKNOWN_CLASS'],
      [{ type: 'segment', labelSet: 'nope' }, 400, 'UNKNOWN_LABEL_SET'],
      [{ type: 'segment', patient: 'ghost' }, 404, 'PATIENT_NOT_FOUND'],
      [{ type: 'segment', patient: 'p1', scan: 'ghost' }, 404, 'SCAN_NOT_FOUND'],
      [{ type: 'segment', patient: '../etc' }, 400, 'INVALID_NAME'],
      [{ type: 'segment', scan: 'ct' }, 400, 'PATIENT_REQUIRED'],
      [{ type: 'mesh', patient: 'p1', scan: 'ct' }, 409, 'NO_SEGMENTATION'],
    ];
    for (const [body, status, code] of cases) {
      const res = await postJson<{ code: string; message: string }>(`${env.base}/api/jobs`, body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(res.body.code, code, JSON.stringify(res.body));
      assert.ok(res.body.message.length > 5);
    }
    const missing = await getJson<{ code: string }>(`${env.base}/api/jobs/nope`);
    assert.equal(missing.status, 404);
  });

  it('a class the CPU engine cannot segment without points is refused before a job starts, saying what to do', async () => {
    const before = (await getJson<JobJson[]>(`${env.base}/api/jobs`)).body.length;
    const res = await postJson<{ code: string; message: string }>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', classes: ['liver', 'bone'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'NOT_AUTOMATIC', JSON.stringify(res.body));
    assert.match(res.body.message, /cannot segment liver automatically/);
    assert.match(res.body.message, /clicks in the viewer/);
    assert.doesNotMatch(res.body.message, /cannot segment[^;]*bone/);
    const set = await postJson<{ code: string }>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', labelSet: 'organs' });
    assert.equal(set.body.code, 'NOT_AUTOMATIC');
    assert.equal((await getJson<JobJson[]>(`${env.base}/api/jobs`)).body.length, before, 'no job was created');
    await assert.rejects(stat(join(env.output, 'p1', 'voxels', 'ct')), { code: 'ENOENT' });
  });

  it('runs a segment job through the real backend, saves all.nii.gz + per-label files, streams SSE progress', async () => {
    let jobId = '';
    const events = await collectEvents(
      env.base,
      (evs) => evs.some((e) => e.id === jobId && ['succeeded', 'failed'].includes(e.status)),
      async () => {
        const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', classes: ['bone', 'Left Lung', 136] });
        assert.equal(res.status, 202);
        assert.equal(res.body.status, 'queued');
        jobId = res.body.id;
      },
    );
    const mine = events.filter((e) => e.id === jobId);
    assert.ok(mine.some((e) => e.status === 'running'));
    assert.ok(mine.some((e) => e.status === 'running' && e.progress > 0 && e.progress < 1), 'progress events');
    const final = mine.at(-1)!;
    assert.equal(final.status, 'succeeded', JSON.stringify(final));
    assert.equal(final.progress, 1);
    assert.deepEqual(final.items, { total: 1, done: 1 });
    assert.deepEqual((final as JobJson & { classes: string[] }).classes, ['bone', 'left lung', 'right lung']);
    assert.equal(final.results[0].output, '/images/output/p1/voxels/ct/all.nii.gz');
    const files = (await readdir(join(env.output, 'p1', 'voxels', 'ct'))).sort();
    assert.deepEqual(files, ['all.nii.gz', 'bone.nii.gz', 'labels.json', 'left_lung.nii.gz', 'right_lung.nii.gz']);
    const all = await readNifti(join(env.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    assert.deepEqual(all.dims, [122, 101, 112]);
    // Real segmentation, checked against the TotalSegmentator reference (lobes → left/right lung).
    assert.ok(dice(all, 135, reference, [28, 29]) > 0.9, `left lung Dice ${dice(all, 135, reference, [28, 29])}`);
    assert.ok(dice(all, 136, reference, [30, 31, 32]) > 0.9, `right lung Dice ${dice(all, 136, reference, [30, 31, 32])}`);

    const scans = await getJson<Array<{ segmentation: { url: string; labels: Array<{ id: number; url: string; voxels: number }> } }>>(`${env.base}/api/patients/p1/scans`);
    assert.equal(scans.body[0].segmentation.url, '/images/output/p1/voxels/ct/all.nii.gz');
    assert.deepEqual(scans.body[0].segmentation.labels.map((l) => l.id), [21, 135, 136]);
    assert.ok(scans.body[0].segmentation.labels.every((l) => l.voxels > 1000));
    const labelFile = await fetch(`${env.base}${scans.body[0].segmentation.labels[0].url}`);
    assert.equal(labelFile.status, 200);
    const csv = await fetch(`${env.base}/api/patients/p1/scans/ct/labels.csv`);
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines[0], 'id,name,voxels,volume_ml');
    assert.match(lines[1], /^21,bone,\d+,[\d.]+$/);

    // already segmented: skipped unless force
    const again = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1' });
    const done = await waitJob(env.base, again.body.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.results[0].status, 'skipped');
    const list = await getJson<JobJson[]>(`${env.base}/api/jobs`);
    assert.equal(list.body[0].id, again.body.id, 'newest first');
  });

  it('interactive point segmentation of the liver (real backend) and accept merges into all.nii.gz', async () => {
    // A liver voxel of the reference: its centroid (the liver is convex enough), else the nearest liver voxel.
    const [nx, ny, nz] = reference.dims;
    let sx = 0, sy = 0, sz = 0, n = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (reference.data[x + nx * (y + ny * z)] === 1) { sx += x; sy += y; sz += z; n++; }
    let seed = [Math.round(sx / n), Math.round(sy / n), Math.round(sz / n)];
    if (reference.data[voxelIndex(reference, seed)] !== 1) {
      let best = Infinity;
      for (let i = 0; i < reference.data.length; i++) {
        if (reference.data[i] !== 1) continue;
        const p = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
        const d = (p[0] - seed[0]) ** 2 + (p[1] - seed[1]) ** 2 + (p[2] - seed[2]) ** 2;
        if (d < best) { best = d; seed = p; }
      }
    }
    assert.equal(reference.data[voxelIndex(reference, seed)], 1);

    const bad = await postJson<{ code: string }>(`${env.base}/api/segment/interactive`, { patient: 'p1', scan: 'ct', class: 'liver', points: [[500, 1, 1]] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'POINT_OUTSIDE');
    const unknown = await postJson<{ code: string }>(`${env.base}/api/segment/interactive`, { patient: 'p1', scan: 'ct', class: 'nope', points: [[1, 1, 1]] });
    assert.equal(unknown.body.code, 'UNKNOWN_CLASS');

    const res = await postJson<{ url: string; labelId: number; name: string; voxels: number; volumeMl: number }>(`${env.base}/api/segment/interactive`, {
      patient: 'p1',
      scan: 'ct',
      class: 'liver',
      points: [seed],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.labelId, 1);
    assert.equal(res.body.name, 'liver');
    assert.ok(res.body.voxels > 1000, `liver voxels ${res.body.voxels}`);
    assert.equal(res.body.volumeMl, Math.round(res.body.voxels * 27) / 1000);
    assert.equal(res.body.url, '/images/output/p1/voxels/ct/interactive_liver.nii.gz');
    const served = await fetch(`${env.base}${res.body.url}`);
    assert.equal(served.status, 200);
    const mask = parseNifti(new Uint8Array(await served.arrayBuffer()));
    assert.deepEqual(mask.dims, [122, 101, 112]);
    assert.equal(mask.data[voxelIndex(mask, seed)], 1, 'the clicked voxel is in the mask');
    assert.ok(dice(mask, 1, reference, [1]) > 0.5, `liver Dice ${dice(mask, 1, reference, [1])}`);

    const accepted = await postJson<{ voxels: number; labelUrl: string; labels: Array<{ id: number }> }>(`${env.base}/api/segment/interactive/accept`, { patient: 'p1', scan: 'ct', class: 'liver' });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.ok(accepted.body.voxels > 0 && accepted.body.voxels <= res.body.voxels);
    assert.deepEqual(accepted.body.labels.map((l) => l.id), [1, 21, 135, 136], 'liver added, other labels kept');
    const all = await readNifti(join(env.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    assert.equal(all.data[voxelIndex(all, seed)], 1);
    assert.equal(accepted.body.labelUrl, '/images/output/p1/voxels/ct/liver.nii.gz');
    assert.equal((await fetch(`${env.base}${accepted.body.labelUrl}`)).status, 200);
    // the accepted result is a new version with its prompts as provenance
    const versions = await getJson<Array<{ version: number; source: string; prompts?: Array<{ points: number[][] }>; current: boolean }>>(`${env.base}/api/patients/p1/scans/ct/versions`);
    const last = versions.body.at(-1)!;
    assert.deepEqual([last.source, last.current, last.prompts?.[0]?.points.length], ['interactive', true, 1], JSON.stringify(last));
    const again = await postJson<{ code: string }>(`${env.base}/api/segment/interactive/accept`, { patient: 'p1', scan: 'ct', class: 1 });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'NO_INTERACTIVE_RESULT');
  });

  it('mesh job (real @vista3d/mesh): GLB + per-label STL listed with names/colours, served through /images', async () => {
    const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'mesh', patient: 'p1', scan: 'ct' });
    assert.equal(res.status, 202);
    const job = await waitJob(env.base, res.body.id);
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    assert.equal(job.results[0].status, 'succeeded');
    assert.equal(job.results[0].output, '/api/patients/p1/scans/ct');
    const files = (await readdir(join(env.output, 'p1', 'meshes', 'ct'))).sort();
    assert.deepEqual(files, ['all.glb', 'bone.stl', 'left_lung.stl', 'liver.stl', 'meshes.json', 'right_lung.stl']);
    assert.deepEqual((await readdir(join(env.output, 'p1', 'meshes'))).sort(), ['ct'], 'no staging folder left');
    const manifest = JSON.parse(await readFile(join(env.output, 'p1', 'meshes', 'ct', 'meshes.json'), 'utf8')) as {
      options: unknown;
      labels: Array<{ id: number; triangles: number }>;
    };
    assert.deepEqual(manifest.options, { smoothing: { iterations: 10, passBand: 0.1 }, targetTriangles: 20000 });
    const current = (await getJson<Array<{ segmentation: { version: number } }>>(`${env.base}/api/patients/p1/scans`)).body[0]!.segmentation.version;
    assert.equal((manifest as { segmentationVersion?: number }).segmentationVersion, current, 'the meshes name the segmentation version they were made from');
    assert.ok(manifest.labels.every((l) => l.triangles > 100 && l.triangles <= 20000), JSON.stringify(manifest.labels));

    interface Mesh { labelId?: number; name: string; color?: number[]; format: string; url: string }
    const scan = await getJson<{ meshes: Mesh[] }>(`${env.base}/api/patients/p1/scans/ct`);
    const listed = (await getJson<Array<{ meshes: Mesh[] }>>(`${env.base}/api/patients/p1/scans`)).body[0].meshes;
    assert.deepEqual(listed, scan.body.meshes);
    const stl = scan.body.meshes.filter((m) => m.format === 'stl');
    assert.deepEqual(stl.map((m) => [m.labelId, m.name]).sort(), [[1, 'liver'], [135, 'left lung'], [136, 'right lung'], [21, 'bone']].sort());
    const labels = await getJson<{ labels: Array<{ id: number; color: number[] }> }>(`${env.base}/api/labels`);
    for (const m of stl) assert.deepEqual(m.color, labels.body.labels.find((l) => l.id === m.labelId)!.color);
    const glb = scan.body.meshes.find((m) => m.format === 'glb')!;
    assert.equal(glb.name, 'all labels');
    assert.equal(glb.labelId, undefined);

    // Served by the image server through the /images proxy, with the right content types.
    const lung = stl.find((m) => m.labelId === 135)!;
    const stlRes = await fetch(`${env.base}${lung.url}`);
    assert.equal(stlRes.status, 200);
    assert.equal(stlRes.headers.get('content-type'), 'model/stl');
    const bytes = Buffer.from(await stlRes.arrayBuffer());
    const triangles = bytes.readUInt32LE(80);
    assert.equal(bytes.byteLength, 84 + 50 * triangles);
    // World RAS mm (what NiiVue overlays on the CT): the first vertex lies in the CT's world box.
    const ct = await readNiftiHeader(join(env.output, 'p1', 'nifti', 'ct.nii.gz'));
    const corners = [0, 1].flatMap((i) => [0, 1].flatMap((j) => [0, 1].map((k) => voxelToWorld(ct.affine, i * (ct.dims[0] - 1), j * (ct.dims[1] - 1), k * (ct.dims[2] - 1)))));
    const v = [bytes.readFloatLE(96), bytes.readFloatLE(100), bytes.readFloatLE(104)];
    for (let a = 0; a < 3; a++) {
      const lo = Math.min(...corners.map((c) => c[a])) - 3, hi = Math.max(...corners.map((c) => c[a])) + 3;
      assert.ok(v[a] >= lo && v[a] <= hi, `vertex ${v.join(',')} outside the CT box on axis ${a}`);
    }
    const glbRes = await fetch(`${env.base}${glb.url}`);
    assert.equal(glbRes.status, 200);
    assert.equal(glbRes.headers.get('content-type'), 'model/gltf-binary');
    assert.equal(Buffer.from(await glbRes.arrayBuffer()).subarray(0, 4).toString('latin1'), 'glTF');

    // Up to date: skipped; force rebuilds (only the formats asked for remain).
    const skip = await waitJob(env.base, (await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'mesh', patient: 'p1', scan: 'ct' })).body.id);
    assert.equal(skip.results[0].status, 'skipped');
    const only = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'mesh', patient: 'p1', scan: 'ct', classes: ['left lung'], formats: ['ply'], force: true });
    const forced = await waitJob(env.base, only.body.id);
    assert.equal(forced.status, 'succeeded', JSON.stringify(forced));
    assert.deepEqual((await readdir(join(env.output, 'p1', 'meshes', 'ct'))).sort(), ['left_lung.ply', 'meshes.json']);
    const after = await getJson<{ meshes: Mesh[] }>(`${env.base}/api/patients/p1/scans/ct`);
    assert.deepEqual(after.body.meshes.map((m) => [m.labelId, m.name, m.format]), [[135, 'left lung', 'ply']]);
  });
});

// FakeBackend on purpose: the real CPU engine answers in ~1 s, too fast to cancel or restart
// reliably, and never answers garbage. This suite needs a backend that is slow on demand
// (cancel, restart) or returns a label map on the wrong grid.
describe('slow or broken backend (FakeBackend)', () => {
  let fake: Env;
  before(async () => {
    fake = await startEnv({}, {}, { backend: 'fake' });
    const first = await postJson<JobJson>(`${fake.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', classes: ['liver', 'spleen'] });
    assert.equal((await waitJob(fake.base, first.body.id)).status, 'succeeded');
  });
  after(async () => {
    await fake.close();
  });

  it('cancels a running job: the backend request is aborted and nothing is written', async () => {
    const backend = fake.fake!;
    backend.delayMs = 5000;
    const before = await readFile(join(fake.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    const abortedBefore = backend.aborted;
    try {
      const res = await postJson<JobJson>(`${fake.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', force: true, classes: ['spleen'] });
      const started = Date.now();
      while ((await getJson<JobJson>(`${fake.base}/api/jobs/${res.body.id}`)).body.status !== 'running') await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      const cancel = await getJson<JobJson>(`${fake.base}/api/jobs/${res.body.id}`, { method: 'DELETE' });
      assert.equal(cancel.status, 200);
      const final = await waitJob(fake.base, res.body.id);
      assert.equal(final.status, 'cancelled');
      assert.ok(Date.now() - started < 4000, 'cancel did not wait for the backend');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(backend.aborted, abortedBefore + 1, 'backend request aborted');
      assert.deepEqual(await readFile(join(fake.output, 'p1', 'voxels', 'ct', 'all.nii.gz')), before);
    } finally {
      backend.delayMs = 0;
    }
  });

  it('a label map on the wrong grid fails the item with BAD_BACKEND_RESPONSE; the old segmentation stays', async () => {
    const backend = fake.fake!;
    const before = await readFile(join(fake.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    backend.garbage = true;
    try {
      const res = await postJson<JobJson>(`${fake.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', force: true });
      const final = await waitJob(fake.base, res.body.id);
      assert.equal(final.status, 'failed');
      assert.equal(final.error?.code, 'BAD_BACKEND_RESPONSE');
      assert.match(final.error!.message, /122×101×31.*122×101×30/);
      assert.deepEqual(await readFile(join(fake.output, 'p1', 'voxels', 'ct', 'all.nii.gz')), before);
    } finally {
      backend.garbage = false;
    }
  });

  it('jobs survive a restart; a job running at restart becomes failed INTERRUPTED', async () => {
    const backend = fake.fake!;
    backend.delayMs = 3000;
    try {
      const res = await postJson<JobJson>(`${fake.base}/api/jobs`, { type: 'segment', patient: 'p1', force: true });
      while ((await getJson<JobJson>(`${fake.base}/api/jobs/${res.body.id}`)).body.status !== 'running') await new Promise((r) => setTimeout(r, 20));
      const countBefore = (await getJson<JobJson[]>(`${fake.base}/api/jobs`)).body.length;
      await fake.restart();
      const persisted = JSON.parse(await readFile(join(fake.output, '.jobs.json'), 'utf8')) as { jobs: unknown[] };
      assert.equal(persisted.jobs.length, countBefore);
      const list = await getJson<JobJson[]>(`${fake.base}/api/jobs`);
      assert.equal(list.body.length, countBefore);
      const job = list.body.find((j) => j.id === res.body.id)!;
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'INTERRUPTED');
      assert.ok(list.body.some((j) => j.status === 'succeeded'));
    } finally {
      backend.delayMs = 0;
    }
  });
});

describe('backend down', () => {
  it('job failed with BACKEND_UNAVAILABLE and a clear message; status and interactive say so', async () => {
    const down = await startEnv({}, {}, { backend: 'none' }); // VISTA3D_SERVER = a closed loopback port
    try {
      const port = new URL(down.config.vista3dServer).port;
      const res = await postJson<JobJson>(`${down.base}/api/jobs`, { type: 'segment' });
      assert.equal(res.status, 202);
      const final = await waitJob(down.base, res.body.id);
      assert.equal(final.status, 'failed');
      assert.equal(final.error?.code, 'BACKEND_UNAVAILABLE');
      assert.match(final.error!.message, new RegExp(`127\\.0\\.0\\.1:${port}.*unavailable`));
      const status = await getJson<{ backend: { live: boolean; error?: string }; imageServer: { live: boolean } }>(`${down.base}/api/status`);
      assert.equal(status.body.backend.live, false);
      assert.ok(status.body.backend.error);
      assert.equal(status.body.imageServer.live, true);
      const inter = await postJson<{ code: string }>(`${down.base}/api/segment/interactive`, { patient: 'p1', scan: 'ct', class: 'liver', points: [[1, 1, 1]] });
      assert.equal(inter.status, 503);
      assert.equal(inter.body.code, 'BACKEND_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });
});

describe('image server unreachable from the backend', () => {
  it('job failed with the backend\'s IMAGE_FETCH_FAILED explained, not as "backend unavailable"', async () => {
    const env2 = await startEnv({ imageServer: `http://127.0.0.1:${await freePort()}` }, {}, { backend: 'real' });
    try {
      const res = await postJson<JobJson>(`${env2.base}/api/jobs`, { type: 'segment' });
      assert.equal(res.status, 202);
      const final = await waitJob(env2.base, res.body.id);
      assert.equal(final.status, 'failed');
      assert.equal(final.error?.code, 'BACKEND_REJECTED');
      assert.match(final.error!.message, /could not fetch the image.*IMAGE_SERVER/);
    } finally {
      await env2.close();
    }
  });
});
