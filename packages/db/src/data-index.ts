import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { allLabelsPath, findScanFile, isValidName, niftiDir, readLabelStats, scanIds } from '@vista3d/store';
import type { LabelStat } from '@vista3d/store';
import { inTransaction } from './pool.js';

/** Where the file tree (the source of truth for images) lives. */
export interface DataFolders {
  outputFolder: string;
  dicomFolder: string;
}

export interface IndexedPatient {
  id: string;
  scans: number;
  segmentations: number;
  hasDicom: boolean;
}

export interface ReconcileReport {
  patients: number;
  scans: number;
  segmentations: number;
  removedPatients: number;
  ms: number;
}

interface ScanRow {
  patient_id: string;
  id: string;
  file: string;
  size_bytes: number;
  modified_at: string;
  series_uid: string | null;
  study_uid: string | null;
  modality: string | null;
  series_description: string | null;
  study_description: string | null;
  study_date: string | null;
  seg: null | { path: string; file_mtime: string; labels: LabelStat[] };
}

interface PatientRow {
  id: string;
  scans: number;
  segmentations: number;
  has_dicom: boolean;
  has_output: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** DICOM identity of a scan from its dcm2niix sidecar (`nifti/<scan>.json`), when it has one. */
async function sidecar(root: string, patient: string, scan: string): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(niftiDir(root, patient), `${scan}.json`), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function folderNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && isValidName(e.name)).map((e) => e.name);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function collectPatient(folders: DataFolders, id: string, hasDicom: boolean): Promise<{ patient: PatientRow; scans: ScanRow[] }> {
  const root = folders.outputFolder;
  const scans: ScanRow[] = [];
  for (const scan of await scanIds(root, id)) {
    const file = await findScanFile(root, id, scan);
    const st = file ? await stat(file).catch(() => null) : null;
    if (!file || !st) continue; // removed while we looked
    const segPath = allLabelsPath(root, id, scan);
    const segStat = await stat(segPath).catch(() => null);
    const meta = await sidecar(root, id, scan);
    scans.push({
      patient_id: id,
      id: scan,
      file: file.slice(root.length + 1),
      size_bytes: st.size,
      modified_at: st.mtime.toISOString(),
      series_uid: str(meta.SeriesInstanceUID),
      study_uid: str(meta.StudyInstanceUID),
      modality: str(meta.Modality),
      series_description: str(meta.SeriesDescription),
      study_description: str(meta.StudyDescription),
      study_date: str(meta.AcquisitionDate) ?? str(meta.StudyDate),
      seg: segStat ? { path: segPath.slice(root.length + 1), file_mtime: segStat.mtime.toISOString(), labels: (await readLabelStats(root, id, scan)) ?? [] } : null,
    });
  }
  const hasOutput = await exists(join(root, id));
  return {
    patient: { id, scans: scans.length, segmentations: scans.filter((s) => s.seg).length, has_dicom: hasDicom, has_output: hasOutput },
    scans,
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Serialises index writers (replicas reconciling at once) inside their transactions. */
const INDEX_LOCK = 0x76336478;

async function writeSnapshot(client: pg.PoolClient, patients: PatientRow[], scans: ScanRow[], scope: { all: true } | { ids: string[] }): Promise<number> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [INDEX_LOCK]);
  const present = patients.filter((p) => p.has_output || p.has_dicom);
  const ids = 'all' in scope ? null : scope.ids;
  const removed = await client.query(
    ids === null ? 'DELETE FROM patients WHERE NOT (id = ANY($1::text[]))' : 'DELETE FROM patients WHERE id = ANY($2::text[]) AND NOT (id = ANY($1::text[]))',
    ids === null ? [present.map((p) => p.id)] : [present.map((p) => p.id), ids],
  );
  await client.query(
    `INSERT INTO patients (id, scans, segmentations, has_dicom, has_output, indexed_at)
     SELECT id, scans, segmentations, has_dicom, has_output, now()
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, scans int, segmentations int, has_dicom bool, has_output bool)
     ON CONFLICT (id) DO UPDATE SET scans = EXCLUDED.scans, segmentations = EXCLUDED.segmentations,
       has_dicom = EXCLUDED.has_dicom, has_output = EXCLUDED.has_output, indexed_at = now()`,
    [JSON.stringify(present)],
  );
  const scanJson = JSON.stringify(scans.map(({ seg, ...s }) => ({ ...s, has_segmentation: seg !== null })));
  await client.query(
    `DELETE FROM scans s WHERE s.patient_id = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS x(patient_id text, id text) WHERE x.patient_id = s.patient_id AND x.id = s.id)`,
    [present.map((p) => p.id), scanJson],
  );
  await client.query(
    `INSERT INTO studies (uid, patient_id, study_date, description)
     SELECT DISTINCT ON (study_uid) study_uid, patient_id, study_date, study_description
       FROM jsonb_to_recordset($1::jsonb) AS x(study_uid text, patient_id text, study_date text, study_description text)
      WHERE study_uid IS NOT NULL
     ON CONFLICT (uid) DO UPDATE SET patient_id = EXCLUDED.patient_id, study_date = EXCLUDED.study_date, description = EXCLUDED.description`,
    [scanJson],
  );
  await client.query(
    `INSERT INTO series (uid, study_uid, patient_id, modality, description)
     SELECT DISTINCT ON (series_uid) series_uid, study_uid, patient_id, modality, series_description
       FROM jsonb_to_recordset($1::jsonb) AS x(series_uid text, study_uid text, patient_id text, modality text, series_description text)
      WHERE series_uid IS NOT NULL
     ON CONFLICT (uid) DO UPDATE SET study_uid = EXCLUDED.study_uid, patient_id = EXCLUDED.patient_id,
       modality = EXCLUDED.modality, description = EXCLUDED.description`,
    [scanJson],
  );
  await client.query(
    `INSERT INTO scans (patient_id, id, file, size_bytes, modified_at, series_uid, has_segmentation)
     SELECT patient_id, id, file, size_bytes, modified_at, series_uid, has_segmentation
       FROM jsonb_to_recordset($1::jsonb) AS x(patient_id text, id text, file text, size_bytes bigint, modified_at timestamptz, series_uid text, has_segmentation bool)
     ON CONFLICT (patient_id, id) DO UPDATE SET file = EXCLUDED.file, size_bytes = EXCLUDED.size_bytes,
       modified_at = EXCLUDED.modified_at, series_uid = EXCLUDED.series_uid, has_segmentation = EXCLUDED.has_segmentation`,
    [scanJson],
  );
  // A label map the index has not seen (written by hand, by the CLI, or by an older build) becomes a
  // new version with source 'file-tree'; versions recorded by workers carry their job and engine.
  const segs = scans.filter((s) => s.seg).map((s) => ({ patient_id: s.patient_id, scan_id: s.id, ...s.seg }));
  await client.query(
    `INSERT INTO segmentation_versions (patient_id, scan_id, version, path, file_mtime, labels, source)
     SELECT x.patient_id, x.scan_id,
            COALESCE((SELECT max(v.version) FROM segmentation_versions v WHERE v.patient_id = x.patient_id AND v.scan_id = x.scan_id), 0) + 1,
            x.path, x.file_mtime, x.labels, 'file-tree'
       FROM jsonb_to_recordset($1::jsonb) AS x(patient_id text, scan_id text, path text, file_mtime timestamptz, labels jsonb)
      WHERE NOT EXISTS (SELECT 1 FROM segmentation_versions v WHERE v.patient_id = x.patient_id AND v.scan_id = x.scan_id AND v.file_mtime = x.file_mtime)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(segs)],
  );
  return removed.rowCount ?? 0;
}

/** Rebuilds the index from the file tree (start-up, the rescan action): adds, updates and removes. */
export async function reconcileIndex(pool: pg.Pool, folders: DataFolders): Promise<ReconcileReport> {
  const t0 = performance.now();
  const [outputIds, dicomIds] = await Promise.all([folderNames(folders.outputFolder), folderNames(folders.dicomFolder)]);
  const dicom = new Set(dicomIds);
  const ids = [...new Set([...outputIds, ...dicomIds])].sort();
  const snaps = await mapLimit(ids, 32, (id) => collectPatient(folders, id, dicom.has(id)));
  const patients = snaps.map((s) => s.patient);
  const scans = snaps.flatMap((s) => s.scans);
  const removedPatients = await inTransaction(pool, (client) => writeSnapshot(client, patients, scans, { all: true }));
  return {
    patients: patients.length,
    scans: scans.length,
    segmentations: scans.filter((s) => s.seg).length,
    removedPatients,
    ms: Math.round(performance.now() - t0),
  };
}

/** Re-reads one patient's folders into the index (after an upload, a job item, a delete). */
export async function reindexPatient(pool: pg.Pool, folders: DataFolders, patient: string): Promise<void> {
  if (!isValidName(patient)) return;
  const hasDicom = await exists(join(folders.dicomFolder, patient));
  const snap = await collectPatient(folders, patient, hasDicom);
  await inTransaction(pool, (client) => writeSnapshot(client, [snap.patient], snap.scans, { ids: [patient] }));
}

/** Patients as the web app lists them, from the index (one indexed query, no folder walk). */
export async function listIndexedPatients(pool: pg.Pool): Promise<IndexedPatient[]> {
  const res = await pool.query<{ id: string; scans: number; segmentations: number; has_dicom: boolean }>(
    'SELECT id, scans, segmentations, has_dicom FROM patients ORDER BY id COLLATE "C"',
  );
  return res.rows.map((r) => ({ id: r.id, scans: r.scans, segmentations: r.segmentations, hasDicom: r.has_dicom }));
}

export interface SegmentationVersion {
  version: number;
  path: string;
  source: string;
  jobId: string | null;
  engine: string | null;
  createdBy: string | null;
  createdAt: string;
  labels: LabelStat[];
}

/** Records a saved label map with its provenance (who/what produced it); returns its version number. */
export async function recordSegmentationVersion(
  pool: pg.Pool,
  folders: DataFolders,
  entry: { patient: string; scan: string; source: string; jobId?: string; engine?: string; createdBy?: string },
): Promise<number | null> {
  await reindexPatient(pool, folders, entry.patient);
  const res = await pool.query<{ version: number }>(
    `UPDATE segmentation_versions SET source = $3, job_id = $4, engine = $5, created_by = $6
      WHERE id = (SELECT id FROM segmentation_versions WHERE patient_id = $1 AND scan_id = $2 ORDER BY version DESC LIMIT 1)
      RETURNING version`,
    [entry.patient, entry.scan, entry.source, entry.jobId ?? null, entry.engine ?? null, entry.createdBy ?? null],
  );
  return res.rows[0]?.version ?? null;
}

export async function segmentationVersions(pool: pg.Pool, patient: string, scan: string): Promise<SegmentationVersion[]> {
  const res = await pool.query(
    `SELECT version, path, source, job_id, engine, created_by, created_at, labels FROM segmentation_versions
      WHERE patient_id = $1 AND scan_id = $2 ORDER BY version`,
    [patient, scan],
  );
  return res.rows.map((r: Record<string, unknown>) => ({
    version: r.version as number,
    path: r.path as string,
    source: r.source as string,
    jobId: (r.job_id as string | null) ?? null,
    engine: (r.engine as string | null) ?? null,
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    labels: r.labels as LabelStat[],
  }));
}
