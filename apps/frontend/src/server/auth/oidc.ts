import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import * as oidcClient from 'openid-client';
import { HttpError } from '@vista3d/service-kit';
import type { AuthConfig, OidcConfig } from './config.js';
import { parseCookies, sessionCookie } from './identity.js';
import { highestRole, isRole } from './roles.js';
import type { Role } from './roles.js';
import { secretDigest } from './secrets.js';
import { startSession } from './session-routes.js';
import type { AuthStore, User } from './store.js';

const STATE_COOKIE = 'vista3d_oidc';
const LOGIN_TTL_MS = 10 * 60_000;

export interface Oidc {
  config: oidcClient.Configuration;
  settings: OidcConfig;
  endSessionUrl(idToken?: string): string | undefined;
}

const LOOPBACK_ISSUER = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/;

/** Discovers the provider (its /.well-known/openid-configuration) once at start-up. */
export async function openOidc(settings: OidcConfig): Promise<Oidc> {
  const auth = settings.clientSecret ? oidcClient.ClientSecretBasic(settings.clientSecret) : oidcClient.None();
  // Plain http only for a provider on this machine (tests, development); anything else needs https.
  const execute = LOOPBACK_ISSUER.test(settings.issuer) ? [oidcClient.allowInsecureRequests] : [];
  let config: oidcClient.Configuration;
  try {
    config = await oidcClient.discovery(new URL(settings.issuer), settings.clientId, undefined, auth, { execute });
  } catch (err) {
    throw new Error(`OIDC discovery at ${settings.issuer} failed: ${(err as Error).message}`, { cause: err });
  }
  return {
    config,
    settings,
    endSessionUrl(idToken) {
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      const post = settings.postLogoutRedirectUrl ?? new URL('/', settings.redirectUrl).href;
      return oidcClient.buildEndSessionUrl(config, { post_logout_redirect_uri: post, client_id: settings.clientId, ...(idToken ? { id_token_hint: idToken } : {}) }).href;
    },
  };
}

/** The value at a dotted path (`resource_access.vista3d.roles`); client ids may contain dots, so keys are tried greedily. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  const parts = path.split('.');
  let node: unknown = claims;
  let i = 0;
  while (i < parts.length) {
    if (!node || typeof node !== 'object') return undefined;
    let found = false;
    for (let j = parts.length; j > i; j--) {
      const key = parts.slice(i, j).join('.');
      if (key in (node as Record<string, unknown>)) {
        node = (node as Record<string, unknown>)[key];
        i = j;
        found = true;
        break;
      }
    }
    if (!found) return undefined;
  }
  return node;
}

/** Our role from the provider's roles claim (array or space-separated string), through OIDC_ROLE_MAP. */
export function roleFromClaims(claims: Record<string, unknown>, settings: Pick<OidcConfig, 'rolesClaim' | 'roleMap'>): Role | undefined {
  const raw = claimAt(claims, settings.rolesClaim);
  const names = Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  const mapped: Role[] = [];
  for (const n of names) {
    const r = settings.roleMap[n] ?? (isRole(n) ? n : undefined);
    if (r) mapped.push(r);
  }
  return highestRole(mapped);
}

function jwtPayload(token: string | undefined): Record<string, unknown> {
  const part = token?.split('.')[1];
  if (!part) return {};
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Authorization code flow with PKCE (S256), state and nonce: /api/auth/oidc/login → provider → /api/auth/oidc/callback. */
export async function oidcRoutes(app: FastifyInstance, opts: { config: AuthConfig; store: AuthStore; oidc: Oidc }): Promise<void> {
  const { config, store, oidc } = opts;
  const { settings } = oidc;

  app.get('/api/auth/oidc/login', { config: { role: 'public' } }, async (request, reply) => {
    const verifier = oidcClient.randomPKCECodeVerifier();
    const state = oidcClient.randomState();
    const nonce = oidcClient.randomNonce();
    await store.saveLoginRequest({ id: secretDigest(state), data: { verifier, nonce }, expiresAt: new Date(Date.now() + LOGIN_TTL_MS).toISOString() });
    const url = oidcClient.buildAuthorizationUrl(oidc.config, {
      redirect_uri: settings.redirectUrl,
      scope: settings.scopes,
      code_challenge: await oidcClient.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    // The state is also bound to this browser, so a callback started elsewhere (login CSRF) fails.
    reply.header('set-cookie', `${STATE_COOKIE}=${state}; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${LOGIN_TTL_MS / 1000}`);
    reply.header('cache-control', 'no-store');
    return reply.redirect(url.href, 302);
  });

  app.get('/api/auth/oidc/callback', { config: { role: 'public' } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const state = typeof query.state === 'string' ? query.state : '';
    if (typeof query.error === 'string') throw new HttpError(401, 'OIDC_ERROR', `the identity provider refused the login: ${query.error}`);
    const bound = parseCookies(request.headers.cookie).get(STATE_COOKIE);
    const pending = state ? await store.takeLoginRequest(secretDigest(state)) : undefined;
    if (!pending || bound !== state) throw new HttpError(400, 'OIDC_STATE_INVALID', 'this login link is unknown, expired or from another browser; start again at /api/auth/oidc/login');
    const current = new URL(settings.redirectUrl);
    current.search = new URL(request.url, 'http://x').search;
    let tokens: oidcClient.TokenEndpointResponse & oidcClient.TokenEndpointResponseHelpers;
    try {
      tokens = await oidcClient.authorizationCodeGrant(oidc.config, current, { pkceCodeVerifier: pending.data.verifier, expectedState: state, expectedNonce: pending.data.nonce, idTokenExpected: true });
    } catch (err) {
      throw new HttpError(401, 'OIDC_LOGIN_FAILED', `the login could not be completed: ${(err as Error).message}`);
    }
    const claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    // Keycloak puts realm/client roles into the access token by default, not always the ID token.
    const role = roleFromClaims(claims, settings) ?? roleFromClaims(jwtPayload(tokens.access_token), settings);
    const username = String(claims.preferred_username ?? claims.email ?? claims.sub);
    const audit = (outcome: 'ok' | 'refused', status: number): Promise<void> => store.appendAudit([{ at: new Date().toISOString(), actor: username, action: 'login.oidc', outcome, status, ip: request.ip }]);
    if (!role) {
      await audit('refused', 403);
      throw new HttpError(403, 'NO_ROLE', `${username} has no Vista3D role in the "${settings.rolesClaim}" claim`);
    }
    let user = await store.userByName(username);
    if (user && user.source !== 'oidc') {
      await audit('refused', 409);
      throw new HttpError(409, 'LOCAL_ACCOUNT_EXISTS', `a local account is named "${username}"`);
    }
    const displayName = typeof claims.name === 'string' ? claims.name : undefined;
    if (!user) {
      const created: User = { id: randomUUID(), username, role, disabled: false, source: 'oidc', passwordHash: null, createdAt: new Date().toISOString(), ...(displayName ? { displayName } : {}) };
      await store.createUser(created);
      user = created;
    } else {
      // The provider is the source of truth for roles: each login brings the current one.
      user = (await store.updateUser(user.id, { role, ...(displayName ? { displayName } : {}) }))!;
    }
    if (user.disabled) {
      await audit('refused', 403);
      throw new HttpError(403, 'ACCOUNT_DISABLED', `the account "${username}" is disabled here`);
    }
    const { secret, cookieMaxAgeMs } = await startSession(store, config, user, request.ip, tokens.id_token);
    await audit('ok', 302);
    reply.header('set-cookie', [sessionCookie(request, config, secret, cookieMaxAgeMs), `${STATE_COOKIE}=; Path=/api/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0`]);
    return reply.redirect('/', 302);
  });
}
