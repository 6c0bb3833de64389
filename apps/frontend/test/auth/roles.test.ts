// The route × role matrix: every route the frontend registers (collected by the auth plugin's
// onRoute hook, never listed by hand) is called as anonymous, viewer, annotator and admin, and must
// be refused (401 / 403) exactly when the caller's role is below the one the route declares.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { installAuth } from '../../src/server/auth/plugin.js';
import type { RegisteredRoute } from '../../src/server/auth/plugin.js';
import { roleAllows } from '../../src/server/auth/roles.js';
import type { Role } from '../../src/server/auth/roles.js';
import { startEnv } from '../api/helpers.js';
import type { Env } from '../api/helpers.js';
import { ADMIN_PASSWORD, addUser, localAuth, login } from './session.js';
import type { Login } from './session.js';

const SAMPLE: Record<string, string> = { patient: 'zz_nobody', scan: 'nothing', id: '00000000-0000-4000-8000-000000000000' };

function concrete(route: RegisteredRoute): string {
  let url = route.url.replace(/:(\w+)/g, (_m, name: string) => SAMPLE[name] ?? 'x');
  if (url.endsWith('*')) url = url.slice(0, -1) + (url.startsWith('/images') ? 'output/zz_nobody/none.nii.gz' : url.startsWith('/api/vista3d') ? 'v1/health/live' : 'no-such-page');
  return url;
}

describe('every route × every role', () => {
  let env: Env;
  const users: Partial<Record<Role, Login>> = {};

  before(async () => {
    env = await startEnv({ auth: await localAuth() }, {}, { backend: 'fake' });
    users.admin = await login(env.base, 'admin', ADMIN_PASSWORD);
    users.viewer = await addUser(env.base, users.admin, 'vera', 'viewer');
    users.annotator = await addUser(env.base, users.admin, 'anna', 'annotator');
  });
  after(async () => env?.close());

  it('collects every route with its declared role', () => {
    const routes = env.app.routeRoles;
    assert.ok(routes.length >= 30, `only ${routes.length} routes collected`);
    const role = (method: string, url: string): string | undefined => routes.find((r) => r.method === method && r.url === url)?.role;
    // The least role of each kind of action.
    assert.equal(role('GET', '/health'), 'public');
    assert.equal(role('GET', '/*'), 'public');
    assert.equal(role('POST', '/api/login'), 'public');
    assert.equal(role('GET', '/api/patients'), 'viewer');
    assert.equal(role('GET', '/images/*'), 'viewer');
    assert.equal(role('GET', '/api/events'), 'viewer');
    assert.equal(role('POST', '/api/upload/nifti'), 'annotator');
    assert.equal(role('POST', '/api/jobs'), 'annotator');
    assert.equal(role('POST', '/api/segment/interactive/accept'), 'annotator');
    assert.equal(role('POST', '/api/vista3d/*'), 'annotator');
    assert.equal(role('DELETE', '/api/patients/:patient'), 'admin');
    assert.equal(role('DELETE', '/api/patients/:patient/scans/:scan'), 'admin');
    assert.equal(role('GET', '/api/admin/audit'), 'admin');
    assert.equal(role('POST', '/api/admin/users'), 'admin');
  });

  it('refuses exactly the callers below each route\'s role', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of env.app.routeRoles) {
      const url = `${env.base}${concrete(route)}`;
      for (const who of ['anonymous', 'viewer', 'annotator', 'admin'] as const) {
        // Logging out ends the session it runs in: that check gets its own session.
        const as = who === 'anonymous' ? undefined : route.url === '/api/logout' ? await login(env.base, who === 'admin' ? 'admin' : who === 'viewer' ? 'vera' : 'anna', who === 'admin' ? ADMIN_PASSWORD : `${who === 'viewer' ? 'vera' : 'anna'}-password-123`) : users[who];
        const controller = new AbortController();
        if (process.env.DEBUG_MATRIX) console.error(route.method, url, who);
        const res = await fetch(url, { method: route.method, headers: { ...(as?.headers ?? {}), ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { 'content-type': 'application/json' }) }, ...(['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method) ? { body: '{}' } : {}), signal: controller.signal });
        controller.abort(); // the events stream would stay open
        checked++;
        const allowed = route.role === 'public' || (who !== 'anonymous' && roleAllows(who, route.role));
        const expected = allowed ? 'allowed' : who === 'anonymous' ? 401 : 403;
        const got = res.status === 401 || res.status === 403 ? res.status : 'allowed';
        if (got !== expected) failures.push(`${route.method} ${route.url} (${route.role}) as ${who}: expected ${expected}, got ${res.status}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(checked, env.app.routeRoles.length * 4);
  });

  it('a route without a role stops the server from starting', async () => {
    const app = Fastify();
    installAuth(app, (await localAuth()), null);
    app.get('/declared', { config: { role: 'viewer' } }, async () => 'ok');
    assert.throws(() => app.get('/forgotten', async () => 'oops'), /GET \/forgotten declares no role/);
    await app.close();
  });
});
