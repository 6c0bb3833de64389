import { useCallback, useEffect, useState } from 'react';
import { JobRow } from '../components/JobRow.js';
import { Empty, ErrorBox, Pill, Spinner } from '../components/ui.js';
import { api, errorMessage } from '../lib/api.js';
import { href } from '../lib/router.js';
import { useApp } from '../lib/store.js';
import type { StatusResponse } from '../lib/types.js';

export function Dashboard() {
  const { jobs, dataVersion, stream } = useApp();
  const [status, setStatus] = useState<StatusResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setStatus(await api.status());
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  useEffect(() => {
    void load();
    const t = window.setInterval(load, 10000);
    return () => window.clearInterval(t);
  }, [load, dataVersion]);

  const recent = jobs.length ? jobs.slice(0, 6) : (status?.recentJobs ?? []).slice(0, 6);
  return (
    <div className="page">
      <header className="page-head">
        <h1>Dashboard</h1>
        <button className="btn btn-small" onClick={load}>Refresh</button>
      </header>
      {error && <ErrorBox onRetry={load}>Could not load the platform status: {error}</ErrorBox>}
      {!status && !error && <Spinner label="Loading status…" />}
      {status && (
        <>
          <div className="cards">
            <section className="card" aria-label="Segmentation backend">
              <h2>Segmentation backend</h2>
              <div className="status-line">
                <Pill kind={status.backend.live ? 'ok' : 'bad'}>{status.backend.live ? 'live' : 'down'}</Pill>
                <Pill kind={status.backend.ready ? 'ok' : 'warn'}>{status.backend.ready ? 'ready' : 'not ready'}</Pill>
              </div>
              <dl className="kv">
                <dt>Engine</dt><dd>{status.backend.engine ?? '–'}</dd>
                <dt>Version</dt><dd>{status.backend.version ?? '–'}</dd>
                <dt>URL</dt><dd className="mono">{status.backend.url}</dd>
              </dl>
              {status.backend.error && <ErrorBox>{status.backend.error}</ErrorBox>}
            </section>
            <section className="card" aria-label="Image server">
              <h2>Image server</h2>
              <div className="status-line">
                <Pill kind={status.imageServer.live ? 'ok' : 'bad'}>{status.imageServer.live ? 'live' : 'down'}</Pill>
              </div>
              <dl className="kv">
                <dt>Version</dt><dd>{status.imageServer.version ?? '–'}</dd>
                <dt>URL</dt><dd className="mono">{status.imageServer.url}</dd>
              </dl>
              {status.imageServer.error && <ErrorBox>{status.imageServer.error}</ErrorBox>}
            </section>
            <section className="card" aria-label="Data">
              <h2>Data</h2>
              <div className="counts">
                <a className="count" href={href({ page: 'data' })}><b data-testid="count-patients">{status.counts.patients}</b><span>patients</span></a>
                <a className="count" href={href({ page: 'data' })}><b data-testid="count-scans">{status.counts.scans}</b><span>scans</span></a>
                <a className="count" href={href({ page: 'data' })}><b data-testid="count-segmentations">{status.counts.segmentations}</b><span>segmentations</span></a>
              </div>
            </section>
          </div>
          <section className="card">
            <div className="card-head">
              <h2>Recent jobs</h2>
              <span className="muted small">live updates: {stream}</span>
              <span className="spacer" />
              <a className="btn btn-small" href={href({ page: 'jobs' })}>All jobs</a>
            </div>
            {recent.length === 0 ? <Empty>No jobs yet. Upload a scan on the <a href={href({ page: 'data' })}>Data</a> page and run a segmentation.</Empty>
              : <div className="job-list">{recent.map((j) => <JobRow key={j.id} job={j} compact />)}</div>}
          </section>
        </>
      )}
    </div>
  );
}
