// Hash routing: #/dashboard, #/data, #/jobs, #/viewer/<patient>/<scan>, #/export/<patient>/<scan>.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'dashboard' }
  | { page: 'data'; patient?: string }
  | { page: 'jobs' }
  | { page: 'viewer'; patient?: string; scan?: string }
  | { page: 'export'; patient?: string; scan?: string }
  | { page: 'admin' }
  | { page: 'pacs' };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [page, a, b] = parts;
  switch (page) {
    case 'data': return { page: 'data', patient: a };
    case 'jobs': return { page: 'jobs' };
    case 'admin': return { page: 'admin' };
    case 'viewer': return { page: 'viewer', patient: a, scan: b };
    case 'export': return { page: 'export', patient: a, scan: b };
    case 'pacs': return { page: 'pacs' };
    default: return { page: 'dashboard' };
  }
}

export function href(route: Route): string {
  const seg = (...xs: Array<string | undefined>) => xs.filter((x): x is string => !!x).map(encodeURIComponent).join('/');
  switch (route.page) {
    case 'dashboard': return '#/dashboard';
    case 'jobs': return '#/jobs';
    case 'admin': return '#/admin';
    case 'data': return `#/${seg('data', route.patient)}`;
    case 'viewer': return `#/${seg('viewer', route.patient, route.scan)}`;
    case 'export': return `#/${seg('export', route.patient, route.scan)}`;
    case 'pacs': return '#/pacs';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
