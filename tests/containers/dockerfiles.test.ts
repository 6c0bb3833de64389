// The three container images: static checks of apps/*/Dockerfile and .dockerignore (no Docker engine
// here), then what each final stage runs — the esbuild bundle started with plain `node server.mjs`
// from a folder laid out like the image's /app — answering its health check over HTTP.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { parse as parseYaml } from 'yaml';
import { parseNifti, readNifti } from '@vista3d/volume';
import { execForm, parseDockerfile, type Stage } from './dockerfile.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CT_SM = join(ROOT, '../shared/data/totalseg_example_ct_sm.nii.gz');

interface AppSpec {
  dir: string;
  valuesKey: 'backend' | 'frontend' | 'imageServer';
  health: string;
  portEnv: string;
}
const APPS: Record<string, AppSpec> = {
  backend: { dir: 'apps/backend', valuesKey: 'backend', health: '/v1/health/ready', portEnv: 'PORT' },
  'image-server': { dir: 'apps/image-server', valuesKey: 'imageServer', health: '/health', portEnv: 'IMAGE_SERVER_PORT' },
  frontend: { dir: 'apps/frontend', valuesKey: 'frontend', health: '/health', portEnv: 'FRONTEND_PORT' },
};
const values = parseYaml(readFileSync(join(ROOT, 'helm/vista3d/values.yaml'), 'utf8')) as Record<string, { service: { port: number } }>;
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

/** Whether .dockerignore keeps `path` out of the build context (the patterns used in ours only). */
function ignored(path: string): boolean {
  const toRe = (p: string): RegExp => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '(?:.*/)?')}(?:/.*)?$`);
  return dockerignore.some((p) => !p.startsWith('!') && toRe(p).test(path));
}

const finalStage = (stages: Stage[]): Stage => stages.at(-1)!;
const args = (s: Stage, cmd: string): string[] => s.instructions.filter((i) => i.cmd === cmd).map((i) => i.args);

describe('Dockerfiles', () => {
  for (const [app, spec] of Object.entries(APPS)) {
    describe(app, () => {
      const text = readFileSync(join(ROOT, spec.dir, 'Dockerfile'), 'utf8');
      const stages = parseDockerfile(text);
      const final = finalStage(stages);
      const port = values[spec.valuesKey].service.port;

      it('is multi-stage on a pinned Node 20 (glibc) base', () => {
        assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
        for (const s of stages) {
          assert.match(s.from, /^node:20(\.\d+)*-bookworm-slim$/, `FROM ${s.from}`);
          assert.ok(s.alias, `stage FROM ${s.from} has a name`);
        }
        assert.ok(args(stages[0], 'RUN').some((r) => r.includes(`scripts/build.mjs ${app}`)), 'the build stage bundles the service');
      });

      it('runs as user 1000, exposes the chart port, and starts the bundle in exec form', () => {
        const users = args(final, 'USER');
        assert.ok(users.length > 0 && /^1000(:1000)?$/.test(users.at(-1)!), `USER ${users.at(-1)}`);
        const userLine = final.instructions.findIndex((i) => i.cmd === 'USER');
        const cmdLine = final.instructions.findIndex((i) => i.cmd === 'CMD');
        assert.ok(userLine >= 0 && userLine < cmdLine, 'USER before CMD');
        assert.deepEqual(args(final, 'EXPOSE'), [String(port)]);
        assert.deepEqual(execForm(args(final, 'CMD').at(-1)!), ['node', 'server.mjs']);
        assert.ok(args(final, 'ENV').some((e) => e.includes(`${spec.portEnv}=${port}`)), `ENV ${spec.portEnv}=${port}`);
      });

      it('has a HEALTHCHECK on the real health endpoint, with node (no curl in slim images)', () => {
        const hc = args(final, 'HEALTHCHECK');
        assert.equal(hc.length, 1);
        const cmd = execForm(hc[0].replace(/^.*?CMD\s+/, ''));
        assert.ok(cmd && cmd[0] === 'node', hc[0]);
        assert.ok(cmd.join(' ').includes(spec.health) && cmd.join(' ').includes(String(port)), hc[0]);
      });

      it('keeps dev dependencies and sources out of the final stage', () => {
        for (const r of args(final, 'RUN')) {
          assert.doesNotMatch(r, /npm (ci|install)(?![^&]*--omit=dev)/, `RUN ${r}`);
        }
        for (const c of args(final, 'COPY')) {
          assert.match(c, /^--from=build /, `COPY ${c} copies built files only`);
          assert.doesNotMatch(c, /\/src\/node_modules\s/, 'not the whole node_modules');
        }
        assert.ok(args(final, 'LABEL').some((l) => l.includes('org.opencontainers.image.version="1.1.0"')));
      });

      it('copies only what the build context has', () => {
        for (const s of stages) {
          for (const c of args(s, 'COPY').filter((a) => !a.startsWith('--from'))) {
            const parts = c.split(' ').filter((p) => !p.startsWith('--'));
            for (const src of parts.slice(0, -1)) {
              assert.ok(existsSync(join(ROOT, src)), `COPY source ${src} exists`);
              assert.ok(src === '.' || !ignored(src), `COPY source ${src} is not in .dockerignore`);
            }
          }
        }
      });
    });
  }

  it('.dockerignore keeps what the build stage needs and drops the rest', () => {
    for (const keep of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.base.json', 'scripts/build.mjs',
      'apps/backend/src/main.ts', 'apps/frontend/scripts/build-web.mjs', 'apps/frontend/src/web/main.tsx',
      'packages/volume/src/index.ts', 'packages/labels/package.json']) {
      assert.ok(!ignored(keep), `${keep} is in the build context`);
    }
    for (const drop of ['node_modules/x', 'apps/frontend/node_modules/x', '.git/HEAD', 'apps/backend/dist/server.mjs',
      'apps/backend/test/helpers.ts', 'helm/vista3d/values.yaml', 'data/sample/x.nii.gz', '.run/output', 'bench/RESULTS.md', '.env']) {
      assert.ok(ignored(drop), `${drop} is left out`);
    }
  });
});

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${log()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy within 60 s: ${log()}`);
}

describe('bundles run as the images run them (node server.mjs, no tsx, no sources)', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    const res = spawnSync(process.execPath, ['scripts/build.mjs', 'backend', 'image-server', 'frontend'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
    assert.equal(res.status, 0, res.stderr || res.stdout);
    dir = await mkdtemp(join(tmpdir(), 'v3d-images-'));
    await mkdir(join(dir, 'data/output'), { recursive: true });
    await mkdir(join(dir, 'data/dicom'), { recursive: true });
    // /app of each image: the bundle, plus onnxruntime (backend) or the web UI (frontend).
    for (const app of Object.keys(APPS)) {
      await mkdir(join(dir, app, 'node_modules'), { recursive: true });
      await cp(join(ROOT, APPS[app].dir, 'dist/server.mjs'), join(dir, app, 'server.mjs'));
    }
    for (const pkg of ['onnxruntime-node', 'onnxruntime-common']) {
      await symlink(join(ROOT, 'node_modules', pkg), join(dir, 'backend/node_modules', pkg), 'dir');
    }
    // argon2 (password hashes) is a native addon outside the frontend bundle, like onnxruntime.
    await symlink(join(ROOT, 'node_modules/@node-rs'), join(dir, 'frontend/node_modules/@node-rs'), 'dir');
    await cp(join(ROOT, 'apps/frontend/dist/web'), join(dir, 'frontend/web'), { recursive: true });
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function start(app: string, env: Record<string, string>): Promise<string> {
    const port = await freePort();
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: join(dir, app),
      // A clean environment like the image's: no NODE_OPTIONS/tsx, no repository on the module path.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', LOG_LEVEL: 'warn', HOST: '127.0.0.1', [APPS[app].portEnv]: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    const base = `http://127.0.0.1:${port}`;
    await waitHealthy(base + APPS[app].health, child, () => out.slice(-2000));
    return base;
  }

  it('image server, backend and frontend answer health and work together', async () => {
    const folders = { OUTPUT_FOLDER: join(dir, 'data/output'), DICOM_FOLDER: join(dir, 'data/dicom') };
    const image = await start('image-server', folders);
    const backend = await start('backend', { VISTA3D_ENGINE: 'cpu' });
    const frontend = await start('frontend', { ...folders, WEB_ROOT: join(dir, 'frontend/web'), VISTA3D_SERVER: backend, IMAGE_SERVER: image, AUTH_MODE: 'off' });

    const info = await (await fetch(`${backend}/v1/vista3d/info`)).json() as { engine: { name: string } };
    assert.equal(info.engine.name, 'vista3d-cpu-classical');
    // the bundled CPU engine segments an uploaded real CT
    const res = await fetch(`${backend}/v1/vista3d/inference?classes=bone`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: await readFile(CT_SM) });
    assert.equal(res.status, 200, await res.clone().text());
    const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const seg = parseNifti(Object.values(entries)[0]);
    assert.deepEqual(seg.dims, (await readNifti(CT_SM)).dims);
    assert.ok(seg.data.some((v) => v === 21), 'bone found');

    const status = await (await fetch(`${frontend}/api/status`)).json() as { backend: { ready: boolean }; imageServer: { live: boolean } };
    assert.equal(status.backend.ready, true);
    assert.equal(status.imageServer.live, true);
    const html = await fetch(`${frontend}/`);
    assert.equal(html.status, 200);
    assert.match(await html.text(), /<div id="root">|<script/);
    assert.equal((await fetch(`${image}/output/?format=json`)).status, 200);
  });
});
