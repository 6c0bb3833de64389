import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runIsolated, taskChildPids } from '../../src/server/isolated-task.js';
import { JobFailure, JobManager } from '../../src/server/jobs.js';
import type { JobRunner } from '../../src/server/jobs.js';

const ENTRY = new URL('./fixtures/tasks.ts', import.meta.url);

async function failure(p: Promise<unknown>): Promise<JobFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof JobFailure, `expected a JobFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('runIsolated: heavy tasks in a child process', () => {
  it('returns the result and forwards progress; the child is gone afterwards', async () => {
    const progress: unknown[] = [];
    const r = await runIsolated<{ sum: number; pid: number }>('add', [2, 3, {}], { entry: ENTRY, onProgress: (p) => progress.push(p) });
    assert.equal(r.sum, 5);
    assert.notEqual(r.pid, process.pid);
    assert.deepEqual(progress, [{ done: 1, total: 1 }]);
    // The child exits right after answering; on a loaded machine that can take a moment.
    for (let i = 0; i < 100 && taskChildPids().length > 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(taskChildPids(), []);
  });

  it('keeps the task\'s error code and message', async () => {
    const err = await failure(runIsolated('fail', [{}], { entry: ENTRY }));
    assert.equal(err.code, 'NO_SEGMENTATION');
    assert.equal(err.message, 'nothing to mesh');
  });

  it('a crash (abort) fails with TASK_CRASHED, this process lives on', async () => {
    const err = await failure(runIsolated('abort', [{}], { entry: ENTRY }));
    assert.equal(err.code, 'TASK_CRASHED');
    assert.match(err.message, /SIGABRT|code/);
  });

  it('heap exhaustion past heapMb fails with TASK_OUT_OF_MEMORY', async () => {
    const err = await failure(runIsolated('heap', [{}], { entry: ENTRY, heapMb: 64 }));
    assert.equal(err.code, 'TASK_OUT_OF_MEMORY', err.message);
  });

  it('typed arrays past rssMb: the child is killed, TASK_OUT_OF_MEMORY', async () => {
    const err = await failure(runIsolated('buffers', [{}], { entry: ENTRY, rssMb: 400 }));
    assert.equal(err.code, 'TASK_OUT_OF_MEMORY');
    assert.match(err.message, /over its limit of 400 MiB/);
  });

  it('abort kills the child and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const started = new Promise<void>((res) => {
      void runIsolated('hang', [{}], { entry: ENTRY, signal: controller.signal, onProgress: () => res() }).catch(() => undefined);
    });
    await started;
    const pids = taskChildPids();
    assert.equal(pids.length, 1);
    const p = runIsolated('hang', [{}], { entry: ENTRY, signal: controller.signal });
    controller.abort(new JobFailure('CANCELLED', 'cancelled by the user'));
    const err = await failure(p);
    assert.equal(err.code, 'CANCELLED');
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(taskChildPids(), []);
  });
});

describe('JobManager persistence', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vista3d-jobs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const params = { force: false, targets: [{ patient: 'p', scan: 's' }] };

  it('writes each state change at once, so a job running when the process dies reads back INTERRUPTED', async () => {
    const file = join(dir, 'jobs-a.json');
    let release!: () => void;
    const blocked = new Promise<void>((res) => (release = res));
    // A runner that blocks the event loop's timers would starve a timer-based save; this one just waits.
    const runner: JobRunner = async () => blocked;
    const jobs = new JobManager({ file, concurrency: 1, runners: { mesh: runner, convert: runner, segment: runner } });
    const job = jobs.create('mesh', params, { patient: 'p', scan: 's' });
    const deadline = Date.now() + 5000;
    let onDisk: { jobs: Array<{ id: string; status: string }> } = { jobs: [] };
    while (Date.now() < deadline) {
      onDisk = JSON.parse(await readFile(file, 'utf8').catch(() => '{"jobs":[]}')) as typeof onDisk;
      if (onDisk.jobs[0]?.status === 'running') break;
      await new Promise((res) => setTimeout(res, 5));
    }
    assert.equal(onDisk.jobs[0]?.status, 'running');
    // "restart": a new manager reads the file the dead one left
    const again = new JobManager({ file, concurrency: 1, runners: { mesh: runner, convert: runner, segment: runner } });
    await again.load();
    assert.equal(again.get(job.id)?.status, 'failed');
    assert.equal(again.get(job.id)?.error?.code, 'INTERRUPTED');
    release();
    await jobs.close();
  });

  it('a corrupt job list is kept aside and reported loudly, not silently dropped', async () => {
    const file = join(dir, 'jobs-b.json');
    await writeFile(file, '{"version":1,"jobs":[{"id":');
    const errors: string[] = [];
    const jobs = new JobManager({ file, concurrency: 1, runners: {} as never, log: { warn: () => undefined, error: (m) => errors.push(m) } });
    await jobs.load();
    assert.equal(jobs.list().length, 0);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /corrupt/);
    const aside = (await readdir(dir)).filter((f) => f.startsWith('jobs-b.json.corrupt-'));
    assert.equal(aside.length, 1);
    assert.equal(await readFile(join(dir, aside[0]), 'utf8'), '{"version":1,"jobs":[{"id":');
  });

  it('a failing write (here: the folder is a file) is logged, and the job still runs', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'x');
    const errors: string[] = [];
    const runner: JobRunner = async (_job, ctx) => ctx.addResult({ patient: 'p', status: 'succeeded' });
    const jobs = new JobManager({ file: join(blocker, 'jobs.json'), concurrency: 1, runners: { mesh: runner, convert: runner, segment: runner }, log: { warn: () => undefined, error: (m) => errors.push(m) } });
    const job = jobs.create('mesh', params, {});
    assert.equal((await jobs.waitFor(job.id)).status, 'succeeded');
    await jobs.close();
    assert.ok(jobs.persistError);
    assert.equal(errors.length, 1, 'reported once, not per write');
    assert.match(errors[0], /CANNOT WRITE/);
  });
});
