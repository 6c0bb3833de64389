import { useMemo, useState } from 'react';
import { JobLauncherCard } from '../components/JobLauncher.js';
import { isActive, JobRow } from '../components/JobRow.js';
import { Empty, ErrorBox, Pill } from '../components/ui.js';
import { useApp } from '../lib/store.js';
import type { JobStatus, JobType } from '../lib/types.js';
import { useSession } from '../lib/session.js';

export function Jobs() {
  const { can } = useSession();
  const { jobs, jobsError, refreshJobs, stream } = useApp();
  const [type, setType] = useState<JobType | ''>('');
  const [status, setStatus] = useState<JobStatus | '' | 'active'>('');
  const shown = useMemo(() => jobs.filter((j) => (!type || j.type === type)
    && (!status || (status === 'active' ? isActive(j) : j.status === status))), [jobs, type, status]);
  const active = jobs.filter(isActive).length;
  return (
    <div className="page">
      <header className="page-head">
        <h1>Jobs</h1>
        <Pill kind={stream === 'live' ? 'ok' : 'warn'} title="Server-sent events from /api/events">{stream === 'live' ? 'live' : stream}</Pill>
        <span className="muted">{active} active · {jobs.length} total</span>
        <span className="spacer" />
        <select aria-label="Filter by type" value={type} onChange={(e) => setType(e.target.value as JobType | '')}>
          <option value="">All types</option><option value="convert">convert</option><option value="segment">segment</option><option value="mesh">mesh</option>
        </select>
        <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value as JobStatus | '' | 'active')}>
          <option value="">All statuses</option><option value="active">active</option><option value="succeeded">succeeded</option><option value="failed">failed</option><option value="cancelled">cancelled</option>
        </select>
        <button className="btn btn-small" onClick={() => void refreshJobs()}>Refresh</button>
      </header>
      {can('annotator') && <JobLauncherCard />}
      {jobsError && <ErrorBox onRetry={() => void refreshJobs()}>Could not load jobs: {jobsError}</ErrorBox>}
      {shown.length === 0 ? <Empty>No jobs{type || status ? ' match the filter' : ' yet'}.</Empty>
        : <div className="job-list" data-testid="job-list">{shown.map((j) => <JobRow key={j.id} job={j} />)}</div>}
    </div>
  );
}
