// Logging in through the real web app in Chromium: a local account (the login form, the user in
// the header, actions the role may not use hidden, logout), and OpenID Connect through a real
// authorization-code + PKCE flow against oidc-provider started on loopback in this test, with
// Keycloak-style realm roles mapped to ours.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import type { FastifyInstance } from 'fastify';
import { buildWeb } from '../../scripts/build-web.mjs';
import { authConfigFromEnv } from '../../src/server/auth/config.js';
import { makeConfig } from '../../src/server/config.js';
import { buildServer } from '../../src/server/server.js';
import { freePort } from '../../../../tests/helpers/free-port.js';
import { ADMIN_PASSWORD, addUser, localAuth, login } from '../auth/session.js';
import { launchBrowser } from './helpers/browser.js';

process.env.LOG_LEVEL ??= 'silent';

describe('logging in through the web app (Chromium)', () => {
  let dir: string;
  let web: string;
  const apps: FastifyInstance[] = [];
  let closeProvider: (() => Promise<void>) | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'v3d-login-'));
    web = join(dir, 'web');
    await buildWeb({ outdir: web });
    await mkdir(join(dir, 'output'), { recursive: true });
  });
  after(async () => {
    for (const a of apps) await a.close();
    await closeProvider?.();
    await rm(dir, { recursive: true, force: true });
  });

  async function frontend(auth: ReturnType<typeof authConfigFromEnv>, port = 0): Promise<string> {
    const app = await buildServer(makeConfig({ host: '127.0.0.1', port, outputFolder: join(dir, 'output'), dicomFolder: join(dir, 'dicom'), webRoot: web, vista3dServer: `http://127.0.0.1:${await freePort()}`, probeTimeoutMs: 300, auth }));
    await app.listen({ port, host: '127.0.0.1' });
    apps.push(app);
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }

  it('local account: login form, user and role in the header, viewer sees no upload, logout', async () => {
    const base = await frontend(await localAuth());
    const admin = await login(base, 'admin', ADMIN_PASSWORD);
    await addUser(base, admin, 'viv', 'viewer');
    const browser = await launchBrowser();
    try {
      const page = browser.page;
      await page.goto(`${base}/#/data`);
      await page.getByLabel('User name').fill('viv');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor();
      await page.getByLabel('Password').fill('viv-password-123');
      await page.getByRole('button', { name: 'Log in' }).click();
      const who = page.getByTestId('current-user');
      await who.waitFor();
      assert.match((await who.textContent()) ?? '', /viv\s*viewer/);
      assert.equal(await page.getByText('Upload', { exact: false }).filter({ has: page.locator('input[type=file]') }).count(), 0);
      assert.equal(await page.locator('input[type=file]').count(), 0, 'a viewer gets no upload form');
      const cookies = await browser.context.cookies();
      const session = cookies.find((c) => c.name === 'vista3d_session');
      assert.ok(session?.httpOnly && session.sameSite === 'Lax', JSON.stringify(cookies));
      await page.getByTestId('logout').click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      // The old cookie is dead on the server, not just forgotten by the browser.
      assert.equal((await fetch(`${base}/api/patients`, { headers: { cookie: `vista3d_session=${session.value}` } })).status, 401);
    } finally {
      await browser.close();
    }
  });

  it('OpenID Connect: code flow with PKCE against a real provider, realm roles mapped, logout', async () => {
    const frontendPort = await freePort();
    const redirectUrl = `http://127.0.0.1:${frontendPort}/api/auth/oidc/callback`;
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'vista3d', client_secret: 'test-client-secret', redirect_uris: [redirectUrl], post_logout_redirect_uris: [`http://127.0.0.1:${frontendPort}/`], grant_types: ['authorization_code'], response_types: ['code'] }],
      claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'realm_access'] },
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: ['test-cookie-key'] },
      async findAccount(_ctx, sub) {
        return { accountId: sub, claims: async () => ({ sub, preferred_username: sub, name: `Dr ${sub}`, realm_access: { roles: ['offline_access', 'radiologist'] } }) };
      },
    });
    server.on('request', provider.callback());
    closeProvider = () => new Promise((r) => server.close(() => r()));
    const base = await frontend(authConfigFromEnv({
      AUTH_MODE: 'oidc', OIDC_ISSUER: issuer, OIDC_CLIENT_ID: 'vista3d', OIDC_CLIENT_SECRET: 'test-client-secret', OIDC_REDIRECT_URL: redirectUrl,
      OIDC_ROLES_CLAIM: 'realm_access.roles', OIDC_ROLE_MAP: 'radiologist=annotator', AUTH_STATE_DIR: join(dir, 'oidc-state'),
    }, join(dir, 'output')), frontendPort);
    assert.equal((await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin","password":"x"}' })).status, 400, 'no local login in oidc mode');
    // A callback with a state this browser never started is refused.
    assert.equal((await fetch(`${base}/api/auth/oidc/callback?code=x&state=forged`)).status, 400);
    const browser = await launchBrowser();
    // The provider's development pages import a web font; nothing leaves this machine.
    await browser.context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    try {
      const page = browser.page;
      await page.goto(`${base}/`);
      await page.getByTestId('oidc-login').click();
      await page.locator('input[name=login]').fill('dr.house');
      await page.locator('input[name=password]').fill('any');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      const who = page.getByTestId('current-user');
      await who.waitFor({ timeout: 30_000 });
      assert.match((await who.textContent()) ?? '', /Dr dr\.house\s*annotator/);
      assert.equal(new URL(page.url()).origin, base);
      const status = await page.evaluate(async () => (await fetch('/api/jobs')).status);
      assert.equal(status, 200);
      await page.getByTestId('logout').click();
      // The provider's end-session page (it asks to confirm); our session is gone either way.
      await page.waitForURL((u) => u.origin === issuer);
      const session = await (await fetch(`${base}/api/session`, { headers: { cookie: (await browser.context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ') } })).json() as { user: unknown };
      assert.equal(session.user, null);
    } finally {
      await browser.close();
    }
  });
});
