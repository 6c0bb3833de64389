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
      </nav>
      {labelsError && <div className="banner" role="alert">{labelsError}</div>}
      <div className="content">
        {route.page === 'dashboard' && <Dashboard />}
        {route.page === 'data' && <Data patient={route.patient} />}
        {route.page === 'jobs' && <Jobs />}
        {route.page === 'viewer' && <Viewer patient={route.patient} scan={route.scan} />}
        {route.page === 'export' && <Export patient={route.patient} scan={route.scan} />}
        {route.page === 'pacs' && <Pacs />}
      </div>
      <Toasts />
    </div>
  );
}

export function App() {
  return <AppProvider><Shell /></AppProvider>;
}
