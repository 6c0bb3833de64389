// Logging in from tests: a real POST /api/login, the session cookie and the CSRF token it answers.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authConfigFromEnv } from '../../src/server/auth/config.js';
import type { AuthConfig } from '../../src/server/auth/config.js';

export const ADMIN_PASSWORD = 'test-admin-password-1';

/** Local mode with a known first admin and a private state folder (the file store). */
export async function localAuth(env: NodeJS.ProcessEnv = {}): Promise<AuthConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'v3d-auth-'));
  return authConfigFromEnv({ AUTH_MODE: 'local', ADMIN_PASSWORD, AUTH_STATE_DIR: join(dir, 'state'), ...env }, join(dir, 'output'));
}

export interface Login {
  cookie: string;
  csrf: string;
  /** Headers for a request as this user (cookie + CSRF token). */
  headers: Record<string, string>;
}

export async function login(base: string, username: string, password: string): Promise<Login> {
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${await res.text()}`);
  const set = res.headers.get('set-cookie') ?? '';
  const cookie = set.split(';')[0];
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } };
}

/** Creates a local user through the admin API and logs them in. */
export async function addUser(base: string, admin: Login, username: string, role: string): Promise<Login> {
  const password = `${username}-password-123`;
  const res = await fetch(`${base}/api/admin/users`, { method: 'POST', headers: { ...admin.headers, 'content-type': 'application/json' }, body: JSON.stringify({ username, password, role }) });
  if (res.status !== 201) throw new Error(`creating ${username} answered ${res.status}: ${await res.text()}`);
  return login(base, username, password);
}
