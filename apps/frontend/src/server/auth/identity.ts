import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '@vista3d/service-kit';
import type { AuthConfig } from './config.js';
import { csrfTokenFor, secretDigest } from './secrets.js';
import type { AuthStore, Session, User } from './store.js';

export const SESSION_COOKIE = 'vista3d_session';
export const CSRF_HEADER = 'x-csrf-token';
/** Last-seen times are written at most this often per session/token (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export interface Identity {
  user: Pick<User, 'id' | 'username' | 'role' | 'source'> & { displayName?: string };
  via: 'session' | 'token' | 'off';
  session?: Session;
  /** The CSRF token of the session (cookie logins only). */
  csrfToken?: string;
}

/** With AUTH_MODE=off (loopback only) every caller is the local operator. */
export const LOCAL_OPERATOR: Identity = { user: { id: '00000000-0000-0000-0000-000000000000', username: 'local', role: 'admin', source: 'local' }, via: 'off' };

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

function isHttps(request: FastifyRequest): boolean {
  const proto = request.headers['x-forwarded-proto'];
  return (typeof proto === 'string' && proto.split(',')[0].trim() === 'https') || Boolean((request.socket as { encrypted?: boolean }).encrypted);
}

export function sessionCookie(request: FastifyRequest, config: AuthConfig, value: string, maxAgeMs: number): string {
  const secure = config.cookieSecure === 'always' || (config.cookieSecure === 'auto' && isHttps(request));
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
}

const publicUser = (u: User): Identity['user'] => ({ id: u.id, username: u.username, role: u.role, source: u.source, ...(u.displayName ? { displayName: u.displayName } : {}) });

/** Who sent this request: a live session cookie, a valid API token, or nobody (null). */
export async function resolveIdentity(request: FastifyRequest, store: AuthStore, config: AuthConfig): Promise<Identity | null> {
  const now = Date.now();
  const token = bearerToken(request);
  if (token !== undefined) {
    if (!token.startsWith('v3d_')) return null;
    const t = await store.tokenByHash(secretDigest(token));
    if (!t || t.revokedAt || (t.expiresAt && Date.parse(t.expiresAt) <= now)) return null;
    const user = await store.userById(t.userId);
    if (!user || user.disabled) return null;
    if (!t.lastUsedAt || now - Date.parse(t.lastUsedAt) > TOUCH_EVERY_MS) await store.touchToken(t.id, new Date(now).toISOString());
    return { user: publicUser(user), via: 'token' };
  }
  const secret = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (!secret) return null;
  const session = await store.getSession(secretDigest(secret));
  if (!session) return null;
  if (Date.parse(session.expiresAt) <= now || now - Date.parse(session.lastSeenAt) > config.sessionIdleMs) {
    await store.deleteSession(session.id);
    return null;
  }
  const user = await store.userById(session.userId);
  if (!user || user.disabled) return null;
  if (now - Date.parse(session.lastSeenAt) > Math.min(TOUCH_EVERY_MS, config.sessionIdleMs / 4)) await store.touchSession(session.id, new Date(now).toISOString());
  return { user: publicUser(user), via: 'session', session, csrfToken: csrfTokenFor(secret) };
}

/** Who a request acts as, for provenance and limits: the logged-in user's name, or 'anonymous'. */
export function actorOf(request: FastifyRequest): string {
  return request.identity?.user.username ?? 'anonymous';
}
