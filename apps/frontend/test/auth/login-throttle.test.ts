// Password guessing on local accounts: failed logins per (user name, address) lock the pair out with
// 429 + Retry-After before any password is checked; the lock-out doubles, expires, and a success resets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPool, migrate, startTestPostgres } from '@vista3d/db';
import type { EmbeddedPostgres, Pool } from '@vista3d/db';
import { LoginThrottle } from '../../src/server/auth/login-throttle.js';
import { pgAuthStore } from '../../src/server/auth/pg-store.js';
import { startEnv } from '../api/helpers.js';
import type { Env } from '../api/helpers.js';
import { ADMIN_PASSWORD, localAuth } from './session.js';

describe('login throttle (pure, with a clock of our own)', () => {
  it('locks a pair after maxFailures, doubling per further failure up to the cap; other pairs are free', async () => {
    let t = 1_000_000;
    const th = new LoginThrottle({ maxFailures: 3, maxFailuresPerIp: 100, lockMs: 1000, maxLockMs: 4000, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 2; i++) await th.failed('alice', '10.0.0.1');
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.1'), 0);
    await th.failed('ALICE', '10.0.0.1'); // user names count case-insensitively
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.1'), 1);
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.2'), 0, 'another address');
    assert.equal(await th.retryAfterSeconds('bob', '10.0.0.1'), 0, 'another user name');
    t += 1001;
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.1'), 0, 'the lock-out ends');
    await th.failed('alice', '10.0.0.1');
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.1'), 2, 'doubled');
    for (let i = 0; i < 5; i++) await th.failed('alice', '10.0.0.1');
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.1'), 4, 'capped');
    await th.succeeded('alice', '10.0.0.1');
    assert.equal(await th.retryAfterSeconds('alice', '10.0.0.1'), 0, 'a success clears the pair');
    await th.failed('carol', '10.0.0.3');
    t += 61_000;
    await th.failed('carol', '10.0.0.3');
    await th.failed('carol', '10.0.0.3');
    assert.equal(await th.retryAfterSeconds('carol', '10.0.0.3'), 0, 'failures older than the window are forgotten');
  });

  it('one address spraying many user names is locked out as a whole', async () => {
    const th = new LoginThrottle({ maxFailures: 3, maxFailuresPerIp: 10, lockMs: 5000 });
    for (let i = 0; i < 10; i++) await th.failed(`user${i}`, '10.9.9.9');
    assert.equal(await th.retryAfterSeconds('someone-new', '10.9.9.9'), 5);
    assert.equal(await th.retryAfterSeconds('someone-new', '10.9.9.8'), 0);
  });
});

describe('login throttle on PostgreSQL: replicas share one count', () => {
  let server: EmbeddedPostgres;
  let pool: Pool;
  before(async () => {
    server = await startTestPostgres();
    pool = createPool(server.url);
    await migrate(pool);
  });
  after(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('failures through two replicas add up, concurrent ones are all counted, a success on either clears', async () => {
    const opts = { maxFailures: 4, maxFailuresPerIp: 1000, lockMs: 10_000, maxLockMs: 60_000, windowMs: 60_000 };
    const a = new LoginThrottle(opts, pgAuthStore(pool).loginFailures);
    const b = new LoginThrottle(opts, pgAuthStore(pool).loginFailures);
    await a.failed('dana', '10.1.1.1');
    await b.failed('dana', '10.1.1.1');
    assert.equal(await a.retryAfterSeconds('dana', '10.1.1.1'), 0);
    await Promise.all([a.failed('dana', '10.1.1.1'), b.failed('dana', '10.1.1.1')]);
    assert.equal(await b.retryAfterSeconds('dana', '10.1.1.1'), 10, 'four failures over two replicas lock the pair on both');
    assert.equal(await a.retryAfterSeconds('dana', '10.1.1.1'), 10);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).failed('erin', '10.1.1.2')));
    const { rows } = await pool.query<{ failures: number }>('SELECT failures FROM login_failures WHERE key = $1', ['user 10.1.1.2 erin']);
    assert.equal(rows[0]?.failures, 20, 'no lost update');
    await a.succeeded('dana', '10.1.1.1');
    assert.equal(await b.retryAfterSeconds('dana', '10.1.1.1'), 0);
  });
});

describe('POST /api/login is rate limited per user name and address', () => {
  let env: Env;
  before(async () => {
    env = await startEnv({ auth: await localAuth({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '1' }) }, {}, { backend: 'none', ct: undefined });
  });
  after(async () => env?.close());

  const attempt = (username: string, password: string): Promise<Response> =>
    fetch(`${env.base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  it('429 with Retry-After after 3 wrong passwords, even for the right one; then a success resets', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await attempt('admin', `guess-${i}`)).status, 401);
    const locked = await attempt('admin', ADMIN_PASSWORD);
    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get('retry-after'), '1');
    const body = (await locked.json()) as { code: string; message: string };
    assert.equal(body.code, 'TOO_MANY_LOGIN_ATTEMPTS');
    assert.match(body.message, /try again in 1 s/);
    assert.equal((await attempt('nobody', 'x')).status, 401, 'another user name from the same address is not locked');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await attempt('admin', ADMIN_PASSWORD)).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await attempt('admin', `again-${i}`)).status, 401);
    assert.equal((await attempt('admin', `again-3`)).status, 401, 'the count started again after the success');
  });
});
