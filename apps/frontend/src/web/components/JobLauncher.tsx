// Start convert / segment / mesh jobs for a scan, a patient, or everything, with a label-set / class picker.
import { useMemo, useState } from 'react';
import { api, errorMessage } from '../lib/api.js';
import { useApp } from '../lib/store.js';
import type { JobRequest, JobType } from '../lib/types.js';
import { usePatientScans } from '../lib/use-patient-scans.js';
import { rgbCss } from '../lib/colormap.js';
import { useAutomaticClasses } from '../lib/use-automatic-classes.js';

export interface LauncherTarget {
  patient?: string;
  scan?: string;
}

export function targetText(t: LauncherTarget): string {
  if (t.patient && t.scan) return `${t.patient} / ${t.scan}`;
  if (t.patient) return `all scans of ${t.patient}`;
  return 'all patients';
}

export function useStartJob() {
  const { upsertJob, toast } = useApp();
  return async (req: JobRequest): Promise<boolean> => {
    try {
      const job = await api.createJob(req);
      upsertJob(job);
      toast('info', `${job.type} job queued for ${targetText(req)}`);
      return true;
    } catch (err) {
      toast('error', `Could not start the ${req.type} job: ${errorMessage(err)}`);
      return false;
    }
  };
}

/** Segmentation options: a label set or a custom list of classes, only what the engine does automatically. */
export function SegmentOptions({ value, onChange }: { value: Pick<JobRequest, 'labelSet' | 'classes' | 'force'>; onChange: (v: Pick<JobRequest, 'labelSet' | 'classes' | 'force'>) => void }) {
  const { labels } = useApp();
  const automatic = useAutomaticClasses();
  const [filter, setFilter] = useState('');
  const custom = value.classes !== undefined;
  const chosen = useMemo(() => new Set(value.classes ?? []), [value.classes]);
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (labels?.labels ?? []).filter((l) => (!automatic || automatic.has(l.id)) && (!f || l.name.toLowerCase().includes(f) || l.group.includes(f)));
  }, [labels, filter, automatic]);
  const sets = (labels?.labelSets ?? []).filter((s) => !automatic || s.labelIds.every((id) => automatic.has(id)));
  return (
    <div className="seg-options">
      <label className="field">
        <span>Classes</span>
        <select
          aria-label="Label set"
          value={custom ? '__custom' : (value.labelSet ?? '')}
          onChange={(e) => {
            const v = e.target.value;
            if (v === '__custom') onChange({ ...value, labelSet: undefined, classes: [] });
            else onChange({ ...value, labelSet: v || undefined, classes: undefined });
          }}
        >
          <option value="">Engine default (everything it segments)</option>
          {sets.map((s) => (
            <option key={s.name} value={s.name}>{s.name} — {s.description} ({s.labelIds.length})</option>
          ))}
          <option value="__custom">Custom selection…</option>
        </select>
      </label>
      {automatic && (
        <div className="muted small" role="note">
          The engine segments {automatic.size} classes automatically; segment any other structure with clicks in the viewer.
        </div>
      )}
      {custom && (
        <div className="class-picker">
          <input type="search" placeholder="Filter classes…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter classes" />
          <div className="class-list">
            {shown.map((l) => (
              <label key={l.id} className="class-item">
                <input
                  type="checkbox"
                  checked={chosen.has(l.id)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(l.id); else next.delete(l.id);
                    onChange({ ...value, classes: [...next].sort((a, b) => a - b) });
                  }}
                />
                <span className="swatch" style={{ background: rgbCss(l.color) }} />
                <span>{l.name}</span>
                <span className="muted small">#{l.id}</span>
              </label>
            ))}
          </div>
          <div className="muted small">{chosen.size} selected</div>
        </div>
      )}
      <label className="check">
        <input type="checkbox" checked={!!value.force} onChange={(e) => onChange({ ...value, force: e.target.checked })} />
        <span>Redo existing results (force)</span>
      </label>
    </div>
  );
}

/** A compact row of job buttons; segmentation opens the options popover. */
export function JobButtons({ target, types = ['convert', 'segment', 'mesh'], compact }: { target: LauncherTarget; types?: JobType[]; compact?: boolean }) {
  const start = useStartJob();
  const [open, setOpen] = useState(false);
  const [opts, setOpts] = useState<Pick<JobRequest, 'labelSet' | 'classes' | 'force'>>({});
  const [busy, setBusy] = useState(false);
  const run = async (type: JobType, extra: Partial<JobRequest> = {}) => {
    setBusy(true);
    await start({ type, ...target, ...extra });
    setBusy(false);
  };
  const label = (t: JobType) => ({ convert: 'Convert DICOM', segment: 'Segment', mesh: 'Meshes' })[t];
  const tip = (t: JobType) => `${({ convert: 'Convert DICOM to NIfTI', segment: 'Run VISTA3D segmentation', mesh: 'Build surface meshes' })[t]} for ${targetText(target)}`;
  return (
    <div className={`job-buttons ${compact ? 'compact' : ''}`}>
      {types.map((t) => t === 'segment' ? (
        <div key={t} className="popover-anchor">
          <button className="btn btn-primary btn-small" disabled={busy} title={tip(t)} onClick={() => setOpen((o) => !o)} aria-expanded={open}>
            {label(t)} ▾
          </button>
          {open && (
            <div className="popover" role="dialog" aria-label={`Segmentation options for ${targetText(target)}`}>
              <div className="popover-title">Segment {targetText(target)}</div>
              <SegmentOptions value={opts} onChange={setOpts} />
              <div className="modal-actions">
                <button className="btn btn-small" onClick={() => setOpen(false)}>Close</button>
                <button
                  className="btn btn-primary btn-small"
                  disabled={busy || (opts.classes !== undefined && opts.classes.length === 0)}
                  onClick={async () => { setOpen(false); await run('segment', opts); }}
                >Start segmentation</button>
              </div>
            </div>
          )}
        </div>
      ) : (
        <button key={t} className="btn btn-small" disabled={busy} title={tip(t)} onClick={() => run(t)}>{label(t)}</button>
      ))}
    </div>
  );
}

/** Jobs page: pick everything, one patient or one scan, then start a conversion, segmentation or mesh job. */
export function JobLauncherCard() {
  const [patient, setPatient] = useState('');
  const [scan, setScan] = useState('');
  const { patients, scans, error } = usePatientScans(patient);
  const hasDicom = patient ? !!patients?.find((p) => p.id === patient)?.hasDicom : !!patients?.some((p) => p.hasDicom);
  const target: LauncherTarget = { patient: patient || undefined, scan: (patient && scan) || undefined };
  const types: JobType[] = target.scan ? ['segment', 'mesh'] : hasDicom ? ['convert', 'segment', 'mesh'] : ['segment', 'mesh'];
  return (
    <section className="card" aria-label="Start a job">
      <div className="card-head">
        <h2>Start a job</h2>
        <span className="spacer" />
        <select aria-label="Job patient" value={patient} onChange={(e) => { setPatient(e.target.value); setScan(''); }}>
          <option value="">All patients</option>
          {patients?.map((p) => <option key={p.id} value={p.id}>{p.id}</option>)}
        </select>
        <select aria-label="Job scan" value={scan} disabled={!patient} onChange={(e) => setScan(e.target.value)}>
          <option value="">All scans</option>
          {scans?.map((x) => <option key={x.id} value={x.id}>{x.id}{x.segmentation ? ' · segmented' : ''}</option>)}
        </select>
        <JobButtons key={`${target.patient ?? ''}/${target.scan ?? ''}`} target={target} types={types} compact />
      </div>
      <div className="muted small">
        For {targetText(target)}: convert DICOM to NIfTI, segment (label set or classes), or build surface meshes of segmented scans.
        Done items are skipped unless <i>force</i> is chosen.
      </div>
      {error && <div className="error-inline small" role="alert">{error}</div>}
    </section>
  );
}
