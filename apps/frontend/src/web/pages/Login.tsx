import { useState } from 'react';
import { api, errorMessage } from '../lib/api.js';
import type { SessionInfo } from '../lib/types.js';

/** The login page: a user name + password form (local accounts) or the identity provider's button (OIDC). */
export function Login({ mode, onLoggedIn }: { mode: SessionInfo['mode']; onLoggedIn: (s: SessionInfo) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await api.login(username, password));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login-page">
      <div className="card login-card">
        <h1><span className="brand-mark" aria-hidden /> Vista3D</h1>
        {mode === 'oidc' ? (
          <a className="btn btn-primary" href="/api/auth/oidc/login" data-testid="oidc-login">Log in with your organisation&apos;s account</a>
        ) : (
          <form onSubmit={(e) => void submit(e)} aria-label="Log in">
            <label>User name<input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus /></label>
            <label>Password<input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
            <button className="btn btn-primary" type="submit" disabled={busy}>Log in</button>
          </form>
        )}
        {error && <div className="error-box" role="alert">{error}</div>}
      </div>
    </div>
  );
}
