import type { FastifyInstance } from 'fastify';
import type { Pool } from '@vista3d/db';
import { accountRoutes } from './account-routes.js';
import { ensureFirstAdmin } from './bootstrap.js';
import { checkAuthBind } from './config.js';
import type { AuthConfig } from './config.js';
import { openFileStore } from './file-store.js';
import { oidcRoutes, openOidc } from './oidc.js';
import { pgAuthStore } from './pg-store.js';
import { installAuth } from './plugin.js';
import { sessionRoutes } from './session-routes.js';
import type { AuthStore } from './store.js';

export type { AuthConfig } from './config.js';
export { CSRF_HEADER, SESSION_COOKIE } from './identity.js';
export type { RegisteredRoute } from './plugin.js';

/**
 * Authentication for the frontend: call before any route is registered (the role check is an
 * onRoute hook). Storage: the platform's PostgreSQL when there is one, else private files.
 */
export async function setupAuth(app: FastifyInstance, config: AuthConfig, host: string, pool: Pool | null): Promise<void> {
  checkAuthBind(config, host);
  let store: AuthStore | null = null;
  if (config.mode !== 'off') {
    store = pool ? pgAuthStore(pool) : await openFileStore(config.stateDir);
    await ensureFirstAdmin(store, config);
    const s = store;
    app.addHook('onClose', async () => s.close());
  }
  installAuth(app, config, store);
  const oidc = config.mode === 'oidc' && config.oidc && store ? await openOidc(config.oidc) : null;
  await app.register(sessionRoutes, { config, store, ...(oidc ? { endSessionUrl: oidc.endSessionUrl } : {}) });
  await app.register(accountRoutes, { store });
  if (oidc && store) await app.register(oidcRoutes, { config, store, oidc });
}
