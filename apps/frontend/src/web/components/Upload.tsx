// Drag-and-drop upload of NIfTI files (one request each) or DICOM (.zip, many files or whole folders,
// one request).
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

/** A valid patient id made from a file or folder name. */
function patientIdFrom(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
}

/** The patient id of an upload: its folder's name (picked folders), else the first file's stem. */
function guessPatient(files: File[]): string {
  const f = files[0];
  if (!f) return '';
  const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
  return patientIdFrom(rel ? rel.split('/')[0] : f.name.replace(/\.(nii\.gz|nii|zip)$/i, ''));
}

/** Reads every entry of a dropped folder (readEntries answers in batches). */
async function folderFiles(dir: FileSystemDirectoryEntry, out: File[]): Promise<void> {
  const reader = dir.createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const e of batch) {
      if (e.isDirectory) await folderFiles(e as FileSystemDirectoryEntry, out);
      else if (e.isFile) out.push(await new Promise<File>((resolve, reject) => (e as FileSystemFileEntry).file(resolve, reject)));
    }
  }
}

/**
 * The files of a drop, dropped folders walked recursively (a folder arrives in `dataTransfer.files`
 * as one empty entry). Entries must be taken during the drop event, the walk may come later.
 */
function droppedFiles(dt: DataTransfer): Promise<{ files: File[]; folder?: string }> {
  const entries = [...dt.items].filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry());
  const dirs = entries.filter((e): e is FileSystemDirectoryEntry => !!e?.isDirectory);
  if (dirs.length === 0) return Promise.resolve({ files: [...dt.files] });
  const loose = [...dt.files].filter((f) => !dirs.some((d) => d.name === f.name));
  return (async () => {
    const files = [...loose];
    for (const d of dirs) await folderFiles(d, files);
    return { files, folder: dirs[0].name };
  })();
}

export function Upload({ defaultPatient, onUploaded }: { defaultPatient?: string; onUploaded: (patient: string) => void }) {
  const { toast } = useApp();
  const [patient, setPatient] = useState(defaultPatient ?? '');
  const [drag, setDrag] = useState(false);
  const [items, setItems] = useState<UploadItem[]>([]);
  const nextId = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
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

  const handle = (list: FileList | File[], folder?: string) => {
    const files = [...list].filter((f) => f.size > 0 && !f.name.startsWith('.'));
    if (files.length === 0) {
      if (list.length > 0) toast('error', 'Nothing to upload: the files are empty or hidden');
      return;
    }
    // A typed id is the user's choice and stays; a guessed one (folder or file name) is used for this
    // upload only, so the next folder does not silently land in the same patient.
    let who = patient.trim();
    if (!who) who = folder ? patientIdFrom(folder) : guessPatient(files);
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
    droppedFiles(e.dataTransfer).then(({ files, folder }) => handle(files, folder), (err: unknown) => toast('error', `Could not read the dropped folder: ${errorMessage(err)}`));
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
        <div className="muted small">NIfTI (.nii, .nii.gz) · DICOM (a folder, a .zip or many .dcm files)</div>
        <button type="button" className="link-btn small" onClick={(e) => { e.stopPropagation(); folderInput.current?.click(); }}>Choose a DICOM folder…</button>
        <input ref={fileInput} type="file" multiple hidden data-testid="file-input" onChange={(e) => { if (e.target.files) handle(e.target.files); e.target.value = ''; }} />
        {/* webkitdirectory is not in React's input props: set as an attribute (all current browsers) */}
        <input ref={(el) => { folderInput.current = el; el?.setAttribute('webkitdirectory', ''); }} type="file" multiple hidden data-testid="folder-input" onClick={(e) => e.stopPropagation()} onChange={(e) => { if (e.target.files) handle(e.target.files); e.target.value = ''; }} />
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
