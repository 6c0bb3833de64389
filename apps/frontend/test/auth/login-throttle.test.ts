// Password guessing on local accounts: failed logins per (user name, address) lock the pair out with
// 429 + Retry-After before any password is checked; the lock-out doubles, expires, and a success resets.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LoginThrottle } from '../../src/server/auth/login-throttle.js';
import { startEnv } from '../api/helpers.js';
import type { Env } from '../api/helpers.js';
import { ADMIN_PASSWORD, localAuth } from './session.js';

describe('login throttle (pure, with a clock of our own)', () => {
  it('locks a pair after maxFailures, doubling per further failure up to the cap; other pairs are free', () => {
    let t = 1_000_000;
    const th = new LoginThrottle({ maxFailures: 3, maxFailuresPerIp: 100, lockMs: 1000, maxLockMs: 4000, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 2; i++) th.failed('alice', '10.0.0.1');
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.1'), 0);
    th.failed('ALICE', '10.0.0.1'); // user names count case-insensitively
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.1'), 1);
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.2'), 0, 'another address');
    assert.equal(th.retryAfterSeconds('bob', '10.0.0.1'), 0, 'another user name');
    t += 1001;
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.1'), 0, 'the lock-out ends');
    th.failed('alice', '10.0.0.1');
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.1'), 2, 'doubled');
    for (let i = 0; i < 5; i++) th.failed('alice', '10.0.0.1');
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.1'), 4, 'capped');
    th.succeeded('alice', '10.0.0.1');
    assert.equal(th.retryAfterSeconds('alice', '10.0.0.1'), 0, 'a success clears the pair');
    th.failed('carol', '10.0.0.3');
    t += 61_000;
    th.failed('carol', '10.0.0.3');
    th.failed('carol', '10.0.0.3');
    assert.equal(th.retryAfterSeconds('carol', '10.0.0.3'), 0, 'failures older than the window are forgotten');
  });

  it('one address spraying many user names is locked out as a whole', () => {
    const th = new LoginThrottle({ maxFailures: 3, maxFailuresPerIp: 10, lockMs: 5000 });
    for (let i = 0; i < 10; i++) th.failed(`user${i}`, '10.9.9.9');
    assert.equal(th.retryAfterSeconds('someone-new', '10.9.9.9'), 5);
    assert.equal(th.retryAfterSeconds('someone-new', '10.9.9.8'), 0);
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
