// PACS import: QIDO-RS study search on the configured DICOMweb server, WADO-RS retrieval into a patient.
import { useState } from 'react';
import { Empty, ErrorBox } from '../components/ui.js';
import { csrfHeader, errorMessage } from '../lib/api.js';
import { href } from '../lib/router.js';

interface Study {
  studyUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  studyDescription: string;
  modalities: string[];
  seriesCount?: number | null;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), accept: 'application/json', ...csrfHeader(method) }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
  if (!res.ok) throw new Error((parsed as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`);
  return parsed;
}

export function Pacs() {
  const [q, setQ] = useState({ PatientID: '', PatientName: '', StudyDate: '' });
  const [studies, setStudies] = useState<Study[] | null>(null);
  const [target, setTarget] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async (): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v.trim()));
      setStudies((await call<{ studies: Study[] }>('GET', `/api/pacs/studies?${params.toString()}`)).studies);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const retrieve = async (s: Study): Promise<void> => {
    const patient = (target[s.studyUid] ?? s.patientId).trim();
    setError(null);
    setNote(null);
    setBusy(true);
    try {
      const r = await call<{ written: number; existing: number; errors: unknown[] }>('POST', '/api/pacs/import', { study: s.studyUid, patient });
      setNote(`${r.written} instance(s) retrieved into ${patient} (${r.existing} already there${r.errors.length ? `, ${r.errors.length} failed` : ''}) — convert them on the Data page`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page" data-testid="pacs-page">
      <header className="page-head"><h1>PACS import</h1></header>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void search(); }}>
        <input aria-label="Patient ID" placeholder="Patient ID" value={q.PatientID} onChange={(e) => setQ({ ...q, PatientID: e.target.value })} />
        <input aria-label="Patient name" placeholder="Patient name (wildcards *)" value={q.PatientName} onChange={(e) => setQ({ ...q, PatientName: e.target.value })} />
        <input aria-label="Study date" placeholder="YYYYMMDD or range" value={q.StudyDate} onChange={(e) => setQ({ ...q, StudyDate: e.target.value })} />
        <button className="btn btn-primary" type="submit" disabled={busy}>Search</button>
      </form>
      {error && <ErrorBox>{error}</ErrorBox>}
      {note && <p role="status">{note} <a href={href({ page: 'data' })}>Data</a></p>}
      {studies && studies.length === 0 && <Empty>No study found.</Empty>}
      {studies && studies.length > 0 && (
        <table className="table">
          <thead><tr><th>Patient</th><th>Date</th><th>Description</th><th>Modalities</th><th>Into patient</th><th /></tr></thead>
          <tbody>
            {studies.map((s) => (
              <tr key={s.studyUid}>
                <td>{s.patientName} <span className="muted small">{s.patientId}</span></td>
                <td>{s.studyDate}</td>
                <td>{s.studyDescription}</td>
                <td>{s.modalities.join(', ')}</td>
                <td><input aria-label="Patient folder" value={target[s.studyUid] ?? s.patientId} onChange={(e) => setTarget({ ...target, [s.studyUid]: e.target.value })} /></td>
                <td><button className="btn btn-small" disabled={busy} onClick={() => void retrieve(s)}>Retrieve</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
