import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '@vista3d/service-kit';
import type { AuthConfig } from './config.js';
import { installAuditLog } from './audit.js';
import { CSRF_HEADER, LOCAL_OPERATOR, resolveIdentity } from './identity.js';
import type { Identity } from './identity.js';
import { ROUTE_ROLES, roleAllows } from './roles.js';
import type { RouteRole } from './roles.js';
import { secretMatches } from '@vista3d/service-kit';
import type { AuthStore } from './store.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  role: RouteRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | null;
  }
  interface FastifyInstance {
    /** Every route with the role it declared (collected by the onRoute hook). */
    routeRoles: RegisteredRoute[];
    authStore: AuthStore | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Installs the role checks before any route exists: every route must declare `config.role`
 * (start-up fails otherwise), and each request is refused before its body is read when the caller
 * is not logged in (401), lacks the role (403), or sends a cookie-authenticated state change
 * without the session's CSRF token (403).
 */
export function installAuth(app: FastifyInstance, config: AuthConfig, store: AuthStore | null): void {
  const routes: RegisteredRoute[] = [];
  app.decorate('routeRoles', routes);
  app.decorate('authStore', store);
  app.decorateRequest('identity', null);
  app.addHook('onRoute', (route) => {
    const role = route.config?.role;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (role === undefined || !ROUTE_ROLES.includes(role)) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no role: add config: { role: 'public' | 'viewer' | 'annotator' | 'admin' } (docs/security.md)`);
    }
    for (const method of methods) routes.push({ method, url: route.url, role });
  });

  app.addHook('onRequest', async (request) => {
    const role = request.routeOptions.config?.role;
    if (role === undefined || request.is404) return;
    if (config.mode === 'off' || !store) {
      request.identity = LOCAL_OPERATOR;
      return;
    }
    request.identity = await resolveIdentity(request, store, config);
    if (role === 'public') return;
    const who = request.identity;
    if (!who) throw new HttpError(401, 'AUTH_REQUIRED', 'log in first (or send Authorization: Bearer <API token>)');
    if (!roleAllows(who.user.role, role)) throw new HttpError(403, 'ROLE_REQUIRED', `this needs the ${role} role; ${who.user.username} is ${who.user.role}`);
    if (who.via === 'session' && UNSAFE.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !secretMatches(sent, who.csrfToken ?? '')) {
        throw new HttpError(403, 'CSRF_TOKEN_INVALID', `state-changing requests need the ${CSRF_HEADER} header from GET /api/session`);
      }
    }
  });

  if (store) installAuditLog(app, store, actorOf);
}

export function actorOf(request: FastifyRequest): { actor: string; userId?: string } {
  const who = request.identity;
  if (!who) return { actor: 'anonymous' };
  return { actor: who.user.username, userId: who.user.id };
}
