import { appendFile, chmod, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryLoginFailures } from './login-throttle.js';
import type { ApiToken, AuditEntry, AuditQuery, AuthStore, LoginRequest, Session, User } from './store.js';
import { matchesAudit } from './audit-query.js';

interface State {
  users: User[];
  sessions: Session[];
  tokens: ApiToken[];
  loginRequests: LoginRequest[];
}

/**
 * The single-process store (a frontend without DATABASE_URL): accounts, sessions and tokens in
 * `auth.json`, the audit log appended to `audit.jsonl`, both 0600 in a 0700 folder outside the
 * image server's tree. Session activity is kept in memory and written with the next change.
 */
export async function openFileStore(dir: string): Promise<AuthStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const stateFile = join(dir, 'auth.json');
  const auditFile = join(dir, 'audit.jsonl');
  let state: State = { users: [], sessions: [], tokens: [], loginRequests: [] };
  const text = await readFile(stateFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text !== null) state = { ...state, ...(JSON.parse(text) as Partial<State>) };
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>): Promise<void> => {
    const next = chain.then(fn);
    chain = next.catch(() => undefined);
    return next;
  };
  const save = (): Promise<void> =>
    serial(async () => {
      const now = Date.now();
      state.sessions = state.sessions.filter((s) => Date.parse(s.expiresAt) > now);
      state.loginRequests = state.loginRequests.filter((r) => Date.parse(r.expiresAt) > now);
      const tmp = `${stateFile}.${process.pid}.tmp`;
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(JSON.stringify(state));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, stateFile);
    });
  const clone = <T>(v: T | undefined): T | undefined => (v === undefined ? undefined : structuredClone(v));

  return {
    kind: 'files',
    // One process serves a files store: its lock-out counts can stay in memory.
    loginFailures: memoryLoginFailures(),
    async countUsers() {
      return state.users.length;
    },
    async userById(id) {
      return clone(state.users.find((u) => u.id === id));
    },
    async userByName(username) {
      return clone(state.users.find((u) => u.username === username));
    },
    async listUsers() {
      return structuredClone(state.users);
    },
    async createUser(user) {
      if (state.users.some((u) => u.username === user.username)) throw Object.assign(new Error(`user "${user.username}" exists`), { code: 'USER_EXISTS' });
      state.users.push(structuredClone(user));
      await save();
    },
    async updateUser(id, patch) {
      const user = state.users.find((u) => u.id === id);
      if (!user) return undefined;
      Object.assign(user, patch);
      await save();
      return structuredClone(user);
    },
    async createSession(session) {
      state.sessions.push(structuredClone(session));
      await save();
    },
    async getSession(id) {
      return clone(state.sessions.find((s) => s.id === id));
    },
    async touchSession(id, at) {
      const s = state.sessions.find((x) => x.id === id);
      if (s) s.lastSeenAt = at;
    },
    async deleteSession(id) {
      state.sessions = state.sessions.filter((s) => s.id !== id);
      await save();
    },
    async deleteUserSessions(userId) {
      state.sessions = state.sessions.filter((s) => s.userId !== userId);
      await save();
    },
    async createToken(token) {
      state.tokens.push(structuredClone(token));
      await save();
    },
    async tokenByHash(hash) {
      return clone(state.tokens.find((t) => t.tokenHash === hash));
    },
    async listTokens(userId) {
      return structuredClone(state.tokens.filter((t) => userId === undefined || t.userId === userId));
    },
    async revokeToken(id, at) {
      const t = state.tokens.find((x) => x.id === id);
      if (!t) return undefined;
      t.revokedAt ??= at;
      await save();
      return structuredClone(t);
    },
    async touchToken(id, at) {
      const t = state.tokens.find((x) => x.id === id);
      if (t) t.lastUsedAt = at;
    },
    async saveLoginRequest(request) {
      state.loginRequests.push(structuredClone(request));
      await save();
    },
    async takeLoginRequest(id) {
      const r = state.loginRequests.find((x) => x.id === id);
      if (!r) return undefined;
      state.loginRequests = state.loginRequests.filter((x) => x !== r);
      await save();
      return Date.parse(r.expiresAt) > Date.now() ? r : undefined;
    },
    async appendAudit(entries) {
      if (entries.length === 0) return;
      await serial(async () => {
        await appendFile(auditFile, entries.map((e) => JSON.stringify(e) + '\n').join(''), { mode: 0o600 });
      });
    },
    async searchAudit(query) {
      await chain;
      const text = await readFile(auditFile, 'utf8').catch(() => '');
      const out: AuditEntry[] = [];
      const lines = text.split('\n');
      for (let i = lines.length - 1; i >= 0 && out.length < query.limit; i--) {
        if (!lines[i]) continue;
        const e = JSON.parse(lines[i]) as AuditEntry;
        if (matchesAudit(e, query)) out.push(e);
      }
      return out;
    },
    async close() {
      await save();
    },
  };
}

export type { AuditQuery };
