#!/usr/bin/env node
// `npm start`: the whole platform locally on embedded defaults — local folders under .run/,
// the built-in CPU engine, and a demo study (a synthetic torso phantom made by our own code, as a
// DICOM series and its NIfTI) already in place. The services run compiled JavaScript.
// Every setting can be overridden with the same environment variables the containers use.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = process.env;
const outputFolder = resolve(env.OUTPUT_FOLDER ?? join(root, '.run/output'));
const dicomFolder = resolve(env.DICOM_FOLDER ?? join(root, '.run/dicom'));
const ports = {
  backend: Number(env.BACKEND_PORT ?? 8000),
  imageServer: Number(env.IMAGE_SERVER_PORT ?? 8888),
  frontend: Number(env.FRONTEND_PORT ?? 8501),
};
const host = env.HOST ?? '127.0.0.1';
const workerPort = Number(env.WORKER_PORT ?? 8601);
// Platform state: a private PostgreSQL cluster beside the data (Unix socket only), unless DATABASE_URL points elsewhere.
const pgDataDir = resolve(env.VISTA3D_PG_DATA ?? join(outputFolder, '..', 'pg'));
const backendUrl = env.VISTA3D_SERVER ?? `http://127.0.0.1:${ports.backend}`;
const imageServerUrl = env.IMAGE_SERVER ?? `http://127.0.0.1:${ports.imageServer}`;

// Demo study: generated (never copied from third-party data) the first time, unless SKIP_SAMPLE_DATA=1.
const DEMO_PATIENT = 'demo_phantom';
function seedDemoStudy() {
  mkdirSync(outputFolder, { recursive: true });
  mkdirSync(dicomFolder, { recursive: true });
  if (env.SKIP_SAMPLE_DATA === '1') return;
  const nifti = join(outputFolder, DEMO_PATIENT, 'nifti', '1_torso_phantom.nii.gz');
  const dicom = join(dicomFolder, DEMO_PATIENT, 'torso_phantom');
  if (existsSync(nifti) && existsSync(dicom)) return;
  const res = spawnSync(process.execPath, [join(root, 'packages/phantom/dist/phantom.mjs'), '--dicom', dicom, '--nifti', nifti], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error('demo study generation failed');
}

// Compile the services (scripts/build.mjs, which also builds the web UI) and the tools to JavaScript.
function buildJs() {
  for (const script of ['scripts/build-cli.mjs', 'scripts/build.mjs']) {
    const res = spawnSync(process.execPath, [join(root, script)], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) throw new Error(`${script} failed`);
  }
}

const services = [
  {
    name: 'backend', entry: 'apps/backend/dist/server.mjs', health: `http://127.0.0.1:${ports.backend}/v1/health/ready`,
    env: { PORT: String(ports.backend), BACKEND_PORT: String(ports.backend), VISTA3D_ENGINE: env.VISTA3D_ENGINE ?? 'cpu' },
    skip: Boolean(env.VISTA3D_SERVER), // pointing at an external NIM: don't start ours
  },
  {
    name: 'image-server', entry: 'apps/image-server/dist/server.mjs', health: `http://127.0.0.1:${ports.imageServer}/health`,
    env: { IMAGE_SERVER_PORT: String(ports.imageServer) },
  },
  {
    name: 'frontend', entry: 'apps/frontend/dist/server.mjs', health: `http://127.0.0.1:${ports.frontend}/health`,
    env: { FRONTEND_PORT: String(ports.frontend), WEB_ROOT: join(root, 'apps/frontend/dist/web') },
  },
  {
    name: 'worker', entry: 'apps/worker/dist/server.mjs', health: `http://127.0.0.1:${workerPort}/health`,
    env: { WORKER_PORT: String(workerPort), VISTA3D_SERVERS: env.VISTA3D_SERVERS ?? backendUrl },
  },
];

/** Starts the embedded PostgreSQL (packages/db/src/cli.ts) and resolves with its DATABASE_URL. */
function startPostgres() {
  if (env.DATABASE_URL) return Promise.resolve(env.DATABASE_URL);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/db/src/cli.ts'), 'serve', '--data-dir', pgDataDir], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /^ready (\S+)$/m.exec(out);
      if (m) resolveUrl(m[1]);
    });
    child.on('exit', (code, signal) => {
      reject(new Error(`postgres exited (${signal ?? code}); is Debian's postgresql installed (npm run setup)?`));
      console.error(`start: postgres exited (${signal ?? code})`);
      shutdown(code ?? 1);
    });
  });
}

const children = [];
function shutdown(code) {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

async function waitHealthy(url, name, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} did not become healthy at ${url}`);
}

buildJs();
seedDemoStudy();
const databaseUrl = await startPostgres().catch((err) => {
  console.error(`start: ${err.message}`);
  shutdown(1);
  return new Promise(() => {});
});
for (const svc of services) {
  if (svc.skip) continue;
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, svc.entry)], {
    cwd: root,
    env: {
      ...env,
      HOST: host,
      IMAGE_SERVER_HOST: host,
      OUTPUT_FOLDER: outputFolder,
      DICOM_FOLDER: dicomFolder,
      VISTA3D_SERVER: backendUrl,
      IMAGE_SERVER: imageServerUrl,
      DATABASE_URL: databaseUrl,
      // Readable logs on a terminal (containers log JSON); the frontend prints the first admin's password.
      LOG_FORMAT: env.LOG_FORMAT ?? 'pretty',
      ...svc.env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    console.error(`start: ${svc.name} exited (${signal ?? code})`);
    shutdown(code ?? 1);
  });
  children.push(child);
}
try {
  await Promise.all(services.filter((s) => !s.skip).map((s) => waitHealthy(s.health, s.name)));
  console.log(`\nVista3D Platform is up:\n  web app       http://${host}:${ports.frontend}  (log in as admin: the password printed above at first start, or ADMIN_PASSWORD)\n  backend       ${backendUrl}\n  image server  ${imageServerUrl}\n  worker        http://${host}:${workerPort}/health\n  database      ${databaseUrl}\n  data          ${outputFolder} (DICOM: ${dicomFolder})\nPress Ctrl+C to stop.`);
} catch (err) {
  console.error(`start: ${err.message}`);
  shutdown(1);
}
