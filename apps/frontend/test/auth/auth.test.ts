// Local accounts end to end over real HTTP (file store, no DATABASE_URL): the first admin, session
// cookies and their expiry, logout, the CSRF token, personal API tokens, the users admin API, the
// audit log (search and CSV), and AUTH_MODE=off refused off loopback.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authConfigFromEnv, checkAuthBind } from '../../src/server/auth/config.js';
import { ensureFirstAdmin } from '../../src/server/auth/bootstrap.js';
import { openFileStore } from '../../src/server/auth/file-store.js';
import { claimAt, roleFromClaims } from '../../src/server/auth/oidc.js';
import { makeConfig } from '../../src/server/config.js';
import { buildServer } from '../../src/server/server.js';
import { SEG_SM, startEnv } from '../api/helpers.js';
import type { Env } from '../api/helpers.js';
import { ADMIN_PASSWORD, addUser, localAuth, login } from './session.js';
import type { Login } from './session.js';

describe('local accounts, sessions, tokens, audit', () => {
  let env: Env;
  let admin: Login;
  let stateDir: string;

  before(async () => {
    const auth = await localAuth();
    stateDir = auth.stateDir;
    env = await startEnv({ auth }, {}, { backend: 'fake' });
    admin = await login(env.base, 'admin', ADMIN_PASSWORD);
  });
  after(async () => env?.close());

  const api = (path: string, who?: Login, init: RequestInit & { json?: unknown } = {}): Promise<Response> =>
    fetch(`${env.base}${path}`, {
      ...init,
      headers: { ...(who?.headers ?? {}), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...((init.headers as Record<string, string>) ?? {}) },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });

  it('answers 401 JSON without a login, and the session cookie is HttpOnly, SameSite=Lax, expiring', async () => {
    const anon = await api('/api/patients');
    assert.equal(anon.status, 401);
    assert.equal(((await anon.json()) as { code: string }).code, 'AUTH_REQUIRED');
    const res = await api('/api/login', undefined, { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD } });
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^vista3d_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    // Over HTTPS (the ingress says so) the cookie is Secure.
    const https = await api('/api/login', undefined, { method: 'POST', json: { username: 'admin', password: ADMIN_PASSWORD }, headers: { 'x-forwarded-proto': 'https' } });
    assert.match(https.headers.get('set-cookie') ?? '', /; Secure$/);
    const me = (await (await api('/api/session', admin)).json()) as { user: { username: string; role: string }; csrfToken: string };
    assert.deepEqual(me.user, { username: 'admin', role: 'admin', source: 'local' });
    assert.equal(me.csrfToken, admin.csrf);
    assert.equal((await api('/api/patients', admin)).status, 200);
  });

  it('refuses a wrong password the same way as an unknown user', async () => {
    const a = await api('/api/login', undefined, { method: 'POST', json: { username: 'admin', password: 'wrong-password' } });
    const b = await api('/api/login', undefined, { method: 'POST', json: { username: 'nobody', password: 'wrong-password' } });
    assert.equal(a.status, 401);
    assert.equal(b.status, 401);
    assert.deepEqual(await a.json(), await b.json());
  });

  it('needs the CSRF token on state changes made with the cookie', async () => {
    const none = await api('/api/jobs', undefined, { method: 'POST', json: { type: 'segment' }, headers: { cookie: admin.cookie } });
    assert.equal(none.status, 403);
    assert.equal(((await none.json()) as { code: string }).code, 'CSRF_TOKEN_INVALID');
    const wrong = await api('/api/jobs', undefined, { method: 'POST', json: { type: 'segment' }, headers: { cookie: admin.cookie, 'x-csrf-token': 'x'.repeat(43) } });
    assert.equal(wrong.status, 403);
    const ok = await api('/api/jobs', admin, { method: 'POST', json: { type: 'nonsense' } });
    assert.equal(ok.status, 400, 'with the token the request reaches the handler');
  });

  it('logout deletes the session on the server: the old cookie is dead', async () => {
    const s = await login(env.base, 'admin', ADMIN_PASSWORD);
    assert.equal((await api('/api/patients', s)).status, 200);
    const out = await api('/api/logout', s, { method: 'POST' });
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await api('/api/patients', s)).status, 401);
  });

  it('personal API tokens: shown once, stored hashed, bearer without CSRF, revocable', async () => {
    const viewer = await addUser(env.base, admin, 'tom', 'viewer');
    const created = await api('/api/tokens', viewer, { method: 'POST', json: { name: 'cli' } });
    assert.equal(created.status, 201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    assert.match(token, /^v3d_/);
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await api('/api/patients', undefined, { headers: bearer })).status, 200);
    // A viewer's token cannot write; and no cookie means no CSRF token is needed.
    assert.equal((await api('/api/jobs', undefined, { method: 'POST', json: { type: 'segment' }, headers: bearer })).status, 403);
    const listed = (await (await api('/api/tokens', viewer)).json()) as Array<Record<string, unknown>>;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].token, undefined, 'a listing never shows the token');
    const stored = await readFile(join(stateDir, 'auth.json'), 'utf8');
    assert.ok(!stored.includes(token), 'only the digest is stored');
    assert.equal((await stat(join(stateDir, 'auth.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
    assert.equal((await api(`/api/tokens/${id}`, viewer, { method: 'DELETE' })).status, 200);
    assert.equal((await api('/api/patients', undefined, { headers: bearer })).status, 401);
    assert.equal((await api('/api/patients', undefined, { headers: { authorization: 'Bearer v3d_made-up' } })).status, 401);
  });

  it('admins change roles, disable accounts and reset passwords; others cannot', async () => {
    const ann = await addUser(env.base, admin, 'ulla', 'annotator');
    assert.equal((await api('/api/admin/users', ann)).status, 403);
    const users = (await (await api('/api/admin/users', admin)).json()) as Array<{ id: string; username: string; role: string }>;
    const ulla = users.find((u) => u.username === 'ulla')!;
    assert.equal(ulla.role, 'annotator');
    assert.ok(!JSON.stringify(users).includes('argon2'), 'no password hashes in the listing');
    assert.equal((await api(`/api/admin/users/${ulla.id}`, admin, { method: 'PATCH', json: { role: 'viewer' } })).status, 200);
    assert.equal((await api('/api/patients', ann)).status, 401, 'a role change ends the sessions');
    const again = await login(env.base, 'ulla', 'ulla-password-123');
    assert.equal((await api('/api/jobs', again, { method: 'POST', json: { type: 'segment' } })).status, 403, 'now a viewer');
    assert.equal((await api(`/api/admin/users/${ulla.id}`, admin, { method: 'PATCH', json: { password: 'a-brand-new-password' } })).status, 200);
    await assert.rejects(login(env.base, 'ulla', 'ulla-password-123'), /401/);
    await login(env.base, 'ulla', 'a-brand-new-password');
    assert.equal((await api(`/api/admin/users/${ulla.id}`, admin, { method: 'PATCH', json: { disabled: true } })).status, 200);
    await assert.rejects(login(env.base, 'ulla', 'a-brand-new-password'), /401/);
    assert.equal((await api('/api/admin/users', admin, { method: 'POST', json: { username: 'short', password: 'short', role: 'viewer' } })).status, 400);
  });

  it('audits who read or changed which patient, searchable and exportable by admins', async () => {
    const viewer = await addUser(env.base, admin, 'carl', 'viewer');
    assert.equal((await api('/api/patients/p1/scans', viewer)).status, 200);
    assert.equal((await api('/api/patients/p1', viewer, { method: 'DELETE' })).status, 403);
    assert.equal((await api('/images/output/p1/nifti/ct.nii.gz', viewer, { method: 'HEAD' })).status, 200);
    const q = new URLSearchParams({ actor: 'carl' });
    const entries = (await (await api(`/api/admin/audit?${q}`, admin)).json()) as Array<{ actor: string; action: string; patient?: string; scan?: string; outcome: string; ip: string }>;
    const actions = entries.map((e) => `${e.action} ${e.patient ?? ''}/${e.scan ?? ''} ${e.outcome}`);
    assert.ok(actions.includes('GET /api/patients/:patient/scans p1/ ok'), actions.join('\n'));
    assert.ok(actions.includes('DELETE /api/patients/:patient p1/ refused'), actions.join('\n'));
    assert.ok(actions.includes('HEAD /images/* p1/ct ok'), actions.join('\n'));
    assert.ok(actions.includes('login / ok'), actions.join('\n'));
    assert.ok(entries.every((e) => e.ip === '127.0.0.1'));
    const byPatient = (await (await api('/api/admin/audit?patient=p1&action=DELETE', admin)).json()) as unknown[];
    assert.equal(byPatient.length, 1);
    const future = (await (await api(`/api/admin/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, admin)).json()) as unknown[];
    assert.equal(future.length, 0);
    const csv = await api('/api/admin/audit?actor=carl&format=csv', admin);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const text = await csv.text();
    assert.match(text.split('\n')[0], /^at,actor,action,patient,scan,resource,outcome,status,ip$/);
    assert.ok(text.includes('carl,DELETE /api/patients/:patient,p1,,p1,refused,403,127.0.0.1'), text);
    assert.equal((await api('/api/admin/audit', viewer)).status, 403);
  });

  it('a segmentation version saved by a logged-in annotator names them in its provenance', async () => {
    const annotator = await addUser(env.base, admin, 'anna', 'annotator');
    const body = await readFile(SEG_SM);
    const saved = await api('/api/patients/p1/scans/ct/versions?comment=by%20anna', annotator, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body });
    assert.equal(saved.status, 201, await saved.clone().text());
    const versions = (await (await api('/api/patients/p1/scans/ct/versions', annotator)).json()) as Array<{ createdBy: string; source: string; comment?: string }>;
    const last = versions.at(-1)!;
    assert.deepEqual([last.createdBy, last.source, last.comment], ['anna', 'manual-edit', 'by anna']);
  });
});

describe('session expiry', () => {
  it('an idle session expires; an active one lives on', async () => {
    const env = await startEnv({ auth: await localAuth({ SESSION_IDLE_MINUTES: '0.02' }) }, {}, { backend: 'none', ct: undefined }); // 1.2 s idle
    try {
      const active = await login(env.base, 'admin', ADMIN_PASSWORD);
      const idle = await login(env.base, 'admin', ADMIN_PASSWORD);
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 400));
        assert.equal((await fetch(`${env.base}/api/jobs`, { headers: active.headers })).status, 200);
      }
      assert.equal((await fetch(`${env.base}/api/jobs`, { headers: idle.headers })).status, 401);
    } finally {
      await env.close();
    }
  });
});

describe('start-up rules', () => {
  it('AUTH_MODE=off is refused unless the frontend binds to loopback', async () => {
    const off = authConfigFromEnv({ AUTH_MODE: 'off' }, '/tmp/x/output');
    assert.throws(() => checkAuthBind(off, '0.0.0.0'), /AUTH_MODE=off is refused on HOST=0.0.0.0/);
    assert.doesNotThrow(() => checkAuthBind(off, '127.0.0.1'));
    await assert.rejects(buildServer(makeConfig({ host: '0.0.0.0', outputFolder: '/tmp/v3d-never', auth: off })), /AUTH_MODE=off is refused/);
    assert.deepEqual(['', 'true', '10.0.0.0/8, 127.0.0.1'].map((v) => authConfigFromEnv({ TRUST_PROXY: v }, '/tmp/x').trustProxy), [false, true, ['10.0.0.0/8', '127.0.0.1']]);
    assert.equal(typeof authConfigFromEnv({ TRUST_PROXY: '1' }, '/tmp/x').trustProxy, 'function');
    assert.throws(() => authConfigFromEnv({ AUTH_MODE: 'oidc' }, '/tmp/x'), /AUTH_MODE=oidc needs OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_REDIRECT_URL/);
  });

  it('generates the first admin password once and prints it', async () => {
    const auth = await localAuth({ ADMIN_PASSWORD: '' });
    const store = await openFileStore(auth.stateDir);
    const lines: string[] = [];
    await ensureFirstAdmin(store, auth, (l) => lines.push(l));
    await ensureFirstAdmin(store, auth, (l) => lines.push(l));
    assert.equal(lines.length, 1, 'printed once');
    const password = /password (\S+)/.exec(lines[0])![1];
    assert.ok(password.length >= 16);
    assert.equal((await store.listUsers())[0].role, 'admin');
    await store.close();
  });
});

describe('OIDC roles from Keycloak-style claims', () => {
  const claims = {
    realm_access: { roles: ['offline_access', 'uma_authorization', 'radiologist'] },
    resource_access: { 'vista3d.web': { roles: ['admin'] }, account: { roles: ['manage-account'] } },
    groups: 'viewer other',
  };
  it('reads realm roles, client roles (client ids with dots) and space-separated strings', () => {
    assert.deepEqual(claimAt(claims, 'resource_access.vista3d.web.roles'), ['admin']);
    assert.equal(roleFromClaims(claims, { rolesClaim: 'realm_access.roles', roleMap: { radiologist: 'annotator' } }), 'annotator');
    assert.equal(roleFromClaims(claims, { rolesClaim: 'resource_access.vista3d.web.roles', roleMap: {} }), 'admin');
    assert.equal(roleFromClaims(claims, { rolesClaim: 'groups', roleMap: {} }), 'viewer');
  });
  it('no mapped role means no access; the highest of several wins', () => {
    assert.equal(roleFromClaims(claims, { rolesClaim: 'realm_access.roles', roleMap: {} }), undefined);
    assert.equal(roleFromClaims(claims, { rolesClaim: 'missing.path', roleMap: {} }), undefined);
    assert.equal(roleFromClaims({ r: ['viewer', 'admin', 'annotator'] }, { rolesClaim: 'r', roleMap: {} }), 'admin');
  });
});
