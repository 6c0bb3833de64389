import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNifti } from '@vista3d/volume';
import { getJson, postJson, startEnv, waitJob } from './helpers.js';
import type { Env, JobJson } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env.close();
});

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

describe('segmentation jobs', () => {
  it('validates the request: bad type, unknown class/label set, unknown patient/scan', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ type: 'explode' }, 400, 'INVALID_REQUEST'],
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

  it('runs a segment job through the backend, saves all.nii.gz + per-label files, streams SSE progress', async () => {
    let jobId = '';
    const events = await collectEvents(
      env.base,
      (evs) => evs.some((e) => e.id === jobId && ['succeeded', 'failed'].includes(e.status)),
      async () => {
        const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', classes: ['liver', 3, 'Left Kidney'] });
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
    assert.equal(final.results[0].output, '/images/output/p1/voxels/ct/all.nii.gz');
    const sent = env.backend.requests.at(-1)!;
    assert.match(sent.image, /\/output\/p1\/nifti\/ct\.nii\.gz$/);
    assert.deepEqual(sent.prompts.classes, ['liver', 'spleen', 'left kidney']);
    const files = (await readdir(join(env.output, 'p1', 'voxels', 'ct'))).sort();
    assert.deepEqual(files, ['all.nii.gz', 'labels.json', 'left_kidney.nii.gz', 'liver.nii.gz', 'spleen.nii.gz']);
    const all = await readNifti(join(env.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    assert.deepEqual(all.dims, [122, 101, 30]);

    const scans = await getJson<Array<{ segmentation: { url: string; labels: Array<{ id: number; url: string; voxels: number }> } }>>(`${env.base}/api/patients/p1/scans`);
    assert.equal(scans.body[0].segmentation.url, '/images/output/p1/voxels/ct/all.nii.gz');
    assert.deepEqual(scans.body[0].segmentation.labels.map((l) => l.id), [1, 3, 14]);
    const labelFile = await fetch(`${env.base}${scans.body[0].segmentation.labels[0].url}`);
    assert.equal(labelFile.status, 200);
    const csv = await fetch(`${env.base}/api/patients/p1/scans/ct/labels.csv`);
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines[0], 'id,name,voxels,volume_ml');
    assert.match(lines[1], /^1,liver,\d+,[\d.]+$/);

    // already segmented: skipped unless force
    const again = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1' });
    const done = await waitJob(env.base, again.body.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.results[0].status, 'skipped');
    const list = await getJson<JobJson[]>(`${env.base}/api/jobs`);
    assert.equal(list.body[0].id, again.body.id, 'newest first');
  });

  it('cancels a running job: the backend request is aborted and nothing is written', async () => {
    env.backend.delayMs = 5000;
    const before = await readFile(join(env.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    const abortedBefore = env.backend.aborted;
    try {
      const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', scan: 'ct', force: true, classes: ['spleen'] });
      const started = Date.now();
      while ((await getJson<JobJson>(`${env.base}/api/jobs/${res.body.id}`)).body.status !== 'running') await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      const cancel = await getJson<JobJson>(`${env.base}/api/jobs/${res.body.id}`, { method: 'DELETE' });
      assert.equal(cancel.status, 200);
      const final = await waitJob(env.base, res.body.id);
      assert.equal(final.status, 'cancelled');
      assert.ok(Date.now() - started < 4000, 'cancel did not wait for the backend');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(env.backend.aborted, abortedBefore + 1, 'backend request aborted');
      assert.deepEqual(await readFile(join(env.output, 'p1', 'voxels', 'ct', 'all.nii.gz')), before);
    } finally {
      env.backend.delayMs = 0;
    }
  });

  it('interactive point segmentation and accept merge into all.nii.gz', async () => {
    const bad = await postJson<{ code: string }>(`${env.base}/api/segment/interactive`, { patient: 'p1', scan: 'ct', class: 'liver', points: [[500, 1, 1]] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'POINT_OUTSIDE');
    const unknown = await postJson<{ code: string }>(`${env.base}/api/segment/interactive`, { patient: 'p1', scan: 'ct', class: 'nope', points: [[1, 1, 1]] });
    assert.equal(unknown.body.code, 'UNKNOWN_CLASS');
    const res = await postJson<{ url: string; labelId: number; voxels: number; volumeMl: number }>(`${env.base}/api/segment/interactive`, {
      patient: 'p1',
      scan: 'ct',
      class: 'pancreas',
      points: [[60, 50, 15], [10, 10, 10]],
      pointLabels: [1, 0],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.labelId, 4);
    assert.equal(res.body.voxels, 125);
    assert.equal(res.body.volumeMl, 125 * 0.027);
    assert.equal(res.body.url, '/images/output/p1/voxels/ct/interactive_pancreas.nii.gz');
    const sent = env.backend.requests.at(-1)!;
    assert.deepEqual(sent.prompts.points, [[60, 50, 15], [10, 10, 10]]);
    assert.deepEqual(sent.prompts.point_labels, [1, 0]);
    assert.equal((await fetch(`${env.base}${res.body.url}`)).status, 200);
    const accepted = await postJson<{ voxels: number; labels: Array<{ id: number }> }>(`${env.base}/api/segment/interactive/accept`, { patient: 'p1', scan: 'ct', class: 4 });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.voxels, 125);
    const all = await readNifti(join(env.output, 'p1', 'voxels', 'ct', 'all.nii.gz'));
    assert.equal(all.data[60 + 122 * (50 + 101 * 15)], 4);
    assert.ok(accepted.body.labels.some((l) => l.id === 1), 'other labels kept');
    await stat(join(env.output, 'p1', 'voxels', 'ct', 'pancreas.nii.gz'));
    const again = await postJson<{ code: string }>(`${env.base}/api/segment/interactive/accept`, { patient: 'p1', scan: 'ct', class: 4 });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'NO_INTERACTIVE_RESULT');
  });

  it('jobs survive a restart; a job running at restart becomes failed INTERRUPTED', async () => {
    env.backend.delayMs = 3000;
    try {
      const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'segment', patient: 'p1', force: true });
      while ((await getJson<JobJson>(`${env.base}/api/jobs/${res.body.id}`)).body.status !== 'running') await new Promise((r) => setTimeout(r, 20));
      const countBefore = (await getJson<JobJson[]>(`${env.base}/api/jobs`)).body.length;
      await env.restart();
      const persisted = JSON.parse(await readFile(join(env.output, '.jobs.json'), 'utf8')) as { jobs: unknown[] };
      assert.equal(persisted.jobs.length, countBefore);
      const list = await getJson<JobJson[]>(`${env.base}/api/jobs`);
      assert.equal(list.body.length, countBefore);
      const job = list.body.find((j) => j.id === res.body.id)!;
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'INTERRUPTED');
      assert.ok(list.body.some((j) => j.status === 'succeeded'));
    } finally {
      env.backend.delayMs = 0;
    }
  });

  it('backend down → job failed with BACKEND_UNAVAILABLE and a clear message; status says so', async () => {
    const down = await startEnv({ vista3dServer: 'http://127.0.0.1:9' });
    try {
      const res = await postJson<JobJson>(`${down.base}/api/jobs`, { type: 'segment' });
      assert.equal(res.status, 202);
      const final = await waitJob(down.base, res.body.id);
      assert.equal(final.status, 'failed');
      assert.equal(final.error?.code, 'BACKEND_UNAVAILABLE');
      assert.match(final.error!.message, /127\.0\.0\.1:9.*unavailable/);
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
