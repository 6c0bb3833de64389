// Accounts, sessions, tokens and the audit log in PostgreSQL (what npm start and Helm use): the
// same API over the real database, sessions and tokens stored as digests, and an audit_log that
// refuses UPDATE, DELETE and TRUNCATE even to the service's own database user.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPool, startTestPostgres } from '@vista3d/db';
import type { EmbeddedPostgres, Pool } from '@vista3d/db';
import { startEnv } from '../api/helpers.js';
import type { Env } from '../api/helpers.js';
import { ADMIN_PASSWORD, addUser, localAuth, login } from './session.js';

describe('auth on PostgreSQL', () => {
  let pg: EmbeddedPostgres;
  let pool: Pool;
  let env: Env;

  before(async () => {
    pg = await startTestPostgres();
    pool = createPool(pg.url);
    env = await startEnv({ auth: await localAuth(), databaseUrl: pg.url }, {}, { backend: 'fake' });
  });
  after(async () => {
    await env?.close();
    await pool?.end();
    await pg?.stop();
  });

  it('logs in, keeps only digests, audits, and logout removes the session row', async () => {
    const admin = await login(env.base, 'admin', ADMIN_PASSWORD);
    const viewer = await addUser(env.base, admin, 'rita', 'viewer');
    const sessions = (await pool.query<{ id: string }>('SELECT id FROM sessions')).rows.map((r) => r.id);
    assert.equal(sessions.length, 2);
    assert.ok(!sessions.includes(viewer.cookie.split('=')[1]), 'the cookie value is not stored');
    const token = (await (await fetch(`${env.base}/api/tokens`, { method: 'POST', headers: { ...viewer.headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'script' }) })).json()) as { token: string };
    assert.equal((await fetch(`${env.base}/api/patients/p1/scans`, { headers: { authorization: `Bearer ${token.token}` } })).status, 200);
    const stored = (await pool.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens')).rows;
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0].token_hash, token.token);
    const audit = (await pool.query<{ actor: string; action: string; patient: string | null; outcome: string }>("SELECT actor, action, patient, outcome FROM audit_log WHERE actor = 'rita' ORDER BY id")).rows;
    assert.deepEqual(audit.map((a) => `${a.action} ${a.patient ?? ''} ${a.outcome}`), ['login  ok', 'POST /api/tokens  ok', 'GET /api/patients/:patient/scans p1 ok']);
    const search = (await (await fetch(`${env.base}/api/admin/audit?actor=rita&patient=p1`, { headers: admin.headers })).json()) as Array<{ action: string }>;
    assert.deepEqual(search.map((e) => e.action), ['GET /api/patients/:patient/scans']);
    assert.equal((await fetch(`${env.base}/api/logout`, { method: 'POST', headers: viewer.headers })).status, 200);
    assert.equal(Number((await pool.query('SELECT count(*) AS n FROM sessions')).rows[0].n), 1);
  });

  it('the audit log is append-only in the database itself', async () => {
    await assert.rejects(pool.query("UPDATE audit_log SET actor = 'someone else'"), /append-only \(UPDATE refused\)/);
    await assert.rejects(pool.query('DELETE FROM audit_log'), /append-only \(DELETE refused\)/);
    await assert.rejects(pool.query('TRUNCATE audit_log'), /append-only \(TRUNCATE refused\)/);
    assert.ok(Number((await pool.query('SELECT count(*) AS n FROM audit_log')).rows[0].n) >= 4);
  });

  it('a restart keeps accounts and does not create a second admin', async () => {
    await env.restart();
    assert.equal(Number((await pool.query('SELECT count(*) AS n FROM users')).rows[0].n), 2);
    await login(env.base, 'rita', 'rita-password-123');
  });
});
