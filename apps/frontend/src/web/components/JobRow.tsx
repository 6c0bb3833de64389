import { useEffect, useState } from 'react';
import { api, errorMessage } from '../lib/api.js';
import { formatTime, jobDuration } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useApp } from '../lib/store.js';
import type { Job } from '../lib/types.js';
import { JobStatusPill, Pill, ProgressBar } from './ui.js';
import { useSession } from '../lib/session.js';

export function isActive(job: Job): boolean {
  return job.status === 'queued' || job.status === 'running';
}

function useTick(active: boolean) {
  const [, set] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = window.setInterval(() => set((x) => x + 1), 1000);
    return () => window.clearInterval(t);
  }, [active]);
}

export function JobRow({ job, compact }: { job: Job; compact?: boolean }) {
  const { can } = useSession();
  const { upsertJob, toast } = useApp();
  const active = isActive(job);
  useTick(active);
  const cancel = async () => {
    try {
      upsertJob(await api.cancelJob(job.id));
    } catch (err) {
      toast('error', `Could not cancel job ${job.id}: ${errorMessage(err)}`);
    }
  };
  const failed = (job.results ?? []).filter((r) => r.status === 'failed');
  const target = job.patient ? `${job.patient}${job.scan ? ` / ${job.scan}` : ''}` : 'all patients';
  return (
    <div className={`job-row job-${job.status}`} data-job-id={job.id} data-status={job.status}>
      <div className="job-head">
        <span className={`job-type job-type-${job.type}`}>{job.type}</span>
        <span className="job-target" title={target}>{target}</span>
        <JobStatusPill status={job.status} />
        {!compact && <span className="muted small">{formatTime(job.createdAt)} · {jobDuration(job)}</span>}
        <span className="spacer" />
        {job.status === 'succeeded' && job.patient && job.scan && job.type !== 'convert' && (
          <a className="btn btn-small" href={href({ page: 'viewer', patient: job.patient, scan: job.scan })}>View</a>
        )}
        {active && can('annotator') && <button className="btn btn-small btn-danger-outline" onClick={cancel}>Cancel</button>}
      </div>
      <ProgressBar value={job.status === 'succeeded' ? 1 : job.progress} status={job.status} label={`${job.type} job progress`} />
      <div className="job-message">
        {job.error ? <span className="error-inline" role="alert">{job.error.message}{job.error.code ? ` (${job.error.code})` : ''}</span> : <span>{job.message || (job.status === 'queued' ? 'Waiting for a worker…' : '')}</span>}
        {job.items && job.items.total > 1 && <span className="muted small"> · {job.items.done}/{job.items.total} items</span>}
      </div>
      {job.type === 'convert' && (job.results ?? []).some((r) => r.scan) && (
        <ul className="job-series small" data-testid="job-series">
          {(job.results ?? []).filter((r) => r.scan).map((r) => (
            <li key={`${r.patient}/${r.scan}`}>
              <Pill kind={r.status === 'failed' ? 'bad' : r.status === 'skipped' ? 'muted' : 'ok'}>{r.status === 'skipped' ? 'up to date' : r.status}</Pill> <b>{r.scan}</b>
              {r.detail && r.detail !== 'up to date' ? `: ${r.detail.replace(/^up to date; /, '')}` : ''}
              {r.error && <span className="error-inline">: {r.error.message}</span>}
            </li>
          ))}
        </ul>
      )}
      {failed.length > 0 && job.results.length > 1 && (
        <details className="job-failures">
          <summary className="small">{failed.length} failed item{failed.length === 1 ? '' : 's'}</summary>
          <ul className="small">
            {failed.map((r) => (
              <li key={`${r.patient}/${r.scan ?? ''}`}><b>{r.patient}{r.scan ? ` / ${r.scan}` : ''}</b>: <span className="error-inline">{r.error?.message ?? 'failed'}{r.error?.code ? ` (${r.error.code})` : ''}</span></li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
