import { DicomExportMenu } from '../components/DicomExportMenu.js';
import { Empty, ErrorBox, Pill, Spinner } from '../components/ui.js';
import { api } from '../lib/api.js';
import { rgbCss } from '../lib/colormap.js';
import { formatBytes, formatMl } from '../lib/format.js';
import { href } from '../lib/router.js';
import { useApp } from '../lib/store.js';
import { usePatientScans } from '../lib/use-patient-scans.js';

function fileName(url: string): string {
  return decodeURIComponent(url.split('?')[0].split('/').pop() ?? url);
}

export function Export({ patient, scan }: { patient?: string; scan?: string }) {
  const { labelById } = useApp();
  const { patients, scans, error } = usePatientScans(patient);
  const s = scans?.find((x) => x.id === scan) ?? null;
  return (
    <div className="page">
      <header className="page-head">
        <h1>Export</h1>
        <select aria-label="Patient" value={patient ?? ''} onChange={(e) => { window.location.hash = href({ page: 'export', patient: e.target.value }); }}>
          <option value="">Patient…</option>
          {patients?.map((p) => <option key={p.id} value={p.id}>{p.id}</option>)}
        </select>
        <select aria-label="Scan" value={scan ?? ''} disabled={!patient} onChange={(e) => { window.location.hash = href({ page: 'export', patient, scan: e.target.value }); }}>
          <option value="">Scan…</option>
          {scans?.map((x) => <option key={x.id} value={x.id}>{x.id}</option>)}
        </select>
        <span className="spacer" />
        {patient && scan && <a className="btn btn-small btn-primary" href={href({ page: 'viewer', patient, scan })}>Open viewer</a>}
      </header>
      {error && <ErrorBox>{error}</ErrorBox>}
      {!patient && <Empty>Choose a patient and a scan.</Empty>}
      {patient && !scans && !error && <Spinner label="Loading…" />}
      {patient && scans && !scan && <Empty>Choose a scan of {patient}.</Empty>}
      {scan && scans && !s && <ErrorBox>Scan “{scan}” of “{patient}” was not found.</ErrorBox>}
      {s && patient && (
        <div className="cards export">
          <section className="card">
            <h2>Volumes</h2>
            <ul className="downloads">
              <li><a href={s.imageUrl} download>CT volume</a> <span className="muted small">{fileName(s.imageUrl)} · {formatBytes(s.sizeBytes)}</span></li>
              {s.segmentation ? <li><a href={s.segmentation.url} download data-testid="download-labelmap">Label map (all labels)</a> <span className="muted small">{fileName(s.segmentation.url)} · VISTA3D ids</span></li>
                : <li className="muted">No segmentation yet.</li>}
              {s.segmentation && <li><a href={api.labelsCsvUrl(patient, s.id)} download data-testid="download-csv">Per-label statistics (CSV)</a> <span className="muted small">voxels, volume mL</span></li>}
            </ul>
          </section>
          <DicomExportMenu patient={patient} scan={s.id} hasSegmentation={!!s.segmentation} />
          {s.segmentation && (
            <section className="card">
              <h2>Single labels <span className="muted small">({s.segmentation.labels.length})</span></h2>
              <table className="table">
                <thead><tr><th>Label</th><th>Id</th><th className="num">Volume</th><th>File</th></tr></thead>
                <tbody>
                  {[...s.segmentation.labels].sort((a, b) => a.id - b.id).map((l) => (
                    <tr key={l.id}>
                      <td><span className="swatch" style={{ background: rgbCss(l.color) }} /> {l.name}</td>
                      <td className="muted">{l.id}</td>
                      <td className="num">{formatMl(l.volumeMl)}</td>
                      <td><a href={l.url} download>{fileName(l.url)}</a></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          <section className="card">
            <h2>Meshes <span className="muted small">({s.meshes.length})</span></h2>
            {s.meshes.length === 0 ? <Empty>No meshes yet — start a mesh job on the <a href={href({ page: 'data', patient })}>Data</a> page.</Empty> : (
              <ul className="downloads">
                {s.meshes.map((m) => {
                  const l = m.labelId !== undefined ? labelById.get(m.labelId) : undefined;
                  return (
                    <li key={m.url}>
                      {l && <span className="swatch" style={{ background: rgbCss(l.color) }} />}
                      <a href={m.url} download>{l?.name ?? fileName(m.url)}</a> <Pill kind="muted">{m.format}</Pill> <span className="muted small">{fileName(m.url)}</span>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
