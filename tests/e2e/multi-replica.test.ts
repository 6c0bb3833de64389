// The platform as the chart runs it, on loopback: PostgreSQL (started here, like the tests start
// Orthanc), two frontend replicas, two workers, our backend (CPU engine) and the image server, each
// its own process. A job created through one replica is listed, streamed and cancelled through the
// other; a worker killed mid-job hands the job to the other; restarting a frontend interrupts no job;
// two workers saving the same scan leave one consistent version and nothing else.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestPostgres } from '@vista3d/db';
import type { EmbeddedPostgres } from '@vista3d/db';
import { readNifti } from '@vista3d/volume';
import { freePort } from '../helpers/free-port.js';

const root = new URL('../..', import.meta.url).pathname;
const CT = join(root, '../shared/data/totalseg_example_ct_sm.nii.gz');
const SCANS = 5;

interface Job {
  id: string;
  status: string;
  progress: number;
  attempts?: number;
  workerId?: string;
  items: { total: number; done: number };
  error?: { code: string; message: string };
  results: Array<{ status: string; scan?: string }>;
}

class Service {
  child!: ChildProcess;
  log = '';
  constructor(
    readonly name: string,
    readonly entry: string,
    readonly env: Record<string, string>,
    readonly health: string,
  ) {}

  async start(): Promise<this> {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, this.entry)], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer): void => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}):\n${this.log}`);
      try {
        if ((await fetch(this.health, { signal: AbortSignal.timeout(2000) })).ok) return this;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`${this.name} did not become healthy:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill(signal);
    await exited;
  }
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init?.body ? { ...init, headers: { 'content-type': 'application/json' } } : init);
  return { status: res.status, body: (await res.json()) as T };
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('multi-replica platform on PostgreSQL', { timeout: 600_000 }, () => {
  let pg: EmbeddedPostgres;
  let dir: string;
  let output: string;
  const fe: Service[] = [];
  const workers: Service[] = [];
  const others: Service[] = [];

  const feUrl = (i: number): string => fe[i]!.health.replace(/\/health$/, '');
  const job = async (i: number, id: string): Promise<Job> => (await json<Job>(`${feUrl(i)}/api/jobs/${id}`)).body;
  const finished = (i: number, id: string): Promise<Job> =>
    waitFor(`job ${id} to finish`, async () => {
      const j = await job(i, id);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
    });
  const create = async (i: number, body: Record<string, unknown>): Promise<Job> => {
    const res = await json<Job>(`${feUrl(i)}/api/jobs`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    pg = await startTestPostgres();
    dir = await mkdtemp(join(tmpdir(), 'vista3d-replicas-'));
    output = join(dir, 'output');
    const dicom = join(dir, 'dicom');
    await mkdir(join(output, 'many/nifti'), { recursive: true });
    await mkdir(join(output, 'shared/nifti'), { recursive: true });
    await mkdir(dicom, { recursive: true });
    for (let i = 1; i <= SCANS; i++) await copyFile(CT, join(output, 'many/nifti', `s${i}.nii.gz`));
    await copyFile(CT, join(output, 'shared/nifti/ct.nii.gz'));
    const [backendPort, imagePort, feA, feB, w1, w2] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const common = { OUTPUT_FOLDER: output, DICOM_FOLDER: dicom, HOST: '127.0.0.1', AUTH_MODE: 'off' };
    const backend = `http://127.0.0.1:${backendPort}`;
    const image = `http://127.0.0.1:${imagePort}`;
    others.push(
      new Service('backend', 'apps/backend/src/main.ts', { BACKEND_PORT: String(backendPort), VISTA3D_ENGINE: 'cpu', IMAGE_SERVER: image }, `${backend}/v1/health/ready`),
      new Service('image-server', 'apps/image-server/src/main.ts', { ...common, IMAGE_SERVER_PORT: String(imagePort) }, `${image}/health`),
    );
    for (const [name, port] of [['frontend-a', feA], ['frontend-b', feB]] as const) {
      fe.push(
        new Service(name, 'apps/frontend/src/server/main.ts', { ...common, FRONTEND_PORT: String(port), DATABASE_URL: pg.url, VISTA3D_SERVER: backend, IMAGE_SERVER: image }, `http://127.0.0.1:${port}/health`),
      );
    }
    for (const [name, port] of [['w1', w1], ['w2', w2]] as const) {
      workers.push(
        new Service(name, 'apps/worker/src/main.ts', {
          ...common,
          WORKER_ID: name,
          WORKER_PORT: String(port),
          DATABASE_URL: pg.url,
          VISTA3D_SERVERS: backend,
          IMAGE_SERVER: image,
          WORKER_HEARTBEAT_MS: '500',
          WORKER_STALE_MS: '4000',
          WORKER_POLL_MS: '300',
        }, `http://127.0.0.1:${port}/health`),
      );
    }
    await Promise.all([...others, ...fe].map((s) => s.start()));
    await Promise.all(workers.map((s) => s.start()));
  });

  after(async () => {
    await Promise.all([...fe, ...workers, ...others].map((s) => s.stop('SIGKILL').catch(() => undefined)));
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists the same patients through both replicas, from the index', async () => {
    const a = await json<Array<{ id: string; scans: number }>>(`${feUrl(0)}/api/patients`);
    const b = await json<Array<{ id: string; scans: number }>>(`${feUrl(1)}/api/patients`);
    assert.deepEqual(a.body, b.body);
    assert.deepEqual(a.body.map((p) => [p.id, p.scans]), [['many', SCANS], ['shared', 1]]);
  });

  it('a job created through A is listed, streamed and cancelled through B', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const stream = await fetch(`${feUrl(1)}/api/events`, { signal: controller.signal });
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) events.push(decoder.decode(chunk));
    })().catch(() => undefined);
    const created = await create(0, { type: 'segment', patient: 'many', force: true });
    await waitFor('B streams the running job', async () => events.join('').includes(`"id":"${created.id}","type":"segment","status":"running"`));
    const listed = await json<Job[]>(`${feUrl(1)}/api/jobs`);
    assert.ok(listed.body.some((j) => j.id === created.id));
    const cancel = await json<Job>(`${feUrl(1)}/api/jobs/${created.id}`, { method: 'DELETE' });
    assert.equal(cancel.status, 200);
    const done = await finished(0, created.id);
    assert.equal(done.status, 'cancelled', JSON.stringify(done));
    assert.ok(done.items.done < SCANS, 'cancelled mid-job');
    await waitFor('B streams the cancel', async () => events.join('').includes(`"id":"${created.id}","type":"segment","status":"cancelled"`));
    controller.abort();
    await reading;
  });

  it('a worker killed mid-job: the job is retried on the other worker', async () => {
    const created = await create(0, { type: 'segment', patient: 'many', force: true });
    const running = await waitFor('the job to start', async () => {
      const j = await job(1, created.id);
      return j.status === 'running' && j.workerId ? j : null;
    });
    const victim = workers.find((w) => w.name === running.workerId)!;
    await victim.stop('SIGKILL');
    const done = await finished(1, created.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.attempts, 2);
    assert.notEqual(done.workerId, victim.name);
    assert.equal(done.results.length, SCANS);
    await victim.start();
  });

  it('restarting a frontend interrupts no job', async () => {
    const created = await create(1, { type: 'segment', patient: 'many', force: true });
    await waitFor('the job to start', async () => (await job(0, created.id)).status === 'running');
    await fe[1]!.stop('SIGTERM');
    await fe[1]!.start();
    const done = await finished(1, created.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(done.attempts, 1);
  });

  it('two replicas saving the same scan leave one consistent version and no leftovers', async () => {
    const [a, b] = await Promise.all([create(0, { type: 'segment', patient: 'shared', force: true }), create(1, { type: 'segment', patient: 'shared', force: true })]);
    const [da, db] = await Promise.all([finished(0, a.id), finished(1, b.id)]);
    assert.equal(da.status, 'succeeded', JSON.stringify(da));
    assert.equal(db.status, 'succeeded', JSON.stringify(db));
    assert.deepEqual(await readdir(join(output, 'shared/voxels')), ['ct']);
    const files = await readdir(join(output, 'shared/voxels/ct'));
    assert.ok(files.every((f) => !f.startsWith('.')), files.join(', '));
    const saved = JSON.parse(await readFile(join(output, 'shared/voxels/ct/labels.json'), 'utf8')) as { labels: Array<{ id: number; voxels: number; file: string }> };
    const labels = await readNifti(join(output, 'shared/voxels/ct/all.nii.gz'));
    const counts = new Map<number, number>();
    for (const v of labels.data as Uint8Array) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    assert.deepEqual(new Map(saved.labels.map((l) => [l.id, l.voxels])), counts);
    assert.deepEqual(files.filter((f) => f !== 'all.nii.gz' && f !== 'labels.json').sort(), saved.labels.map((l) => l.file).sort());
    const versions = await json<Array<{ version: number; source: string; jobId: string | null }>>(`${feUrl(1)}/api/patients/shared/scans/ct/versions`);
    assert.ok(versions.body.length >= 1);
    assert.ok(versions.body.some((v) => v.jobId === a.id || v.jobId === b.id), JSON.stringify(versions.body));
    const listed = await json<Array<{ id: string; segmentations: number }>>(`${feUrl(0)}/api/patients`);
    assert.equal(listed.body.find((p) => p.id === 'shared')!.segmentations, 1);
  });

  it('a mesh job runs on a worker (meshing in its isolated child process), nothing in the frontends', async () => {
    const created = await create(1, { type: 'mesh', patient: 'shared', scan: 'ct' });
    const done = await finished(0, created.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.ok(['w1', 'w2'].includes(done.workerId ?? ''), done.workerId);
    const manifest = JSON.parse(await readFile(join(output, 'shared/meshes/ct/meshes.json'), 'utf8')) as { labels: unknown[] };
    assert.ok(manifest.labels.length >= 1);
  });
});
