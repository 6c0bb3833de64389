import { useCallback, useEffect, useMemo, useState } from 'react';
import { Toasts } from './components/ui.js';
import { isActive } from './components/JobRow.js';
import { href, useRoute, type Route } from './lib/router.js';
import { AppProvider, useApp } from './lib/store.js';
import { Dashboard } from './pages/Dashboard.js';
import { Data } from './pages/Data.js';
import { Export } from './pages/Export.js';
import { Jobs } from './pages/Jobs.js';
import { Pacs } from './pages/Pacs.js';
import { Viewer } from './pages/Viewer.js';
import { Admin } from './pages/Admin.js';
import { Login } from './pages/Login.js';
import { api, errorMessage, LOGGED_OUT_EVENT, setCsrfToken } from './lib/api.js';
import { roleAtLeast, SessionContext, useSession } from './lib/session.js';
import type { SessionValue } from './lib/session.js';
import type { SessionInfo } from './lib/types.js';

const NAV: Array<{ page: Route['page']; name: string }> = [
  { page: 'dashboard', name: 'Dashboard' },
  { page: 'data', name: 'Data' },
  { page: 'jobs', name: 'Jobs' },
  { page: 'viewer', name: 'Viewer' },
  { page: 'export', name: 'Export' },
  { page: 'pacs', name: 'PACS' },
];

function Shell() {
  const route = useRoute();
  const { jobs, labelsError } = useApp();
  const { session, can, logout } = useSession();
  const active = jobs.filter(isActive).length;
  const last = route.page === 'viewer' || route.page === 'export' ? route : null;
  const link = (page: Route['page']): string => {
    if ((page === 'viewer' || page === 'export') && last?.patient) return href({ page, patient: last.patient, scan: last.scan });
    return href({ page } as Route);
  };
  return (
    <div className={`app page-${route.page}`}>
      <nav className="topnav" aria-label="Main">
        <a className="brand" href="#/dashboard"><span className="brand-mark" aria-hidden />Vista3D</a>
        {NAV.map((n) => (
          <a key={n.page} href={link(n.page)} className={route.page === n.page ? 'on' : ''} aria-current={route.page === n.page ? 'page' : undefined}>
            {n.name}{n.page === 'jobs' && active > 0 && <span className="badge" data-testid="active-jobs">{active}</span>}
          </a>
        ))}
        {session.mode !== 'off' && <a href="#/admin" className={route.page === 'admin' ? 'on' : ''}>{can('admin') ? 'Admin' : 'Tokens'}</a>}
        {session.user && (
          <span className="who" data-testid="current-user">
            <span title={session.user.source === 'oidc' ? 'identity provider account' : 'local account'}>{session.user.displayName ?? session.user.username}</span>
            <span className="badge">{session.user.role}</span>
            <button className="btn btn-small" onClick={logout} data-testid="logout">Log out</button>
          </span>
        )}
      </nav>
      {labelsError && <div className="banner" role="alert">{labelsError}</div>}
      <div className="content">
        {route.page === 'dashboard' && <Dashboard />}
        {route.page === 'data' && <Data patient={route.patient} />}
        {route.page === 'jobs' && <Jobs />}
        {route.page === 'viewer' && <Viewer patient={route.patient} scan={route.scan} />}
        {route.page === 'export' && <Export patient={route.patient} scan={route.scan} />}
        {route.page === 'admin' && <Admin />}
        {route.page === 'pacs' && <Pacs />}
      </div>
      <Toasts />
    </div>
  );
}

/** Loads the session first: the app's pages render only for a logged-in user (or with AUTH_MODE=off). */
export function App() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const accept = useCallback((s: SessionInfo) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  }, []);
  const reload = useCallback(() => void api.session().then(accept, (e: unknown) => setError(errorMessage(e))), [accept]);
  useEffect(() => {
    reload();
    window.addEventListener(LOGGED_OUT_EVENT, reload);
    return () => window.removeEventListener(LOGGED_OUT_EVENT, reload);
  }, [reload]);
  const value = useMemo<SessionValue | null>(() => session && {
    session,
    can: (role) => session.mode === 'off' || roleAtLeast(session.user?.role, role),
    logout: () => void api.logout().then((r) => {
      setCsrfToken(undefined);
      if (r.redirect) window.location.assign(r.redirect);
      else setSession({ mode: session.mode, user: null });
    }, (e: unknown) => setError(errorMessage(e))),
  }, [session]);
  if (error && !session) return <div className="error-box" role="alert">{error}</div>;
  if (!session || !value) return null;
  if (session.mode !== 'off' && !session.user) return <Login mode={session.mode} onLoggedIn={accept} />;
  return <SessionContext.Provider value={value}><AppProvider><Shell /></AppProvider></SessionContext.Provider>;
}
