import { useCallback, useEffect, useMemo, useState } from 'react';
import { JobButtons } from '../components/JobLauncher.js';
import { isActive } from '../components/JobRow.js';
import { Upload } from '../components/Upload.js';
import { ConfirmDialog, Empty, ErrorBox, Pill, ProgressBar, Spinner, TrashIcon, type ConfirmRequest } from '../components/ui.js';
import { api, errorMessage } from '../lib/api.js';
import { rgbCss } from '../lib/colormap.js';
import { formatBytes, formatDims, formatMl, formatSpacing } from '../lib/format.js';
import { href, navigate } from '../lib/router.js';
import { useApp } from '../lib/store.js';
import type { Job, PatientSummary, ScanInfo } from '../lib/types.js';
import { metadataRows } from '../components/ScanMeta.js';
import { useSession } from '../lib/session.js';

/** The study/series facts a scan card shows (the viewer's Series panel shows all). */
const SCAN_CARD_META = new Set(['Modality', 'Date', 'Series', 'Slice thickness', 'Kernel']);

export function Data({ patient }: { patient?: string }) {
  const { can } = useSession();
  const { dataVersion, toast, jobs } = useApp();
  const [patients, setPatients] = useState<PatientSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [reload, setReload] = useState(0);

  const load = useCallback(async () => {
    try {
      setPatients(await api.patients());
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, []);
  useEffect(() => { void load(); }, [load, dataVersion, reload]);

  const selected = patient ?? patients?.[0]?.id;
  const shown = useMemo(() => (patients ?? []).filter((p) => !filter || p.id.toLowerCase().includes(filter.toLowerCase())), [patients, filter]);
  const activeFor = (p: string) => jobs.filter((j) => isActive(j) && (j.patient === p || !j.patient)).length;

  const askDeletePatient = (p: PatientSummary) => setConfirm({
    title: `Delete patient ${p.id}?`,
    body: <p>This permanently deletes <b>{p.scans}</b> scan(s), <b>{p.segmentations}</b> segmentation(s) and all meshes of <b>{p.id}</b> from the output folder{p.hasDicom ? <>, and its DICOM files</> : null}.</p>,
    confirmLabel: 'Delete patient',
    danger: true,
    onConfirm: async () => {
      try {
        await api.deletePatient(p.id);
        toast('success', `Deleted patient ${p.id}`);
        if (selected === p.id) navigate({ page: 'data' });
        setReload((x) => x + 1);
      } catch (err) {
        toast('error', `Could not delete ${p.id}: ${errorMessage(err)}`);
      }
    },
  });

  return (
    <div className="page">
      <header className="page-head">
        <h1>Data</h1>
        <span className="muted">{patients ? `${patients.length} patient(s)` : ''}</span>
        <span className="spacer" />
        <span className="muted small">All patients:</span>
        <JobButtons target={{}} compact />
      </header>
      {error && <ErrorBox onRetry={load}>Could not load patients: {error}</ErrorBox>}
      <div className="data-layout">
        <aside className="data-side">
          <section className="card patients" aria-label="Patients">
            <div className="card-head">
              <h2>Patients</h2>
              <span className="spacer" />
              <input type="search" className="input-small" placeholder="Filter…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter patients" />
            </div>
            {!patients && !error && <Spinner label="Loading…" />}
            {patients && patients.length === 0 && <Empty>No patients yet — upload a NIfTI or DICOM below.</Empty>}
            <ul className="patient-list">
              {shown.map((p) => (
                <li key={p.id} className={p.id === selected ? 'active' : ''}>
                  <a href={href({ page: 'data', patient: p.id })} data-testid={`patient-${p.id}`}>
                    <span className="patient-id">{p.id}</span>
                    <span className="muted small">{p.scans} scan{p.scans === 1 ? '' : 's'} · {p.segmentations} seg</span>
                    {p.hasDicom && <Pill kind="muted" title="DICOM input available">DICOM</Pill>}
                    {activeFor(p.id) > 0 && <Pill kind="info">{activeFor(p.id)} job</Pill>}
                  </a>
                  {can('admin') && <button className="icon-btn" title={`Delete patient ${p.id}`} aria-label={`Delete patient ${p.id}`} onClick={() => askDeletePatient(p)}><TrashIcon /></button>}
                </li>
              ))}
            </ul>
          </section>
          {can('annotator') && <Upload defaultPatient={patient} onUploaded={(p) => { setReload((x) => x + 1); navigate({ page: 'data', patient: p }); }} />}
        </aside>
        <main className="data-main">
          {selected ? <PatientScans key={selected} patient={selected} version={dataVersion + reload} hasDicom={!!patients?.find((p) => p.id === selected)?.hasDicom} onConfirm={setConfirm} onChanged={() => setReload((x) => x + 1)} />
            : patients && patients.length > 0 ? null : <Empty>Upload a CT to get started.</Empty>}
        </main>
      </div>
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}

function PatientScans({ patient, version, hasDicom, onConfirm, onChanged }: { patient: string; version: number; hasDicom: boolean; onConfirm: (r: ConfirmRequest) => void; onChanged: () => void }) {
  const { jobs, toast } = useApp();
  const [scans, setScans] = useState<ScanInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setScans(await api.scans(patient));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [patient]);
  useEffect(() => { void load(); }, [load, version]);

  const askDeleteScan = (s: ScanInfo) => onConfirm({
    title: `Delete scan ${s.id}?`,
    body: <p>This permanently deletes the CT <b>{s.file}</b>{s.segmentation ? ', its segmentation' : ''}{s.meshes.length ? ` and ${s.meshes.length} mesh file(s)` : ''} of patient <b>{patient}</b>.</p>,
    confirmLabel: 'Delete scan',
    danger: true,
    onConfirm: async () => {
      try {
        await api.deleteScan(patient, s.id);
        toast('success', `Deleted ${patient} / ${s.id}`);
        onChanged();
        void load();
      } catch (err) {
        toast('error', `Could not delete ${s.id}: ${errorMessage(err)}`);
      }
    },
  });

  const patientJobs = jobs.filter((j) => j.patient === patient || !j.patient);
  return (
    <section className="card" aria-label={`Scans of ${patient}`}>
      <div className="card-head">
        <h2>{patient}</h2>
        <span className="muted small">{scans ? `${scans.length} scan(s)` : ''}</span>
        <span className="spacer" />
        <JobButtons target={{ patient }} types={hasDicom ? ['convert', 'segment', 'mesh'] : ['segment', 'mesh']} compact />
      </div>
      {error && <ErrorBox onRetry={load}>Could not load scans of {patient}: {error}</ErrorBox>}
      {!scans && !error && <Spinner label="Loading scans…" />}
      {scans && scans.length === 0 && <Empty>{hasDicom ? 'No NIfTI yet: run "Convert DICOM" to convert the DICOM series.' : 'No scans.'}</Empty>}
      <div className="scan-list">
        {scans?.map((s) => <ScanCard key={s.id} patient={patient} scan={s} jobs={patientJobs.filter((j) => !j.scan || j.scan === s.id)} onDelete={() => askDeleteScan(s)} />)}
      </div>
    </section>
  );
}

function ScanCard({ patient, scan, jobs, onDelete }: { patient: string; scan: ScanInfo; jobs: Job[]; onDelete: () => void }) {
  const { can } = useSession();
  const [expanded, setExpanded] = useState(false);
  const active = jobs.find(isActive);
  const lastFailed = jobs.find((j) => j.status === 'failed');
  const labels = [...(scan.segmentation?.labels ?? [])].sort((a, b) => b.volumeMl - a.volumeMl);
  const totalMl = labels.reduce((s, l) => s + l.volumeMl, 0);
  return (
    <article className="scan-card" data-testid={`scan-${scan.id}`}>
      <div className="scan-head">
        <h3 className="scan-title">{scan.id}</h3>
        {scan.segmentation ? <Pill kind="ok">segmented · {labels.length} labels</Pill> : <Pill kind="muted">not segmented</Pill>}
        {scan.meshes.length > 0 && <Pill kind="info">{scan.meshes.length} meshes</Pill>}
        <span className="spacer" />
        <a className="btn btn-small btn-primary" href={href({ page: 'viewer', patient, scan: scan.id })}>Open viewer</a>
        <a className="btn btn-small" href={href({ page: 'export', patient, scan: scan.id })}>Export</a>
        {can('admin') && <button className="icon-btn" title={`Delete scan ${scan.id}`} aria-label={`Delete scan ${scan.id}`} onClick={onDelete}><TrashIcon /></button>}
      </div>
      <dl className="scan-meta">
        <div><dt>Dimensions</dt><dd data-testid="scan-dims">{formatDims(scan.dims)}</dd></div>
        <div><dt>Spacing</dt><dd>{formatSpacing(scan.spacing)}</dd></div>
        <div><dt>Size</dt><dd>{formatBytes(scan.sizeBytes)}</dd></div>
        <div><dt>Type</dt><dd>{scan.datatype}</dd></div>
        <div><dt>Orientation</dt><dd>{scan.orientation}</dd></div>
        {metadataRows(scan).filter(([k]) => SCAN_CARD_META.has(k)).map(([k, v]) => <div key={k}><dt>{k}</dt><dd data-meta={k}>{v}</dd></div>)}
      </dl>
      {(scan.warnings ?? []).length > 0 && (
        <ul className="scan-warnings small" data-testid="scan-warnings">
          {scan.warnings!.map((w) => <li key={w}><Pill kind="warn">conversion</Pill> {w}</li>)}
        </ul>
      )}
      {active && (
        <div className="scan-job" data-testid="scan-job">
          <span className="small">{active.type} {active.status}: {active.message}</span>
          <ProgressBar value={active.progress} status={active.status} label={`${active.type} progress for ${scan.id}`} />
        </div>
      )}
      {!active && lastFailed && lastFailed.error && <ErrorBox>Last {lastFailed.type} job failed: {lastFailed.error.message}</ErrorBox>}
      <div className="scan-actions">
        <JobButtons target={{ patient, scan: scan.id }} types={scan.segmentation ? ['segment', 'mesh'] : ['segment']} />
      </div>
      {labels.length > 0 && (
        <div className="label-summary">
          <div className="label-chips">
            {(expanded ? labels : labels.slice(0, 12)).map((l) => (
              <span key={l.id} className="label-chip" title={`${l.name}: ${l.voxels.toLocaleString()} voxels`}>
                <span className="swatch" style={{ background: rgbCss(l.color) }} />
                {l.name} <span className="muted">{formatMl(l.volumeMl)}</span>
              </span>
            ))}
          </div>
          <div className="small muted">
            Total {formatMl(totalMl)}
            {labels.length > 12 && <button className="link-btn" onClick={() => setExpanded((e) => !e)}>{expanded ? 'show fewer' : `show all ${labels.length}`}</button>}
          </div>
        </div>
      )}
    </article>
  );
}
