import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JobExecutor,
  PgJobStore,
  createBoss,
  createPool,
  ensureQueues,
  listIndexedPatients,
  migrate,
  queueName,
  reconcileIndex,
  reindexPatient,
  schemaVersion,
  segmentationVersions,
  startTestPostgres,
} from '../src/index.js';
import type { EmbeddedPostgres, ExecutionContext, JobRecord, Pool } from '../src/index.js';

type Result = { patient: string; status: string; error?: { code: string; message: string } };

describe('@vista3d/db on a real PostgreSQL', () => {
  let server: EmbeddedPostgres;
  let pool: Pool;
  let root: string;

  before(async () => {
    server = await startTestPostgres();
    pool = createPool(server.url);
    root = await mkdtemp(join(tmpdir(), 'vista3d-db-'));
  });
  after(async () => {
    await pool?.end();
    await server?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('migrates once even when replicas migrate at the same moment', async () => {
    const runs = await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    assert.deepEqual(runs.flat().sort(), [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(await schemaVersion(pool), 7);
    assert.deepEqual(await migrate(pool), []);
    const tables = (await pool.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);
    for (const t of ['patients', 'studies', 'series', 'scans', 'segmentation_versions', 'jobs', 'users', 'sessions', 'api_tokens', 'audit_log', 'login_failures']) assert.ok(tables.includes(t), t);
  });

  it('creates pg-boss queues without deadlocking when replicas start at the same moment', async () => {
    // Measured: a frontend and a worker starting together deadlocked inside pg-boss's create_queue.
    const types = Array.from({ length: 8 }, (_, i) => `race${i}`);
    const bosses = Array.from({ length: 4 }, (_, i) => createBoss(server.url, { worker: i % 2 === 1 }));
    try {
      await Promise.all(bosses.map((b) => b.start()));
      await Promise.all(bosses.map((b, i) => ensureQueues(b, pool, i % 2 ? [...types].reverse() : types)));
      for (const t of types) assert.ok(await bosses[0]!.getQueue(queueName(t)), t);
      await ensureQueues(bosses[0]!, pool, types); // idempotent
    } finally {
      await Promise.all(bosses.map((b) => b.stop({ graceful: false, wait: true }).catch(() => undefined)));
    }
  });

  it('reconciles the index from the file tree and follows changes on rescan', async () => {
    const out = join(root, 'output');
    const dicom = join(root, 'dicom');
    await mkdir(join(out, 'p1/nifti'), { recursive: true });
    await writeFile(join(out, 'p1/nifti/ct.nii.gz'), 'x');
    await writeFile(join(out, 'p1/nifti/ct.json'), JSON.stringify({ SeriesInstanceUID: '1.2.3', StudyInstanceUID: '1.2', Modality: 'CT' }));
    await mkdir(join(out, 'p1/voxels/ct'), { recursive: true });
    await writeFile(join(out, 'p1/voxels/ct/all.nii.gz'), 'x');
    await writeFile(join(out, 'p1/voxels/ct/labels.json'), JSON.stringify({ labels: [{ id: 1, name: 'liver', voxels: 5 }] }));
    await mkdir(join(out, 'p2/nifti'), { recursive: true });
    await writeFile(join(out, 'p2/nifti/a.nii'), 'x');
    await mkdir(join(dicom, 'p3'), { recursive: true });
    await mkdir(join(out, '.hidden'), { recursive: true });
    const folders = { outputFolder: out, dicomFolder: dicom };
    const report = await reconcileIndex(pool, folders);
    assert.equal(report.patients, 3);
    assert.equal(report.scans, 2);
    assert.deepEqual(await listIndexedPatients(pool), [
      { id: 'p1', scans: 1, segmentations: 1, hasDicom: false },
      { id: 'p2', scans: 1, segmentations: 0, hasDicom: false },
      { id: 'p3', scans: 0, segmentations: 0, hasDicom: true },
    ]);
    const series = await pool.query('SELECT uid, study_uid, modality FROM series');
    assert.deepEqual(series.rows, [{ uid: '1.2.3', study_uid: '1.2', modality: 'CT' }]);
    const versions = await segmentationVersions(pool, 'p1', 'ct');
    assert.equal(versions.length, 1);
    assert.equal(versions[0]!.source, 'file-tree');
    assert.equal(versions[0]!.labels[0]!.name, 'liver');
    // Reconciling again changes nothing; removing a patient folder removes it from the index.
    await reconcileIndex(pool, folders);
    assert.equal((await segmentationVersions(pool, 'p1', 'ct')).length, 1);
    await rm(join(out, 'p2'), { recursive: true });
    await mkdir(join(out, 'p4/nifti'), { recursive: true });
    await writeFile(join(out, 'p4/nifti/b.nii.gz'), 'x');
    await reindexPatient(pool, folders, 'p4');
    assert.deepEqual((await listIndexedPatients(pool)).map((p) => p.id), ['p1', 'p2', 'p4', 'p3'].sort());
    const again = await reconcileIndex(pool, folders);
    assert.equal(again.removedPatients, 1);
    assert.deepEqual((await listIndexedPatients(pool)).map((p) => p.id), ['p1', 'p3', 'p4']);
  });

  it('queues jobs with priorities and positions, runs, retries, cancels, and sweeps a dead worker', async () => {
    const store = new PgJobStore<{ n: number }, Result>(pool, createBoss(server.url, { worker: false }), server.url);
    await store.start(['unit']);
    const seen: string[] = [];
    store.on('job', (j) => seen.push(`${j.id}:${j.status}`));
    const low = await store.create('unit', { n: 1 }, { total: 1 }, { priority: 0 });
    const low2 = await store.create('unit', { n: 2 }, { total: 1 }, { priority: 0 });
    const high = await store.create('unit', { n: 3 }, { total: 1 }, { priority: 5 });
    const byId = new Map((await store.list()).map((j) => [j.id, j]));
    assert.equal(byId.get(high.id)!.queuePosition, 1);
    assert.equal(byId.get(low.id)!.queuePosition, 2);
    assert.equal(byId.get(low2.id)!.queuePosition, 3);
    const cancelled = await store.cancel(low2.id);
    assert.equal(cancelled!.status, 'cancelled');

    const order: number[] = [];
    let failOnce = true;
    let release: (() => void) | null = null;
    const handler = async (job: Readonly<JobRecord<{ n: number }, Result>>, ctx: ExecutionContext<Result>): Promise<void> => {
      order.push(job.params.n);
      if (job.params.n === 4 && failOnce) {
        failOnce = false;
        throw Object.assign(new Error('backend down'), { code: 'BACKEND_UNAVAILABLE' });
      }
      if (job.params.n === 5) {
        // Runs until cancelled through the store.
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        });
      }
      ctx.progress(0.5, 'half');
      ctx.addResult({ patient: `p${job.params.n}`, status: 'succeeded' });
    };
    const exec = new JobExecutor<{ n: number }, Result>({
      pool, boss: createBoss(server.url, { worker: true }), url: server.url, workerId: 'w1', types: ['unit'],
      handlers: { unit: handler }, concurrency: 1, heartbeatMs: 200, staleMs: 1500, pollMs: 200,
    });
    await exec.start();
    try {
      const doneHigh = await store.waitFor(high.id, 20_000);
      const doneLow = await store.waitFor(low.id, 20_000);
      assert.equal(doneHigh.status, 'succeeded');
      assert.equal(doneLow.status, 'succeeded');
      assert.deepEqual(order.slice(0, 2), [3, 1], 'higher priority first');
      assert.deepEqual(doneLow.results, [{ patient: 'p1', status: 'succeeded' }]);
      assert.equal(doneLow.progress, 1);
      // The payload is the id only and the store reads the row, so a job that runs for a millisecond may be
      // seen first as succeeded: what matters is that the worker's changes arrive as events at all.
      const fromWorker = (): boolean => seen.includes(`${low.id}:running`) || seen.includes(`${low.id}:succeeded`);
      for (let i = 0; i < 50 && !fromWorker(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(fromWorker(), `events from the worker reach the store: ${seen.join(' ')}`);

      const flaky = await store.create('unit', { n: 4 }, { total: 1 }, { maxAttempts: 3 });
      const doneFlaky = await store.waitFor(flaky.id, 30_000);
      assert.equal(doneFlaky.status, 'succeeded', JSON.stringify(doneFlaky));
      assert.equal(doneFlaky.attempts, 2);

      const long = await store.create('unit', { n: 5 }, { total: 1 });
      for (let i = 0; i < 100 && (await store.get(long.id))!.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
      // A running job's heartbeats (every 200 ms here) are not news: no notification storm while it runs.
      const before = seen.filter((e) => e.startsWith(long.id)).length;
      await new Promise((r) => setTimeout(r, 2000));
      const during = seen.filter((e) => e.startsWith(long.id)).length - before;
      assert.ok(during <= 2, `${during} job notifications in 2 s for a job that changed nothing`);
      await store.cancel(long.id);
      const doneLong = await store.waitFor(long.id, 20_000);
      assert.equal(doneLong.status, 'cancelled');
      assert.ok(release);

      // A worker that claimed a job and died: no heartbeat → the job is retried by a live worker.
      await exec.stop(1000);
      const orphan = await store.create('unit', { n: 6 }, { total: 1 });
      const deadBoss = createBoss(server.url, { worker: true });
      await deadBoss.start();
      try {
        const [taken] = await deadBoss.fetch('vista3d-unit');
        assert.equal(taken?.id, orphan.id);
        await pool.query(`UPDATE jobs SET status = 'running', attempts = 1, worker_id = 'dead', heartbeat_at = now() WHERE id = $1`, [orphan.id]);
      } finally {
        await deadBoss.stop({ graceful: false, wait: true });
      }
      const exec2 = new JobExecutor<{ n: number }, Result>({
        pool, boss: createBoss(server.url, { worker: true }), url: server.url, workerId: 'w2', types: ['unit'],
        handlers: { unit: handler }, concurrency: 1, heartbeatMs: 200, staleMs: 1500, pollMs: 200,
      });
      await exec2.start();
      try {
        const doneOrphan = await store.waitFor(orphan.id, 30_000);
        assert.equal(doneOrphan.status, 'succeeded', JSON.stringify(doneOrphan));
        assert.equal(doneOrphan.workerId, 'w2');
        assert.equal(doneOrphan.attempts, 2);
      } finally {
        await exec2.stop(1000);
      }
    } finally {
      await exec.stop(1000);
      await store.close();
    }
  });
});
