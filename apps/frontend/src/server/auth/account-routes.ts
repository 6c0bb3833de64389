import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, notFound } from '@vista3d/service-kit';
import { auditCsv } from './audit.js';
import { ROLES } from './roles.js';
import { hashPassword, randomSecret, secretDigest } from './secrets.js';
import { parseBody } from './session-routes.js';
import type { ApiToken, AuthStore, User } from './store.js';

const createTokenSchema = z.object({ name: z.string().trim().min(1).max(100), expiresInDays: z.number().int().min(1).max(3650).optional() }).strict();
const username = z.string().regex(/^[\w.@-]{1,64}$/, 'letters, digits and . _ @ - (at most 64)');
const password = z.string().min(12, 'at least 12 characters').max(1024);
const createUserSchema = z.object({ username, password, role: z.enum(ROLES as [string, ...string[]]), displayName: z.string().max(200).optional() }).strict();
const patchUserSchema = z.object({ role: z.enum(ROLES as [string, ...string[]]).optional(), disabled: z.boolean().optional(), password: password.optional(), displayName: z.string().max(200).optional() }).strict();
const auditQuerySchema = z.object({
  actor: z.string().max(200).optional(),
  patient: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(500),
  format: z.enum(['json', 'csv']).default('json'),
});
const idParams = z.object({ id: z.string().uuid() });

const tokenJson = (t: ApiToken): Record<string, unknown> => ({ id: t.id, name: t.name, prefix: t.prefix, createdAt: t.createdAt, expiresAt: t.expiresAt ?? null, lastUsedAt: t.lastUsedAt ?? null, revokedAt: t.revokedAt ?? null });
export const userJson = (u: User): Record<string, unknown> => ({ id: u.id, username: u.username, displayName: u.displayName ?? null, role: u.role, disabled: u.disabled, source: u.source, createdAt: u.createdAt });

function requireStore(store: AuthStore | null): AuthStore {
  if (!store) throw new HttpError(400, 'AUTH_OFF', 'authentication is off (AUTH_MODE=off): there are no accounts or tokens');
  return store;
}

/** Personal API tokens (every user, their own) and the admin API: users and the audit log. */
export async function accountRoutes(app: FastifyInstance, opts: { store: AuthStore | null }): Promise<void> {
  const { store } = opts;
  app.get('/api/tokens', { config: { role: 'viewer' } }, async (request) => (await requireStore(store).listTokens(request.identity!.user.id)).map(tokenJson));

  app.post('/api/tokens', { config: { role: 'viewer' } }, async (request, reply) => {
    const s = requireStore(store);
    const body = parseBody(createTokenSchema, request.body);
    const secret = `v3d_${randomSecret()}`;
    const now = Date.now();
    const token: ApiToken = {
      id: randomUUID(),
      userId: request.identity!.user.id,
      name: body.name,
      tokenHash: secretDigest(secret),
      prefix: secret.slice(0, 10),
      createdAt: new Date(now).toISOString(),
      ...(body.expiresInDays ? { expiresAt: new Date(now + body.expiresInDays * 86_400_000).toISOString() } : {}),
    };
    await s.createToken(token);
    reply.code(201).header('cache-control', 'no-store');
    // The only time the token is shown: only its digest is kept.
    return { ...tokenJson(token), token: secret };
  });

  app.delete('/api/tokens/:id', { config: { role: 'viewer' } }, async (request) => {
    const s = requireStore(store);
    const { id } = parseBody(idParams, request.params);
    const who = request.identity!.user;
    const mine = (await s.listTokens(who.role === 'admin' ? undefined : who.id)).find((t) => t.id === id);
    if (!mine) throw notFound('TOKEN_NOT_FOUND', `no token "${id}"`);
    return tokenJson((await s.revokeToken(id, new Date().toISOString()))!);
  });

  app.get('/api/admin/users', { config: { role: 'admin' } }, async () => (await requireStore(store).listUsers()).map(userJson));

  app.post('/api/admin/users', { config: { role: 'admin' } }, async (request, reply) => {
    const s = requireStore(store);
    const body = parseBody(createUserSchema, request.body);
    const user: User = {
      id: randomUUID(),
      username: body.username,
      role: body.role as User['role'],
      disabled: false,
      source: 'local',
      passwordHash: await hashPassword(body.password),
      createdAt: new Date().toISOString(),
      ...(body.displayName ? { displayName: body.displayName } : {}),
    };
    try {
      await s.createUser(user);
    } catch (err) {
      if ((err as { code?: string }).code === 'USER_EXISTS') throw new HttpError(409, 'USER_EXISTS', `user "${body.username}" already exists`);
      throw err;
    }
    reply.code(201);
    return userJson(user);
  });

  app.patch('/api/admin/users/:id', { config: { role: 'admin' } }, async (request) => {
    const s = requireStore(store);
    const { id } = parseBody(idParams, request.params);
    const body = parseBody(patchUserSchema, request.body);
    if (id === request.identity!.user.id && (body.disabled === true || (body.role !== undefined && body.role !== 'admin'))) {
      throw new HttpError(409, 'LAST_WORD', 'an admin cannot disable or demote their own account (ask another admin)');
    }
    const existing = await s.userById(id);
    if (!existing) throw notFound('USER_NOT_FOUND', `no user "${id}"`);
    if (body.password !== undefined && existing.source !== 'local') throw new HttpError(409, 'EXTERNAL_ACCOUNT', 'this account logs in through the identity provider');
    const user = await s.updateUser(id, {
      ...(body.role !== undefined ? { role: body.role as User['role'] } : {}),
      ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
      ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
      ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
    });
    // A disabled account or a reset password ends every session of that user.
    if (body.disabled === true || body.password !== undefined || body.role !== undefined) await s.deleteUserSessions(id);
    return userJson(user!);
  });

  app.get('/api/admin/audit', { config: { role: 'admin' } }, async (request, reply) => {
    const q = parseBody(auditQuerySchema, request.query);
    const entries = await requireStore(store).searchAudit(q);
    reply.header('cache-control', 'no-store');
    if (q.format === 'csv') {
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="vista3d-audit.csv"');
      return auditCsv(entries);
    }
    return entries;
  });
}
