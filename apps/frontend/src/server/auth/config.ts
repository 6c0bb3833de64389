import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { envList, loadConfig } from '@vista3d/service-kit';
import { isRole } from './roles.js';
import type { Role } from './roles.js';
import type { LoginThrottleOptions } from './login-throttle.js';

export type AuthMode = 'local' | 'oidc' | 'off';

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Where the provider sends the browser back: https://<host>/api/auth/oidc/callback. */
  redirectUrl: string;
  scopes: string;
  /** Dotted path of the roles claim in the ID token / userinfo (`realm_access.roles`, `resource_access.<client>.roles`). */
  rolesClaim: string;
  /** Provider role name → our role; roles named viewer/annotator/admin map to themselves. */
  roleMap: Record<string, Role>;
  /** Where the provider's logout sends the browser back (default: the app's root). */
  postLogoutRedirectUrl?: string;
}

export interface AuthConfig {
  mode: AuthMode;
  adminUsername: string;
  /** First admin's password; unset = generated at first start and printed once. */
  adminPassword?: string;
  /** Private folder of the file store (no DATABASE_URL). */
  stateDir: string;
  sessionIdleMs: number;
  sessionMaxMs: number;
  /** Secure cookies: 'auto' = when the request came over HTTPS (directly or X-Forwarded-Proto from the ingress). */
  cookieSecure: 'auto' | 'always' | 'never';
  /** Fastify's trustProxy: whose X-Forwarded-For is believed for the caller's address. */
  trustProxy: boolean | string[] | ((address: string, hop: number) => boolean);
  oidc?: OidcConfig;
  /** Lock-out of local logins after failed passwords (LOGIN_MAX_FAILURES, LOGIN_LOCK_SECONDS; defaults in login-throttle.ts). */
  loginThrottle?: Partial<LoginThrottleOptions>;
}

const authEnv = z.object({
  AUTH_MODE: z.enum(['local', 'oidc', 'off']).default('local'),
  ADMIN_USERNAME: z.string().regex(/^[\w.@-]{1,64}$/).default('admin'),
  ADMIN_PASSWORD: z.string().optional(),
  AUTH_STATE_DIR: z.string().min(1).optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(60),
  SESSION_MAX_HOURS: z.coerce.number().positive().default(12),
  COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
  /** Proxies whose X-Forwarded-For names the client (audit log, sessions): `true`, a hop count, or addresses/CIDRs. */
  TRUST_PROXY: z.string().optional(),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_REDIRECT_URL: z.string().url().optional(),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_ROLES_CLAIM: z.string().min(1).default('realm_access.roles'),
  /** `provider-role=our-role` pairs, e.g. `radiologist=annotator,pacs-admin=admin`. */
  OIDC_ROLE_MAP: envList,
  OIDC_POST_LOGOUT_REDIRECT_URL: z.string().url().optional(),
  /** Failed passwords for one user name from one address before it is locked out (429 + Retry-After). */
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  /** The first lock-out; it doubles with every further failure, up to 15 minutes. */
  LOGIN_LOCK_SECONDS: z.coerce.number().positive().default(60),
});

export function authConfigFromEnv(env: NodeJS.ProcessEnv, outputFolder: string): AuthConfig {
  const e = loadConfig(authEnv, env);
  const roleMap: Record<string, Role> = {};
  for (const pair of e.OIDC_ROLE_MAP) {
    const [from, to] = pair.split('=').map((s) => s.trim());
    if (!from || !isRole(to)) throw new Error(`OIDC_ROLE_MAP: "${pair}" is not provider-role=viewer|annotator|admin`);
    roleMap[from] = to;
  }
  let oidc: OidcConfig | undefined;
  if (e.AUTH_MODE === 'oidc') {
    const missing = (['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_REDIRECT_URL'] as const).filter((k) => !e[k]);
    if (missing.length) throw new Error(`AUTH_MODE=oidc needs ${missing.join(', ')}`);
    oidc = {
      issuer: e.OIDC_ISSUER!,
      clientId: e.OIDC_CLIENT_ID!,
      ...(e.OIDC_CLIENT_SECRET ? { clientSecret: e.OIDC_CLIENT_SECRET } : {}),
      redirectUrl: e.OIDC_REDIRECT_URL!,
      scopes: e.OIDC_SCOPES,
      rolesClaim: e.OIDC_ROLES_CLAIM,
      roleMap,
      ...(e.OIDC_POST_LOGOUT_REDIRECT_URL ? { postLogoutRedirectUrl: e.OIDC_POST_LOGOUT_REDIRECT_URL } : {}),
    };
  }
  return {
    mode: e.AUTH_MODE,
    adminUsername: e.ADMIN_USERNAME,
    ...(e.ADMIN_PASSWORD ? { adminPassword: e.ADMIN_PASSWORD } : {}),
    // Beside the output folder, never inside it: the image server serves OUTPUT_FOLDER.
    stateDir: resolve(e.AUTH_STATE_DIR ?? join(dirname(resolve(outputFolder)), 'auth')),
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: e.SESSION_MAX_HOURS * 3_600_000,
    cookieSecure: e.COOKIE_SECURE,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    ...(oidc ? { oidc } : {}),
    loginThrottle: { maxFailures: e.LOGIN_MAX_FAILURES, lockMs: e.LOGIN_LOCK_SECONDS * 1000 },
  };
}

const LOOPBACK_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/** AUTH_MODE=off is only allowed when nothing but this machine can reach the frontend (like Orthanc). */
export function checkAuthBind(auth: AuthConfig, host: string): void {
  if (auth.mode === 'off' && !LOOPBACK_HOSTS.test(host)) {
    throw new Error(`AUTH_MODE=off is refused on HOST=${host}: without authentication the frontend may only bind to loopback (127.0.0.1); use AUTH_MODE=local or oidc`);
  }
}

function parseTrustProxy(v: string | undefined): AuthConfig['trustProxy'] {
  if (v === undefined || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return (_address, hop) => hop < hops;
  }
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}
