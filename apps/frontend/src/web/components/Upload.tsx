// Drag-and-drop upload of NIfTI files (one request each) or DICOM (.zip or many files, one request).
import { useRef, useState, type DragEvent } from 'react';
import { upload, errorMessage } from '../lib/api.js';
import { formatBytes } from '../lib/format.js';
import { useApp } from '../lib/store.js';
import { ProgressBar } from './ui.js';

interface UploadItem {
  id: number;
  label: string;
  kind: 'nifti' | 'dicom';
  bytes: number;
  progress: number;
  state: 'uploading' | 'done' | 'error';
  error?: string;
  abort?: () => void;
}

const PATIENT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function isNifti(name: string): boolean {
  return /\.nii(\.gz)?$/i.test(name);
}

function guessPatient(files: File[]): string {
  const f = files[0];
  if (!f) return '';
  const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
  const base = rel ? rel.split('/')[0] : f.name.replace(/\.(nii\.gz|nii|zip)$/i, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
}

export function Upload({ defaultPatient, onUploaded }: { defaultPatient?: string; onUploaded: (patient: string) => void }) {
  const { toast } = useApp();
  const [patient, setPatient] = useState(defaultPatient ?? '');
  const [drag, setDrag] = useState(false);
  const [items, setItems] = useState<UploadItem[]>([]);
  const nextId = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const patientValid = PATIENT_RE.test(patient);

  const update = (id: number, patch: Partial<UploadItem>) => setItems((xs) => xs.map((x) => (x.id === id ? { ...x, ...patch } : x)));

  const send = async (kind: 'nifti' | 'dicom', files: File[], who: string) => {
    const id = ++nextId.current;
    const bytes = files.reduce((s, f) => s + f.size, 0);
    const form = new FormData();
    form.append('patient', who);
    for (const f of files) form.append('file', f, f.name);
    const label = files.length === 1 ? files[0].name : `${files.length} DICOM files`;
    const h = upload<unknown>(kind === 'nifti' ? '/api/upload/nifti' : '/api/upload/dicom', form, (p) => update(id, { progress: p }));
    const item: UploadItem = { id, label, kind, bytes, progress: 0, state: 'uploading', abort: h.abort };
    setItems((xs) => [item, ...xs].slice(0, 8));
    try {
      await h.promise;
      update(id, { state: 'done', progress: 1 });
      toast('success', `Uploaded ${label} to ${who}${kind === 'dicom' ? ' — run "Convert DICOM" to make NIfTI' : ''}`);
      onUploaded(who);
    } catch (err) {
      update(id, { state: 'error', error: errorMessage(err) });
      toast('error', `Upload of ${label} failed: ${errorMessage(err)}`);
    }
  };

  const handle = (list: FileList | File[]) => {
    const files = [...list].filter((f) => f.size > 0 && !f.name.startsWith('.'));
    if (files.length === 0) return;
    let who = patient.trim();
    if (!who) {
      who = guessPatient(files);
      setPatient(who);
    }
    if (!PATIENT_RE.test(who)) {
      toast('error', `"${who}" is not a valid patient id: use letters, digits, ".", "_" or "-"`);
      return;
    }
    const nifti = files.filter((f) => isNifti(f.name));
    const zips = files.filter((f) => /\.zip$/i.test(f.name));
    const dicom = files.filter((f) => !isNifti(f.name) && !/\.zip$/i.test(f.name));
    for (const f of nifti) void send('nifti', [f], who);
    for (const z of zips) void send('dicom', [z], who);
    if (dicom.length) void send('dicom', dicom, who);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDrag(false);
    handle(e.dataTransfer.files);
  };

  return (
    <section className="card upload" aria-label="Upload">
      <h2>Upload</h2>
      <label className="field">
        <span>Patient id</span>
        <input
          value={patient}
          placeholder="e.g. patient_001 (default: file name)"
          onChange={(e) => setPatient(e.target.value)}
          aria-invalid={patient !== '' && !patientValid}
          aria-label="Patient id for upload"
        />
      </label>
      {patient !== '' && !patientValid && <div className="error-inline small">Use letters, digits, ".", "_" or "-" (max 128).</div>}
      <div
        className={`dropzone ${drag ? 'drag' : ''}`}
        onDragOver={(e) => { e.preventDefault(); setDrag(true); }}
        onDragLeave={() => setDrag(false)}
        onDrop={onDrop}
        onClick={() => fileInput.current?.click()}
        role="button"
        tabIndex={0}
        onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') fileInput.current?.click(); }}
        data-testid="dropzone"
      >
        <div className="dropzone-icon" aria-hidden>⇪</div>
        <div><b>Drop files here</b> or click to choose</div>
        <div className="muted small">NIfTI (.nii, .nii.gz) · DICOM (.zip or many .dcm files)</div>
        <input ref={fileInput} type="file" multiple hidden data-testid="file-input" onChange={(e) => { if (e.target.files) handle(e.target.files); e.target.value = ''; }} />
      </div>
      {items.length > 0 && (
        <ul className="upload-list">
          {items.map((u) => (
            <li key={u.id} className={`upload-item upload-${u.state}`}>
              <div className="upload-head">
                <span className="upload-name" title={u.label}>{u.label}</span>
                <span className="muted small">{u.kind} · {formatBytes(u.bytes)}</span>
                {u.state === 'uploading' && u.abort && <button className="btn btn-small" onClick={u.abort}>Cancel</button>}
                {u.state === 'done' && <span className="ok-text small">✓ done</span>}
              </div>
              {u.state !== 'error' ? <ProgressBar value={u.progress} status={u.state === 'done' ? 'succeeded' : 'uploading'} label={`upload ${u.label}`} />
                : <div className="error-inline small" role="alert">{u.error}</div>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
