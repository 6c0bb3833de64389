// The viewer without a scan: pick a patient, then one of its scans.
import { Empty, ErrorBox, Spinner } from '../components/ui.js';
import { formatDims } from '../lib/format.js';
import { href } from '../lib/router.js';
import { usePatientScans } from '../lib/use-patient-scans.js';

export function ScanPicker({ patient }: { patient?: string }) {
  const { patients, scans, error } = usePatientScans(patient);
  return (
    <div className="page">
      <header className="page-head"><h1>Viewer</h1><span className="muted">Choose a scan</span></header>
      {error && <ErrorBox>{error}</ErrorBox>}
      {!patients && !error && <Spinner label="Loading…" />}
      {patients?.length === 0 && <Empty>No data yet. Upload a CT on the <a href={href({ page: 'data' })}>Data</a> page.</Empty>}
      <div className="picker">
        <ul className="patient-list">
          {patients?.map((p) => (
            <li key={p.id} className={p.id === patient ? 'active' : ''}><a href={href({ page: 'viewer', patient: p.id })}><span className="patient-id">{p.id}</span><span className="muted small">{p.scans} scans</span></a></li>
          ))}
        </ul>
        {patient && (
          <ul className="patient-list">
            {scans?.map((s) => (
              <li key={s.id}><a href={href({ page: 'viewer', patient, scan: s.id })}><span className="patient-id">{s.id}</span><span className="muted small">{formatDims(s.dims)}{s.segmentation ? ' · segmented' : ''}</span></a></li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
