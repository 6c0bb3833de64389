// DICOM results of one scan: SEG / RTSTRUCT / statistics downloads, STOW-RS to the PACS, SEG import.
import { useEffect, useState } from 'react';
import { ErrorBox } from './ui.js';
import { csrfHeader, errorMessage } from '../lib/api.js';

const enc = encodeURIComponent;

interface LabelStatistics {
  labelId: number;
  name: string;
  voxels: number;
  volumeMl: number;
  hu: { mean: number; sd: number; min: number; max: number } | null;
  touchesBorder: boolean;
  leftRightRatio: number | null;
}

async function call<T>(method: string, url: string, body?: BodyInit, json = true): Promise<T> {
  const res = await fetch(url, { method, body, headers: { ...(json && body ? { 'content-type': 'application/json' } : {}), accept: 'application/json', ...csrfHeader(method) } });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as T & { message?: string }) : (undefined as T);
  if (!res.ok) throw new Error((parsed as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`);
  return parsed;
}

export function DicomExportMenu({ patient, scan, hasSegmentation }: { patient: string; scan: string; hasSegmentation: boolean }) {
  const base = `/api/patients/${enc(patient)}/scans/${enc(scan)}`;
  const [pacs, setPacs] = useState<{ configured: boolean; url: string | null } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stats, setStats] = useState<LabelStatistics[] | null>(null);
  useEffect(() => {
    void call<{ configured: boolean; url: string | null }>('GET', '/api/pacs').then(setPacs).catch(() => setPacs(null));
  }, []);
  useEffect(() => {
    setStats(null);
    if (hasSegmentation) void call<{ labels: LabelStatistics[] }>('GET', `${base}/export/stats`).then((r) => setStats(r.labels)).catch((e: unknown) => setError(errorMessage(e)));
  }, [base, hasSegmentation]);
  const run = async (what: string, fn: () => Promise<string>): Promise<void> => {
    setBusy(what);
    setError(null);
    setNote(null);
    try {
      setNote(await fn());
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const send = (scope: 'scan' | 'patient') =>
    run(`send-${scope}`, async () => {
      const url = scope === 'scan' ? `${base}/export/send` : `/api/patients/${enc(patient)}/export/send`;
      const r = await call<{ sent: unknown[] }>('POST', url, JSON.stringify({ formats: ['seg', 'rtstruct'] }));
      return `${r.sent.length} object(s) stored on the PACS`;
    });
  const importFile = (file: File) =>
    run('import', async () => {
      const form = new FormData();
      form.append('file', file, file.name);
      const r = await call<{ labels: unknown[]; skipped: string[] }>('POST', `${base}/import-seg`, form, false);
      return `imported ${r.labels.length} label(s)${r.skipped.length ? `; not VISTA3D classes: ${r.skipped.join(', ')}` : ''} — reload to see them`;
    });
  return (
    <section className="card" data-testid="dicom-export">
      <h2>DICOM results</h2>
      {hasSegmentation ? (
        <ul className="downloads">
          <li><a href={`${base}/export/seg`} download data-testid="download-seg">DICOM SEG</a> <span className="muted small">one segment per label, coded (SNOMED CT)</span></li>
          <li><a href={`${base}/export/rtstruct`} download data-testid="download-rtstruct">DICOM RTSTRUCT</a> <span className="muted small">contours for radiotherapy planning</span></li>
          <li><a href={`${base}/export/sr`} download data-testid="download-sr">DICOM SR measurement report</a> <span className="muted small">TID 1500: volume and HU per label</span></li>
          <li><a href={`${base}/export/stats`} download>Statistics (JSON)</a> · <a href={`${base}/export/stats-csv`} download>CSV</a> <span className="muted small">volume, HU, bounding box, left/right</span></li>
        </ul>
      ) : <p className="muted">No segmentation yet.</p>}
      <div className="row">
        <button className="btn btn-small" disabled={!hasSegmentation || !pacs?.configured || busy !== null} onClick={() => void send('scan')}>Send SEG + RTSTRUCT to PACS</button>
        <button className="btn btn-small" disabled={!pacs?.configured || busy !== null} onClick={() => void send('patient')}>Send all scans of {patient}</button>
        <label className="btn btn-small">Import DICOM SEG…<input type="file" hidden accept=".dcm,application/dicom" onChange={(e) => { const f = e.target.files?.[0]; if (f) void importFile(f); }} /></label>
      </div>
      {pacs && !pacs.configured && <p className="muted small">No PACS configured (DICOMWEB_URL).</p>}
      {busy && <p className="muted small">Working…</p>}
      {note && <p className="small" role="status">{note}</p>}
      {error && <ErrorBox>{error}</ErrorBox>}
      {stats && stats.length > 0 && (
        <table className="table" data-testid="stats-table">
          <thead><tr><th>Label</th><th className="num">mL</th><th className="num">HU mean ± SD</th><th className="num">HU min…max</th><th>Border</th><th className="num">L/R</th></tr></thead>
          <tbody>
            {stats.map((s) => (
              <tr key={s.labelId}>
                <td>{s.name}</td>
                <td className="num">{s.volumeMl.toFixed(1)}</td>
                <td className="num">{s.hu ? `${s.hu.mean.toFixed(0)} ± ${s.hu.sd.toFixed(0)}` : '–'}</td>
                <td className="num">{s.hu ? `${s.hu.min.toFixed(0)}…${s.hu.max.toFixed(0)}` : '–'}</td>
                <td>{s.touchesBorder ? 'cut off' : ''}</td>
                <td className="num">{s.leftRightRatio ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
