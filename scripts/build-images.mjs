#!/usr/bin/env node
// `npm run build:images`: builds every service image for real with buildah — no daemon, no registry:
// `--isolation chroot`, vfs storage. The base is made here: a debootstrapped Debian bookworm (minbase,
// ca-certificates, dcm2niix, libgdcm-tools, pigz) plus this machine's Node 20 binary. Each service image is the base plus
// what its Dockerfile's final stage copies (the esbuild bundles of scripts/build.mjs, the web UI,
// onnxruntime for the backend). Then each image's entrypoint is started with `buildah run` and its
// health endpoint checked (the worker against a throw-away PostgreSQL), and the sizes are printed.
// Usage: node scripts/build-images.mjs [--rebuild-base] [--base-only] [--no-check] [app ...]
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
// The base's recipe changes its name, so a machine holding an older base builds the new one.
const BASE = 'localhost/vista3d-base:bookworm-node20-3';
const MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const env = { ...process.env, STORAGE_DRIVER: process.env.STORAGE_DRIVER ?? 'vfs', BUILDAH_ISOLATION: 'chroot' };

const APPS = {
  backend: { port: 8000, portEnv: 'BACKEND_PORT', health: '/v1/health/ready', env: { VISTA3D_ENGINE: 'cpu' } },
  'image-server': { port: 8888, portEnv: 'IMAGE_SERVER_PORT', health: '/health', env: { OUTPUT_FOLDER: '/data/output', DICOM_FOLDER: '/data/dicom' } },
  frontend: { port: 8501, portEnv: 'FRONTEND_PORT', health: '/health', env: { OUTPUT_FOLDER: '/data/output', DICOM_FOLDER: '/data/dicom', AUTH_STATE_DIR: '/data/auth', WEB_ROOT: '/app/web' } },
  worker: { port: 8601, portEnv: 'WORKER_PORT', health: '/health', env: { OUTPUT_FOLDER: '/data/output', DICOM_FOLDER: '/data/dicom' } },
};
const apps = argv.filter((a) => !a.startsWith('--'));
for (const a of apps) if (!APPS[a]) fail(`unknown app "${a}"; expected some of ${Object.keys(APPS).join(', ')}`);
const wanted = apps.length ? apps : Object.keys(APPS);

function fail(message) {
  console.error(`build-images: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (res.error) fail(`${cmd} ${args.join(' ')}: ${res.error.message}`);
  if (res.status !== 0) fail(`${cmd} ${args.slice(0, 3).join(' ')} failed (${res.status}): ${(res.stderr || res.stdout || '').trim().slice(-3000)}`);
  return (res.stdout ?? "").trim();
}
const buildah = (...args) => run('buildah', args);

function imageExists(name) {
  return spawnSync('buildah', ['inspect', '--type', 'image', name], { env, stdio: 'ignore' }).status === 0;
}

function buildBase() {
  if (!flags.has('--rebuild-base') && imageExists(BASE)) return;
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'vista3d-base-'));
  const rootfs = join(work, 'rootfs');
  try {
    console.log(`build-images: debootstrap bookworm (minbase) from ${MIRROR}…`);
    run('debootstrap', ['--variant=minbase', '--include=ca-certificates,dcm2niix,libgdcm-tools,pigz', 'bookworm', rootfs, MIRROR]);
    // Node 20 is not in bookworm: the machine's own binary (it links only glibc and libstdc++).
    cpSync(process.execPath, join(rootfs, 'usr/local/bin/node'));
    run('chroot', [rootfs, 'sh', '-c', [
      'groupadd -g 1000 node && useradd -u 1000 -g 1000 -M -d /app -s /usr/sbin/nologin node',
      'mkdir -p /data/output /data/dicom /data/auth /app && chown 1000:1000 /data/output /data/dicom /data/auth && chmod 700 /data/auth',
      'apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* /usr/share/locale/*',
      'node --version',
    ].join(' && ')]);
    const ctr = buildah('from', 'scratch');
    const mnt = buildah('mount', ctr);
    run('cp', ['-a', `${rootfs}/.`, mnt]);
    buildah('umount', ctr);
    buildah('config', '--env', 'NODE_ENV=production', '--env', 'LOG_LEVEL=info', '--workingdir', '/app', '--label', 'org.opencontainers.image.title=vista3d-base', ctr);
    buildah('commit', '--rm', ctr, BASE);
    console.log(`build-images: base ${BASE} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function buildApp(app) {
  const started = Date.now();
  const dist = join(root, 'apps', app, 'dist');
  const ctr = buildah('from', BASE);
  try {
    buildah('copy', '--chown', '0:0', ctr, join(dist, 'server.mjs'), '/app/server.mjs');
    if (app === 'worker') buildah('copy', ctr, join(dist, 'migrate.mjs'), '/app/migrate.mjs');
    if (app === 'frontend') {
      buildah('copy', ctr, join(dist, 'web'), '/app/web');
      // argon2 (password hashes) stays outside the bundle (native addon): the package and this platform's binary.
      for (const pkg of ['argon2', 'argon2-linux-x64-gnu']) buildah('copy', ctr, join(root, 'node_modules/@node-rs', pkg), `/app/node_modules/@node-rs/${pkg}`);
    }
    if (app === 'backend') {
      // onnxruntime stays outside the bundle (native addon): this platform's binaries only.
      const stage = mkdtempSync(join(tmpdir(), 'vista3d-ort-'));
      try {
        for (const pkg of ['onnxruntime-node', 'onnxruntime-common']) cpSync(join(root, 'node_modules', pkg), join(stage, pkg), { recursive: true, dereference: true });
        const bin = join(stage, 'onnxruntime-node/bin');
        for (const napi of existsSync(bin) ? spawnSync('ls', [bin], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean) : []) {
          for (const os of ['darwin', 'win32']) rmSync(join(bin, napi, os), { recursive: true, force: true });
          for (const arch of ['arm64']) rmSync(join(bin, napi, 'linux', arch), { recursive: true, force: true });
        }
        buildah('copy', ctr, stage, '/app/node_modules');
      } finally {
        rmSync(stage, { recursive: true, force: true });
      }
    }
    const spec = APPS[app];
    const cfg = ['--env', `${spec.portEnv}=${spec.port}`, '--port', String(spec.port), '--user', '1000:1000', '--workingdir', '/app',
      '--cmd', '["node","server.mjs"]', '--label', `org.opencontainers.image.title=vista3d-${app}`, '--label', `org.opencontainers.image.version=${VERSION}`];
    for (const [k, v] of Object.entries(spec.env)) cfg.push('--env', `${k}=${v}`);
    buildah('config', ...cfg, ctr);
    buildah('commit', '--rm', ctr, `ghcr.io/vista3d/${app}:${VERSION}`);
  } catch (err) {
    spawnSync('buildah', ['rm', ctr], { env, stdio: 'ignore' });
    throw err;
  }
  console.log(`build-images: ghcr.io/vista3d/${app}:${VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** The images that convert DICOM (frontend, worker) carry the tools conversion calls: decoding compressed
 * transfer syntaxes needs gdcmconv, the NIfTI gzip uses pigz when present. */
const CONVERT_TOOLS = ['dcm2niix', 'gdcmconv', 'pigz'];
function checkConvertTools(app) {
  const ctr = buildah('from', `ghcr.io/vista3d/${app}:${VERSION}`);
  try {
    const res = spawnSync('buildah', ['run', '--isolation', 'chroot', ctr, '--', 'sh', '-c', CONVERT_TOOLS.map((t) => `command -v ${t}`).join(' && ')], { env, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${app}: image lacks a conversion tool (${CONVERT_TOOLS.join(', ')}): ${res.stdout}${res.stderr}`);
    console.log(`build-images: ${app} has ${CONVERT_TOOLS.join(', ')}`);
  } finally {
    spawnSync('buildah', ['rm', ctr], { env, stdio: 'ignore' });
  }
}

/** `buildah run` of the image's entrypoint on the host network; resolves once its health endpoint answers. */
async function checkImage(app, extraEnv) {
  const spec = APPS[app];
  const port = await freePort();
  const ctr = buildah('from', `ghcr.io/vista3d/${app}:${VERSION}`);
  const args = ['run', '--isolation', 'chroot', '--network', 'host', '--user', '1000:1000', '--workingdir', '/app',
    '--env', `${spec.portEnv}=${port}`, '--env', 'HOST=127.0.0.1', '--env', 'LOG_LEVEL=warn'];
  for (const [k, v] of Object.entries(extraEnv)) args.push('--env', `${k}=${v}`);
  const child = spawn('buildah', [...args, ctr, '--', 'node', 'server.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}${spec.health}`;
  const started = Date.now();
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${app}: entrypoint exited (${child.exitCode}): ${log.slice(-2000)}`);
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
      if (res?.ok) {
        console.log(`build-images: ${app} answers ${spec.health} (${res.status}) ${((Date.now() - started) / 1000).toFixed(1)} s after buildah run`);
        return;
      }
      if (Date.now() - started > 120_000) throw new Error(`${app}: ${url} not healthy within 120 s: ${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    spawnSync('buildah', ['rm', ctr], { env, stdio: 'ignore' });
  }
}

if (spawnSync('buildah', ['--version'], { stdio: 'ignore' }).status !== 0) fail('buildah is not installed (npm run setup installs it)');
if (process.getuid?.() !== 0) fail('buildah with vfs storage and chroot isolation needs root here');
if (flags.has('--base-only')) {
  // Set-up (scripts/setup.sh) makes the base once, so building the service images later needs no mirror.
  buildBase();
  process.exit(0);
}
run(process.execPath, [join(root, 'scripts/build.mjs'), ...wanted], { stdio: 'inherit' });
buildBase();
for (const app of wanted) buildApp(app);

if (!flags.has('--no-check')) {
  let pg = null;
  try {
    for (const app of wanted) {
      const extra = {};
      if (app === 'worker') {
        const dir = mkdtempSync(join(tmpdir(), 'vista3d-img-pg-'));
        chmodSync(dir, 0o755); // postgres runs as an unprivileged account and must reach its folder
        const pgPort = await freePort();
        pg = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/db/src/cli.ts'), 'serve', '--data-dir', join(dir, 'data'), '--port', String(pgPort)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
        pg.dir = dir;
        extra.DATABASE_URL = await new Promise((resolve, reject) => {
          let out = '';
          pg.stdout.on('data', (d) => {
            out += d;
            const m = /^ready (\S+)$/m.exec(out);
            if (m) resolve(m[1]);
          });
          pg.once('exit', (code) => reject(new Error(`postgres exited (${code})`)));
        });
        extra.VISTA3D_SERVERS = 'http://127.0.0.1:9';
      }
      if (app === 'frontend' || app === 'worker') checkConvertTools(app);
      await checkImage(app, extra);
    }
  } catch (err) {
    fail(err.message);
  } finally {
    if (pg) {
      pg.kill('SIGTERM');
      await new Promise((r) => (pg.exitCode !== null ? r() : pg.once('exit', r)));
      rmSync(pg.dir, { recursive: true, force: true });
    }
  }
}

console.log('\nimage                                   size');
for (const app of wanted) {
  const name = `ghcr.io/vista3d/${app}:${VERSION}`;
  const size = buildah('images', '--format', '{{.Size}}', name).split('\n')[0];
  console.log(`${name.padEnd(40)}${size}`);
}
console.log(`${BASE.padEnd(40)}${buildah('images', '--format', '{{.Size}}', BASE).split('\n')[0]}`);
