// The README's run command, end to end: `node scripts/start.mjs` brings up all three services on
// free ports with temp folders (services compiled to JavaScript first), the generated demo study — the
// synthetic torso phantom as DICOM and NIfTI — is visible through the frontend's API and downloadable
// through the image server, the web app's Data page shows it in a real Chromium, and Ctrl+C (SIGTERM)
// stops everything. Authentication is on (local accounts): the first admin's password is generated,
// printed once, and used to log in through the API and through the login page.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser } from '../../apps/frontend/test/browser/helpers/browser.js';
import { freePort } from '../helpers/free-port.js';

const root = new URL('../..', import.meta.url).pathname;

describe('npm start', () => {
  let child: ChildProcess;
  let dir: string;
  let output = '';
  const ports = { backend: 0, imageServer: 0, frontend: 0 };
  let cookie = '';
  let password = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vista3d-start-'));
    // npm start's PostgreSQL runs as an unprivileged account and keeps its cluster beside the data.
    await chmod(dir, 0o755);
    ports.backend = await freePort();
    ports.imageServer = await freePort();
    ports.frontend = await freePort();
    child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      env: {
        ...process.env,
        OUTPUT_FOLDER: join(dir, 'output'),
        DICOM_FOLDER: join(dir, 'dicom'),
        BACKEND_PORT: String(ports.backend),
        IMAGE_SERVER_PORT: String(ports.imageServer),
        FRONTEND_PORT: String(ports.frontend),
        WORKER_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 240_000; // builds, then generates the 512×512×112 phantom
    while (!output.includes('Vista3D Platform is up')) {
      if (child.exitCode !== null) throw new Error(`start exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    password = /First admin account created: user "admin", password (\S+)/.exec(output)?.[1] ?? '';
    assert.ok(password, `no generated admin password in the output:\n${output}`);
    const res = await fetch(`http://127.0.0.1:${ports.frontend}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    assert.equal(res.status, 200, await res.text());
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('serves all three health endpoints', async () => {
    for (const url of [
      `http://127.0.0.1:${ports.backend}/v1/health/ready`,
      `http://127.0.0.1:${ports.imageServer}/health`,
      `http://127.0.0.1:${ports.frontend}/health`,
    ]) {
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
    }
  });

  it('shows the generated demo study on the data API and serves it', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${ports.frontend}/api/patients`)).status, 401, 'nothing without a login');
    const authed = (url: string): Promise<Response> => fetch(url, { headers: { cookie } });
    const patients = (await (await authed(`http://127.0.0.1:${ports.frontend}/api/patients`)).json()) as Array<{ id: string; hasDicom: boolean }>;
    assert.ok(patients.some((p) => p.id === 'demo_phantom' && p.hasDicom), JSON.stringify(patients));
    const scans = (await (await authed(`http://127.0.0.1:${ports.frontend}/api/patients/demo_phantom/scans`)).json()) as Array<{ id: string; dims: number[] }>;
    const ct = scans.find((s) => s.id === '1_torso_phantom');
    assert.ok(ct, JSON.stringify(scans));
    assert.deepEqual(ct.dims, [512, 512, 112]);
    const dicom = (await (await authed(`http://127.0.0.1:${ports.frontend}/api/dicom`)).json()) as Array<{ patient: string; series: Array<{ sliceCount: number }> }>;
    assert.deepEqual(dicom.find((d) => d.patient === 'demo_phantom')?.series.map((s) => s.sliceCount), [112]);
    const file = await fetch(`http://127.0.0.1:${ports.imageServer}/output/demo_phantom/nifti/1_torso_phantom.nii.gz`, { method: 'HEAD' });
    assert.equal(file.status, 200);
    const page = await fetch(`http://127.0.0.1:${ports.frontend}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
  });

  it('the web app shows the demo study on its Data page (real Chromium)', async () => {
    const browser = await launchBrowser();
    try {
      const page = browser.page;
      await page.goto(`http://127.0.0.1:${ports.frontend}/#/data`);
      await page.getByLabel('User name').fill('admin');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      const card = page.getByTestId('scan-1_torso_phantom');
      await card.waitFor({ timeout: 60_000 });
      assert.equal(await card.getByTestId('scan-dims').textContent(), '512 × 512 × 112');
      assert.equal(await page.locator('.error-box:visible').count(), 0, 'no error box on a fresh start');
    } finally {
      await browser.close();
    }
  });
});
