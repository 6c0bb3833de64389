// Segmentation versions of the scan: provenance, view one (read-only), compare two (per-label Dice and
// volume difference), and per-label statistics (voxels, mL, HU mean/SD/min/max) of a version.
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '../lib/api.js';
import { versionsApi, type Comparison, type VersionInfo, type VersionStats } from './tools/versions-api.js';

function provenance(v: VersionInfo): string {
  const what = v.source === 'segment-job' ? `segment job${v.jobId ? ` ${v.jobId.slice(0, 8)}` : ''}` : v.source;
  const prompts = v.prompts?.length ? ` · ${v.prompts.reduce((n, p) => n + p.points.length, 0)} prompt point(s)` : '';
  return `${what} · ${v.createdBy} · ${new Date(v.createdAt).toLocaleString()}${v.basedOn ? ` · from v${v.basedOn}` : ''}${prompts}`;
}

export function VersionsPanel({ patient, scan, refreshKey, viewing, onView, meshesVersion, hasMeshes }: {
  patient: string;
  scan: string;
  /** The version the scan's meshes were made from (mesh manifest), when known. */
  meshesVersion?: number;
  hasMeshes?: boolean;
  /** Changes when the scan's segmentation changed (reload the list). */
  refreshKey: unknown;
  viewing: number | null;
  onView: (version: number | null, url?: string) => void;
}) {
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const [cmp, setCmp] = useState<Comparison | null>(null);
  const [stats, setStats] = useState<VersionStats | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const list = await versionsApi.list(patient, scan);
      setVersions(list);
      setError(null);
      if (list.length >= 2) {
        setA(list[list.length - 2]!.version);
        setB(list[list.length - 1]!.version);
      }
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [patient, scan]);
  useEffect(() => { void load(); }, [load, refreshKey]);

  const run = async <T,>(work: () => Promise<T>, set: (v: T) => void) => {
    setBusy(true);
    setError(null);
    try {
      set(await work());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const current = versions?.find((v) => v.current);
  if (!versions || versions.length === 0) {
    return error ? <section className="panel" aria-label="Versions"><h3>Versions</h3><div className="error-text small">{error}</div></section> : null;
  }
  return (
    <section className="panel versions-panel" aria-label="Versions">
      <div className="panel-head"><h3>Versions</h3><span className="muted small">{versions.length}</span></div>
      {hasMeshes && current && (
        <div className={`small ${meshesVersion === current.version ? 'muted' : 'error-text'}`} data-testid="meshes-version">
          {meshesVersion === undefined
            ? 'Meshes: made before versions were recorded'
            : meshesVersion === current.version
              ? `Meshes: made from v${meshesVersion} (current)`
              : `Meshes: made from v${meshesVersion}, not the current v${current.version} — run Meshes again`}
        </div>
      )}
      <ol className="version-list small" data-testid="versions">
        {[...versions].reverse().map((v) => (
          <li key={v.version} className={v.version === (viewing ?? current?.version) ? 'on' : ''}>
            <b>v{v.version}</b>{v.current && <span className="pill">current</span>} <span className="muted">{provenance(v)}</span>
            {v.comment && <div className="muted">“{v.comment}”</div>}
            <div>
              {v.current
                ? viewing !== null && <button className="link-btn" onClick={() => onView(null)}>back to current</button>
                : <button className="link-btn" onClick={() => onView(v.version, v.labelMapUrl)}>view</button>}
              <button className="link-btn" onClick={() => void run(() => versionsApi.statistics(patient, scan, v.version), setStats)}>statistics</button>
            </div>
          </li>
        ))}
      </ol>
      {versions.length >= 2 && (
        <div className="tool-group small">
          Compare
          <select aria-label="Compare version A" value={a ?? ''} onChange={(e) => setA(Number(e.target.value))}>{versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}</select>
          with
          <select aria-label="Compare version B" value={b ?? ''} onChange={(e) => setB(Number(e.target.value))}>{versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}</select>
          <button className="btn btn-small" disabled={busy || a === null || b === null} onClick={() => void run(() => versionsApi.compare(patient, scan, a!, b!), setCmp)}>Compare</button>
        </div>
      )}
      {cmp && (
        <table className="small dice-table" data-testid="dice-table">
          <caption>v{cmp.a} → v{cmp.b}</caption>
          <thead><tr><th>label</th><th>Dice</th><th>v{cmp.a} mL</th><th>v{cmp.b} mL</th><th>Δ mL</th></tr></thead>
          <tbody>
            {cmp.labels.map((l) => (
              <tr key={l.id} data-label={l.id} className={l.dice < 1 ? 'changed' : ''}>
                <td>{l.name}</td><td>{l.dice.toFixed(4)}</td><td>{l.volumeMlA.toFixed(1)}</td><td>{l.volumeMlB.toFixed(1)}</td><td>{l.volumeDiffMl > 0 ? '+' : ''}{l.volumeDiffMl.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {stats && (
        <table className="small stats-table" data-testid="stats-table">
          <caption>Statistics of v{stats.version}</caption>
          <thead><tr><th>label</th><th>voxels</th><th>mL</th><th>HU mean ± SD</th><th>min</th><th>max</th></tr></thead>
          <tbody>
            {stats.labels.map((l) => (
              <tr key={l.id} data-label={l.id}><td>{l.name}</td><td>{l.voxels}</td><td>{l.volumeMl.toFixed(1)}</td><td>{l.mean.toFixed(1)} ± {l.sd.toFixed(1)}</td><td>{l.min}</td><td>{l.max}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {busy && <div className="small muted">working…</div>}
      {error && <div className="error-text small" role="alert">{error}</div>}
    </section>
  );
}
