import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest } from '@vista3d/service-kit';
import type { AuthConfig } from './config.js';
import { LoginThrottle } from './login-throttle.js';
import { clearSessionCookie, parseCookies, SESSION_COOKIE, sessionCookie } from './identity.js';
import type { Identity } from './identity.js';
import { csrfTokenFor, dummyHash, randomSecret, secretDigest, verifyPassword } from './secrets.js';
import type { AuthStore, User } from './store.js';

const loginSchema = z.object({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) }).strict();

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw badRequest('INVALID_REQUEST', r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return r.data;
}

export function sessionJson(mode: AuthConfig['mode'], who: Identity | null): Record<string, unknown> {
  return {
    mode,
    user: who ? { username: who.user.username, role: who.user.role, source: who.user.source, ...(who.user.displayName ? { displayName: who.user.displayName } : {}) } : null,
    ...(who?.csrfToken ? { csrfToken: who.csrfToken } : {}),
  };
}

/** Starts a session for `user`: a random cookie value, stored only as its digest. */
export async function startSession(store: AuthStore, config: AuthConfig, user: User, ip: string, idToken?: string): Promise<{ secret: string; cookieMaxAgeMs: number }> {
  const secret = randomSecret();
  const now = Date.now();
  await store.createSession({
    id: secretDigest(secret),
    userId: user.id,
    createdAt: new Date(now).toISOString(),
    lastSeenAt: new Date(now).toISOString(),
    expiresAt: new Date(now + config.sessionMaxMs).toISOString(),
    ip,
    ...(idToken ? { idToken } : {}),
  });
  return { secret, cookieMaxAgeMs: config.sessionMaxMs };
}

/** GET /api/session, POST /api/login (local accounts), POST /api/logout. */
export async function sessionRoutes(app: FastifyInstance, opts: { config: AuthConfig; store: AuthStore | null; endSessionUrl?: (idToken?: string) => string | undefined }): Promise<void> {
  const { config, store } = opts;
  const throttle = new LoginThrottle(config.loginThrottle, store?.loginFailures);
  app.get('/api/session', { config: { role: 'public' } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return sessionJson(config.mode, request.identity);
  });

  app.post('/api/login', { config: { role: 'public' } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (config.mode !== 'local' || !store) throw new HttpError(400, 'LOCAL_LOGIN_DISABLED', config.mode === 'oidc' ? 'this deployment logs in through its identity provider: GET /api/auth/oidc/login' : 'authentication is off');
    const body = parseBody(loginSchema, request.body);
    const audit = (outcome: 'ok' | 'refused', status: number, userId?: string): Promise<void> =>
      store.appendAudit([{ at: new Date().toISOString(), actor: body.username, ...(userId ? { userId } : {}), action: 'login', outcome, status, ip: request.ip }]);
    // Before any password is checked: a locked-out guesser costs neither a hash nor a clue.
    const retryAfter = await throttle.retryAfterSeconds(body.username, request.ip);
    if (retryAfter > 0) {
      await audit('refused', 429);
      reply.header('retry-after', String(retryAfter));
      throw new HttpError(429, 'TOO_MANY_LOGIN_ATTEMPTS', `too many failed logins for this user name from this address; try again in ${retryAfter} s`, { retryAfterSeconds: retryAfter });
    }
    const user = await store.userByName(body.username);
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), body.password);
    if (!user || !ok || user.disabled || user.source !== 'local') {
      await throttle.failed(body.username, request.ip);
      await audit('refused', 401, user?.id);
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'wrong user name or password (or the account is disabled)');
    }
    await throttle.succeeded(body.username, request.ip);
    const { secret, cookieMaxAgeMs } = await startSession(store, config, user, request.ip);
    await audit('ok', 200, user.id);
    reply.header('set-cookie', sessionCookie(request, config, secret, cookieMaxAgeMs));
    return { mode: config.mode, user: { username: user.username, role: user.role, source: user.source }, csrfToken: csrfTokenFor(secret) };
  });

  // Any logged-in user (a disabled one has no live session to end); the CSRF token is checked like any write.
  app.post('/api/logout', { config: { role: 'viewer' } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const secret = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    let idToken: string | undefined;
    if (store && secret) {
      const id = secretDigest(secret);
      idToken = (await store.getSession(id))?.idToken;
      await store.deleteSession(id);
    }
    clearSessionCookie(reply);
    const redirect = opts.endSessionUrl?.(idToken);
    return { loggedOut: true, ...(redirect ? { redirect } : {}) };
  });
}
