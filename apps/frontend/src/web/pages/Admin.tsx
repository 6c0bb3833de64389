// Admin page: users (create, role, disable, reset password), the caller's own API tokens, and the
// audit log (search, CSV/JSON export). Everyone sees their tokens; the rest needs the admin role.
import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage } from '../lib/api.js';
import { useSession } from '../lib/session.js';
import type { ApiTokenInfo, AuditEntry, Role, UserInfo } from '../lib/types.js';

const ROLES: Role[] = ['viewer', 'annotator', 'admin'];

function Tokens() {
  const [tokens, setTokens] = useState<ApiTokenInfo[]>([]);
  const [name, setName] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => void api.tokens().then(setTokens, (e: unknown) => setError(errorMessage(e))), []);
  useEffect(load, [load]);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const t = await api.createToken(name);
      setShown(t.token);
      setName('');
      load();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <section className="card" data-testid="tokens">
      <h2>My API tokens</h2>
      <p className="muted">For the CLI and scripts: <code>Authorization: Bearer &lt;token&gt;</code> (or <code>VISTA3D_TOKEN</code>).</p>
      {shown && <div className="banner" data-testid="new-token">New token (shown only now): <code>{shown}</code></div>}
      <form className="admin-form inline" onSubmit={(e) => void create(e)}>
        <label>Name<input value={name} onChange={(e) => setName(e.target.value)} required /></label>
        <button className="btn" type="submit">Create token</button>
      </form>
      <table className="admin-table"><tbody>
        {tokens.map((t) => (
          <tr key={t.id}><td>{t.name}</td><td><code>{t.prefix}…</code></td><td>{t.lastUsedAt ? `used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'}</td>
            <td>{t.revokedAt ? 'revoked' : <button className="btn btn-small" onClick={() => void api.revokeToken(t.id).then(load)}>Revoke</button>}</td></tr>
        ))}
      </tbody></table>
      {error && <div className="error-box" role="alert">{error}</div>}
    </section>
  );
}

function Users() {
  const [users, setUsers] = useState<UserInfo[]>([]);
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' as Role });
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => void api.users().then(setUsers, (e: unknown) => setError(errorMessage(e))), []);
  useEffect(load, [load]);
  const act = (p: Promise<unknown>) => void p.then(load, (e: unknown) => setError(errorMessage(e)));
  return (
    <section className="card" data-testid="users">
      <h2>Users</h2>
      <form className="admin-form inline" onSubmit={(e) => { e.preventDefault(); act(api.createUser(form).then(() => setForm({ username: '', password: '', role: 'viewer' }))); }}>
        <label>User name<input value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required /></label>
        <label>Password (12+)<input type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required minLength={12} /></label>
        <label>Role<select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></label>
        <button className="btn" type="submit">Add user</button>
      </form>
      <table className="admin-table"><tbody>
        {users.map((u) => (
          <tr key={u.id} data-testid={`user-${u.username}`}>
            <td>{u.username}{u.source === 'oidc' ? ' (OIDC)' : ''}</td>
            <td><select value={u.role} onChange={(e) => act(api.updateUser(u.id, { role: e.target.value as Role }))}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></td>
            <td><button className="btn btn-small" onClick={() => act(api.updateUser(u.id, { disabled: !u.disabled }))}>{u.disabled ? 'Enable' : 'Disable'}</button></td>
            <td>{u.source === 'local' && <button className="btn btn-small" onClick={() => { const pw = window.prompt(`New password for ${u.username} (12+ characters)`); if (pw) act(api.updateUser(u.id, { password: pw })); }}>Reset password</button>}</td>
          </tr>
        ))}
      </tbody></table>
      {error && <div className="error-box" role="alert">{error}</div>}
    </section>
  );
}

function Audit() {
  const [q, setQ] = useState({ actor: '', patient: '', action: '', from: '', to: '' });
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const query = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) if (v) out[k] = k === 'from' || k === 'to' ? new Date(v).toISOString() : v;
    return out;
  };
  const search = () => void api.audit(query()).then(setEntries, (e: unknown) => setError(errorMessage(e)));
  useEffect(() => search(), []);
  return (
    <section className="card" data-testid="audit">
      <h2>Audit log</h2>
      <form className="admin-form inline" onSubmit={(e) => { e.preventDefault(); search(); }}>
        {(['actor', 'patient', 'action'] as const).map((k) => <label key={k}>{k}<input value={q[k]} onChange={(e) => setQ({ ...q, [k]: e.target.value })} /></label>)}
        <label>from<input type="datetime-local" value={q.from} onChange={(e) => setQ({ ...q, from: e.target.value })} /></label>
        <label>to<input type="datetime-local" value={q.to} onChange={(e) => setQ({ ...q, to: e.target.value })} /></label>
        <button className="btn" type="submit">Search</button>
        <a className="btn" href={`/api/admin/audit?${new URLSearchParams({ ...query(), format: 'csv', limit: '100000' })}`}>Export CSV</a>
        <a className="btn" href={`/api/admin/audit?${new URLSearchParams({ ...query(), format: 'json', limit: '100000' })}`} download="vista3d-audit.json">Export JSON</a>
      </form>
      <table className="admin-table"><tbody>
        {entries.map((e, i) => (
          <tr key={i}><td>{new Date(e.at).toLocaleString()}</td><td>{e.actor}</td><td>{e.action}</td><td>{[e.patient, e.scan].filter(Boolean).join('/') || e.resource}</td><td>{e.outcome}</td><td>{e.ip}</td></tr>
        ))}
      </tbody></table>
      {error && <div className="error-box" role="alert">{error}</div>}
    </section>
  );
}

export function Admin() {
  const { can, session } = useSession();
  if (session.mode === 'off') return <section className="card"><h2>Admin</h2><p>Authentication is off (AUTH_MODE=off, loopback only): there are no accounts.</p></section>;
  return (
    <>
      <Tokens />
      {can('admin') && <Users />}
      {can('admin') && <Audit />}
    </>
  );
}
