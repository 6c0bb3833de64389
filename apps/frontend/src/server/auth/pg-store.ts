import type { Pool } from '@vista3d/db';
import type { LoginFailureStore } from './login-throttle.js';
import type { Role } from './roles.js';
import type { ApiToken, AuditEntry, AuthStore, Session, User } from './store.js';

const iso = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : v == null ? undefined : String(v));
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

interface UserRow { id: string; username: string; display_name: string | null; email: string | null; password_hash: string | null; role: Role; disabled: boolean; source: 'local' | 'oidc'; created_at: Date }
const toUser = (r: UserRow): User =>
  defined({ id: r.id, username: r.username, displayName: r.display_name ?? undefined, email: r.email ?? undefined, role: r.role, disabled: r.disabled, source: r.source, createdAt: iso(r.created_at)!, passwordHash: r.password_hash }) as User;
const withHash = (r: UserRow): User => ({ ...toUser(r), passwordHash: r.password_hash });

interface SessionRow { id: string; user_id: string; created_at: Date; last_seen_at: Date; expires_at: Date; ip: string | null; id_token: string | null }
const toSession = (r: SessionRow): Session =>
  defined({ id: r.id, userId: r.user_id, createdAt: iso(r.created_at)!, lastSeenAt: iso(r.last_seen_at)!, expiresAt: iso(r.expires_at)!, ip: r.ip ?? undefined, idToken: r.id_token ?? undefined });

interface TokenRow { id: string; user_id: string; name: string; token_hash: string; prefix: string | null; created_at: Date; expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null }
const toToken = (r: TokenRow): ApiToken =>
  defined({ id: r.id, userId: r.user_id, name: r.name, tokenHash: r.token_hash, prefix: r.prefix ?? '', createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at), lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at) });

interface AuditRow { at: Date; actor: string | null; user_id: string | null; action: string; resource: string | null; patient: string | null; scan: string | null; outcome: AuditEntry['outcome']; ip: string | null; detail: { status?: number } | null }
const toAudit = (r: AuditRow): AuditEntry =>
  defined({ at: iso(r.at)!, actor: r.actor ?? '', userId: r.user_id ?? undefined, action: r.action, resource: r.resource ?? undefined, patient: r.patient ?? undefined, scan: r.scan ?? undefined, outcome: r.outcome, status: r.detail?.status, ip: r.ip ?? undefined });

/** Accounts, sessions, tokens and the audit log in the platform's PostgreSQL (migrations 3 and 6). */
export function pgAuthStore(pool: Pool): AuthStore {
  return {
    kind: 'postgres',
    loginFailures: pgLoginFailures(pool),
    async countUsers() {
      return Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0].n);
    },
    async userById(id) {
      const r = await pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return r.rows[0] ? withHash(r.rows[0]) : undefined;
    },
    async userByName(username) {
      const r = await pool.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
      return r.rows[0] ? withHash(r.rows[0]) : undefined;
    },
    async listUsers() {
      return (await pool.query<UserRow>('SELECT * FROM users ORDER BY username')).rows.map(withHash);
    },
    async createUser(u) {
      try {
        await pool.query(
          'INSERT INTO users (id, username, display_name, email, password_hash, role, disabled, source, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
          [u.id, u.username, u.displayName ?? null, u.email ?? null, u.passwordHash, u.role, u.disabled, u.source, u.createdAt],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw Object.assign(new Error(`user "${u.username}" exists`), { code: 'USER_EXISTS' });
        throw err;
      }
    },
    async updateUser(id, patch) {
      const cols: Record<string, unknown> = { role: patch.role, disabled: patch.disabled, password_hash: patch.passwordHash, display_name: patch.displayName, email: patch.email };
      const set = Object.entries(cols).filter(([, v]) => v !== undefined);
      if (set.length === 0) return this.userById(id);
      const r = await pool.query<UserRow>(
        `UPDATE users SET ${set.map(([k], i) => `${k} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`,
        [id, ...set.map(([, v]) => v)],
      );
      return r.rows[0] ? withHash(r.rows[0]) : undefined;
    },
    async createSession(s) {
      await pool.query('INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, id_token) VALUES ($1,$2,$3,$4,$5,$6,$7)', [s.id, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt, s.ip ?? null, s.idToken ?? null]);
      // Expired sessions go whenever a new one starts: no sweeper needed.
      await pool.query('DELETE FROM sessions WHERE expires_at < now()');
    },
    async getSession(id) {
      const r = await pool.query<SessionRow>('SELECT * FROM sessions WHERE id = $1', [id]);
      return r.rows[0] ? toSession(r.rows[0]) : undefined;
    },
    async touchSession(id, at) {
      await pool.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [id, at]);
    },
    async deleteSession(id) {
      await pool.query('DELETE FROM sessions WHERE id = $1', [id]);
    },
    async deleteUserSessions(userId) {
      await pool.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
    },
    async createToken(t) {
      await pool.query('INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)', [t.id, t.userId, t.name, t.tokenHash, t.prefix, t.createdAt, t.expiresAt ?? null]);
    },
    async tokenByHash(hash) {
      const r = await pool.query<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = $1', [hash]);
      return r.rows[0] ? toToken(r.rows[0]) : undefined;
    },
    async listTokens(userId) {
      const r = userId === undefined
        ? await pool.query<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at DESC')
        : await pool.query<TokenRow>('SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC', [userId]);
      return r.rows.map(toToken);
    },
    async revokeToken(id, at) {
      const r = await pool.query<TokenRow>('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING *', [id, at]);
      return r.rows[0] ? toToken(r.rows[0]) : undefined;
    },
    async touchToken(id, at) {
      await pool.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
    },
    async saveLoginRequest(req) {
      await pool.query('DELETE FROM auth_requests WHERE expires_at < now()');
      await pool.query('INSERT INTO auth_requests (id, data, expires_at) VALUES ($1,$2,$3)', [req.id, req.data, req.expiresAt]);
    },
    async takeLoginRequest(id) {
      const r = await pool.query<{ id: string; data: Record<string, string>; expires_at: Date }>('DELETE FROM auth_requests WHERE id = $1 AND expires_at > now() RETURNING *', [id]);
      return r.rows[0] ? { id: r.rows[0].id, data: r.rows[0].data, expiresAt: iso(r.rows[0].expires_at)! } : undefined;
    },
    async appendAudit(entries) {
      if (entries.length === 0) return;
      const values: unknown[] = [];
      const rows = entries.map((e, i) => {
        values.push(e.at, e.actor, e.userId ?? null, e.action, e.resource ?? null, e.patient ?? null, e.scan ?? null, e.outcome, e.ip ?? null, e.status === undefined ? null : { status: e.status });
        return `(${Array.from({ length: 10 }, (_, k) => `$${i * 10 + k + 1}`).join(',')})`;
      });
      await pool.query(`INSERT INTO audit_log (at, actor, user_id, action, resource, patient, scan, outcome, ip, detail) VALUES ${rows.join(',')}`, values);
    },
    async searchAudit(q) {
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (sql: string, v: unknown): void => {
        values.push(v);
        where.push(sql.replace('?', `$${values.length}`));
      };
      if (q.actor !== undefined) add('actor = ?', q.actor);
      if (q.patient !== undefined) add('patient = ?', q.patient);
      if (q.action !== undefined) add("starts_with(action, ?)", q.action);
      if (q.from !== undefined) add('at >= ?', q.from);
      if (q.to !== undefined) add('at <= ?', q.to);
      values.push(q.limit);
      const r = await pool.query<AuditRow>(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${values.length}`, values);
      return r.rows.map(toAudit);
    },
    async close() {
      /* the pool belongs to the platform state */
    },
  };
}

/** Lock-out counts in PostgreSQL (migration 7): every replica sees the same guesses. */
function pgLoginFailures(pool: Pool): LoginFailureStore {
  const row = (r: { failures: number; last_failure_at: Date }) => ({ failures: r.failures, lastFailureAt: r.last_failure_at.getTime() });
  return {
    async get(key) {
      const r = await pool.query<{ failures: number; last_failure_at: Date }>('SELECT failures, last_failure_at FROM login_failures WHERE key = $1', [key]);
      return r.rows[0] ? row(r.rows[0]) : undefined;
    },
    async bump(key, at, forgetBefore) {
      // One statement, so concurrent failures on two replicas both count.
      const r = await pool.query<{ failures: number; last_failure_at: Date }>(
        `INSERT INTO login_failures (key, failures, last_failure_at) VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN login_failures.last_failure_at < $3 THEN 1 ELSE login_failures.failures + 1 END,
           last_failure_at = EXCLUDED.last_failure_at
         RETURNING failures, last_failure_at`,
        [key, new Date(at), new Date(forgetBefore)],
      );
      // Forgotten rows are removed now and then, not on every login.
      if (Math.random() < 0.01) await pool.query('DELETE FROM login_failures WHERE last_failure_at < $1', [new Date(forgetBefore)]);
      return row(r.rows[0]);
    },
    async clear(key) {
      await pool.query('DELETE FROM login_failures WHERE key = $1', [key]);
    },
  };
}
