import { randomUUID } from 'node:crypto';
import type { AuthConfig } from './config.js';
import { hashPassword, randomSecret } from './secrets.js';
import type { AuthStore } from './store.js';

/**
 * Local mode with no account yet: creates the first admin with ADMIN_PASSWORD, or with a generated
 * password printed once to stdout (not the log: it must show whatever LOG_LEVEL is).
 */
export async function ensureFirstAdmin(store: AuthStore, config: AuthConfig, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  if (config.mode !== 'local' || (await store.countUsers()) > 0) return;
  const password = config.adminPassword ?? randomSecret(15);
  try {
    await store.createUser({
      id: randomUUID(),
      username: config.adminUsername,
      role: 'admin',
      disabled: false,
      source: 'local',
      passwordHash: await hashPassword(password),
      createdAt: new Date().toISOString(),
    });
  } catch (err) {
    // Another replica created it at the same moment.
    if ((err as { code?: string }).code === 'USER_EXISTS') return;
    throw err;
  }
  if (!config.adminPassword) {
    print(`\n  First admin account created: user "${config.adminUsername}", password ${password}\n  (shown only this once; change it or add users on the Admin page)\n`);
  }
}
