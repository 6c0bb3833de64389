// The CLI against a platform with login: `vista3d segment --server <frontend>/api/vista3d --token <personal
// API token>` segments through the frontend's NIM proxy (which adds the backend's own credential); without a
// token, or with a revoked one, the CLI exits non-zero saying why.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CT_SM, startEnv } from '../../apps/frontend/test/api/helpers.js';
import type { Env } from '../../apps/frontend/test/api/helpers.js';
import { ADMIN_PASSWORD, localAuth, login } from '../../apps/frontend/test/auth/session.js';
import { buildCli, cli } from '../../packages/cli/test/helpers.js';

describe('CLI with a personal API token (local accounts)', () => {
  let env: Env;
  let dir: string;
  let token: { id: string; token: string };
  let adminHeaders: Record<string, string>;
  before(async () => {
    buildCli();
    env = await startEnv({ auth: await localAuth() }, {}, { backend: 'real' });
    const admin = await login(env.base, 'admin', ADMIN_PASSWORD);
    adminHeaders = admin.headers;
    const res = await fetch(`${env.base}/api/tokens`, { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cli' }) });
    assert.equal(res.status, 201);
    token = (await res.json()) as { id: string; token: string };
    dir = await mkdtemp(join(tmpdir(), 'v3d-cli-token-'));
    await mkdir(join(dir, 'p1', 'nifti'), { recursive: true });
    await copyFile(CT_SM, join(dir, 'p1', 'nifti', 'ct.nii.gz'));
  });
  after(async () => {
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const segment = (extra: string[], envVars: Record<string, string> = {}) =>
    cli(['segment', '--output', dir, '--server', `${env.base}/api/vista3d`, '--classes', 'bone', '--json', ...extra], { env: { VISTA3D_TOKEN: '', ...envVars } });

  it('without a token: exit 1, the platform asks to log in, nothing written', async () => {
    const run = await segment([]);
    assert.equal(run.code, 1, run.stderr + run.stdout);
    assert.match(run.stderr + run.stdout, /log in|AUTH_REQUIRED|401/i);
    assert.deepEqual(await readdir(join(dir, 'p1')), ['nifti']);
  });

  it('with --token (or VISTA3D_TOKEN): segments through the frontend and saves the labels', async () => {
    const run = await segment(['--token', token.token]);
    assert.equal(run.code, 0, run.stderr);
    const labels = JSON.parse(run.stdout) as Array<{ labels?: Array<{ name: string; voxels: number }>; error?: string }>;
    assert.ok(labels[0].labels?.some((l) => l.voxels > 1000), run.stdout);
    assert.ok((await readdir(join(dir, 'p1', 'voxels', 'ct'))).includes('all.nii.gz'));
    const viaEnv = await segment([], { VISTA3D_TOKEN: token.token });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  });

  it('a revoked token is refused', async () => {
    const del = await fetch(`${env.base}/api/tokens/${token.id}`, { method: 'DELETE', headers: adminHeaders });
    assert.ok(del.status < 300, String(del.status));
    const run = await segment(['--token', token.token]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr + run.stdout, /log in|AUTH_REQUIRED|401|invalid|revoked/i);
  });
});
