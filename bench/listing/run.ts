/**
 * /api/patients and /health under load, at 10, 1000 and 5000 patients: the frontend on PostgreSQL
 * (index + per-replica cache dropped on NOTIFY) side by side with the folder walk it replaces
 * (no DATABASE_URL). Each patient has one CT file (a stub: listing reads names and stats, not voxels),
 * every third one a segmentation. Load: BENCH_CONCURRENCY clients asking for the listing back to back
 * for BENCH_SECONDS, while one client probes /health every 20 ms (what the kubelet would see).
 * Run: `npx tsx bench/listing/run.ts` (env: BENCH_SIZES=10,1000,5000 BENCH_SECONDS=5 BENCH_CONCURRENCY=4).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '@vista3d/db';
import { freePort } from '../../tests/helpers/free-port.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The frontend as its own process (as in production): the load generator does not share its event loop. */
async function startFrontend(env: Record<string, string>): Promise<{ base: string; rssMb: () => number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/frontend/src/server/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', HOST: '127.0.0.1', AUTH_MODE: 'off', FRONTEND_PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error('frontend exited');
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    if (i > 600) throw new Error('frontend did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    stop: () => new Promise((r) => {
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}

process.env.LOG_LEVEL ??= 'silent';
const SIZES = (process.env.BENCH_SIZES ?? '10,1000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function makeTree(root: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, async (_, k) => {
        const id = `patient_${String(i + k).padStart(5, '0')}`;
        await mkdir(join(root, id, 'nifti'), { recursive: true });
        await writeFile(join(root, id, 'nifti', 'ct.nii.gz'), 'stub');
        if ((i + k) % 3 === 0) {
          await mkdir(join(root, id, 'voxels', 'ct'), { recursive: true });
          await writeFile(join(root, id, 'voxels', 'ct', 'all.nii.gz'), 'stub');
        }
      }),
    );
  }
}

interface Row {
  mode: string;
  patients: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  health50: number;
  health99: number;
  startMs: number;
  rssMb: number;
}

async function measure(base: string, seconds: number, concurrency: number): Promise<Omit<Row, 'mode' | 'patients' | 'startMs' | 'rssMb'>> {
  const lat: number[] = [];
  const health: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let check = 0;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const res = await fetch(`${base}/api/patients`);
      // Read the whole body but parse only once per client: parsing 0.4 MB here would load the
      // machine the server runs on and be counted as server latency.
      const body = await res.text();
      if (!res.ok || !body.startsWith('[')) throw new Error(`listing failed: ${res.status}`);
      if (!check) check = (JSON.parse(body) as unknown[]).length;
      lat.push(performance.now() - t);
    }
  };
  const prober = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const res = await fetch(`${base}/health`);
      await res.arrayBuffer();
      health.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const started = performance.now();
  await Promise.all([...Array.from({ length: concurrency }, client), prober()]);
  void check;
  const elapsed = (performance.now() - started) / 1000;
  return { requests: lat.length, rps: lat.length / elapsed, p50: pct(lat, 50), p99: pct(lat, 99), health50: pct(health, 50), health99: pct(health, 99) };
}

const pg = await startTestPostgres();
const rows: Row[] = [];
try {
  for (const n of SIZES) {
    const dir = await mkdtemp(join(tmpdir(), 'vista3d-listing-'));
    const output = join(dir, 'output');
    await makeTree(output, n);
    // A fresh database per size: the start-up reconcile indexes the whole tree.
    const db = `bench_${n}`;
    const admin = await import('pg');
    const c = new admin.default.Client({ connectionString: pg.url });
    await c.connect();
    await c.query(`CREATE DATABASE ${db}`);
    await c.end();
    const url = pg.url.replace(/\/vista3d$/, `/${db}`);
    for (const mode of ['postgres', 'folder-walk'] as const) {
      const t0 = performance.now();
      const fe = await startFrontend({ OUTPUT_FOLDER: output, DICOM_FOLDER: join(dir, 'dicom'), ...(mode === 'postgres' ? { DATABASE_URL: url } : {}) });
      const startMs = performance.now() - t0;
      // The folder walk at 5000 patients takes seconds per request: a shorter, lighter run says enough.
      const heavy = mode === 'folder-walk' && n >= 1000;
      const r = await measure(fe.base, heavy ? Math.min(SECONDS, 3) : SECONDS, heavy ? 2 : CONCURRENCY);
      rows.push({ mode, patients: n, ...r, startMs, rssMb: fe.rssMb() });
      await fe.stop();
    }
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await pg.stop();
}

console.log(`listing bench: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${SECONDS} s per run, ${CONCURRENCY} listing clients (folder walk at ≥1000 patients: 2 clients), /health probed every 20 ms`);
console.log('mode         patients  requests   req/s   p50 ms   p99 ms  health p50  health p99  start ms  RSS MB');
for (const r of rows) {
  console.log(
    `${r.mode.padEnd(12)} ${String(r.patients).padStart(8)} ${String(r.requests).padStart(9)} ${r.rps.toFixed(1).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.health50.toFixed(1).padStart(11)} ${r.health99.toFixed(1).padStart(11)} ${r.startMs.toFixed(0).padStart(9)} ${r.rssMb.toFixed(0).padStart(7)}`,
  );
}
for (const n of SIZES) {
  const a = rows.find((r) => r.mode === 'postgres' && r.patients === n)!;
  const b = rows.find((r) => r.mode === 'folder-walk' && r.patients === n)!;
  console.log(`ratio at ${n} patients: p99 folder-walk / postgres = ${(b.p99 / a.p99).toFixed(1)}×, health p99 ${(b.health99 / a.health99).toFixed(1)}×`);
}
