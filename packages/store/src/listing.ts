import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS, labelFileStem } from '@vista3d/labels';
import { orientationCode, readNiftiHeader } from '@vista3d/volume';
import type { Datatype, Vec3 } from '@vista3d/volume';
import { StoreError } from './errors.js';
import { readSidecar, type ScanMetadata } from './sidecar.js';
import { currentVersionNumber } from './versions.js';
import { allLabelsPath, isValidName, meshesDir, niftiDir, niftiPath, patientDir, scanIdFromFile, validateName, versionsDir, voxelsDir } from './paths.js';
import { readLabelStats } from './segmentation.js';
import type { LabelStat } from './segmentation.js';

export interface PatientSummary {
  id: string;
  /** Number of CT volumes in `nifti/`. */
  scans: number;
  /** Number of scans with `voxels/<scan>/all.nii.gz`. */
  segmentations: number;
}

export interface MeshFile {
  /** File name inside `meshes/<scan>/` (may include sub-folders, '/'-separated). */
  file: string;
  format: string;
  /** Label id when the file name is a known label stem or `<id>_...`/`label_<id>`. */
  labelId?: number;
  sizeBytes: number;
}

export interface ScanInfo {
  id: string;
  /** File name inside `nifti/`, e.g. `ct.nii.gz`. */
  file: string;
  path: string;
  sizeBytes: number;
  modifiedAt: string;
  dims: Vec3 | null;
  spacing: Vec3 | null;
  datatype: Datatype | null;
  orientation: string | null;
  /** Why the header could not be read (dims etc. are null then). */
  error?: string;
  /** Conversion warnings stored in the `<scan>.json` sidecar (gantry tilt corrected, uneven gaps, …). */
  warnings: string[];
  /** Study/series facts from the same sidecar (modality, date, description, slice thickness, kernel, …). */
  metadata: ScanMetadata;
  /** `version`: the segmentation version the current files are (absent before versions existed). */
  segmentation: null | { path: string; labels: LabelStat[]; version?: number };
  meshes: MeshFile[];
}

async function dirEntries(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Patient folders under `root` (valid ids only; hidden folders such as `.jobs` are skipped), sorted. */
export async function listPatients(root: string): Promise<PatientSummary[]> {
  const entries = await dirEntries(root);
  const ids = entries.filter((e) => e.isDirectory() && isValidName(e.name)).map((e) => e.name).sort();
  return Promise.all(
    ids.map(async (id) => {
      const scans = await scanIds(root, id);
      let segmentations = 0;
      for (const s of scans) if (await exists(allLabelsPath(root, id, s))) segmentations++;
      return { id, scans: scans.length, segmentations };
    }),
  );
}

export async function patientExists(root: string, patient: string): Promise<boolean> {
  return (await stat(patientDir(root, patient)).catch(() => null))?.isDirectory() ?? false;
}

/** Scan ids (NIfTI files in `nifti/`, `.nii.gz` preferred over `.nii`), sorted. */
export async function scanIds(root: string, patient: string): Promise<string[]> {
  const entries = await dirEntries(niftiDir(root, patient));
  const ids = new Set<string>();
  for (const e of entries) {
    if (!e.isFile()) continue;
    const id = scanIdFromFile(e.name);
    if (id && isValidName(id)) ids.add(id);
  }
  return [...ids].sort();
}

/** Path of a scan's CT (`.nii.gz`, or `.nii` when only that exists), or null. */
export async function findScanFile(root: string, patient: string, scan: string): Promise<string | null> {
  const gz = niftiPath(root, patient, scan);
  if (await exists(gz)) return gz;
  const raw = join(niftiDir(root, patient), `${validateName(scan, 'scan')}.nii`);
  return (await exists(raw)) ? raw : null;
}

const MESH_FORMATS = new Set(['glb', 'gltf', 'obj', 'stl', 'ply', 'vtk']);

async function listMeshes(root: string, patient: string, scan: string): Promise<MeshFile[]> {
  const base = meshesDir(root, patient, scan);
  const out: MeshFile[] = [];
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    for (const e of await dirEntries(dir)) {
      if (e.name.startsWith('.')) continue;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory() && depth < 3) await walk(join(dir, e.name), rel, depth + 1);
      else if (e.isFile()) {
        const ext = /\.([a-z0-9]+)$/i.exec(e.name)?.[1]?.toLowerCase();
        if (!ext || !MESH_FORMATS.has(ext)) continue;
        const st = await stat(join(dir, e.name));
        const mesh: MeshFile = { file: rel, format: ext, sizeBytes: st.size };
        const labelId = meshLabelId(e.name);
        if (labelId !== undefined) mesh.labelId = labelId;
        out.push(mesh);
      }
    }
  };
  await walk(base, '', 0);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

const stemIndex = new Map(LABELS.map((l) => [labelFileStem(l.name), l.id]));

/** Label id a mesh file name refers to: `<label_stem>.<ext>`, `label_<id>.<ext>` or `<id>_<stem>.<ext>`. */
export function meshLabelId(file: string): number | undefined {
  const stem = file.replace(/\.[^.]+$/, '').toLowerCase();
  const byStem = stemIndex.get(stem);
  if (byStem !== undefined) return byStem;
  const m = /^(?:label_)?(\d{1,3})(?:_|$)/.exec(stem);
  return m ? Number(m[1]) : undefined;
}

/** Scans of a patient with sizes, NIfTI header info, segmentation stats and meshes. */
export async function listScans(root: string, patient: string): Promise<ScanInfo[]> {
  if (!(await patientExists(root, patient))) throw new StoreError('PATIENT_NOT_FOUND', `no patient "${patient}"`);
  const ids = await scanIds(root, patient);
  return Promise.all(ids.map((id) => scanInfo(root, patient, id)));
}

/** One scan's info; throws StoreError('SCAN_NOT_FOUND') when there is no CT for it. */
export async function scanInfo(root: string, patient: string, scan: string): Promise<ScanInfo> {
  const path = await findScanFile(root, patient, scan);
  if (!path) throw new StoreError('SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
  const st = await stat(path);
  const info: ScanInfo = {
    id: scan,
    file: path.slice(niftiDir(root, patient).length + 1),
    path,
    sizeBytes: st.size,
    modifiedAt: st.mtime.toISOString(),
    dims: null,
    spacing: null,
    datatype: null,
    orientation: null,
    ...(await readSidecar(path)),
    segmentation: null,
    meshes: await listMeshes(root, patient, scan),
  };
  try {
    const h = await readNiftiHeader(path);
    info.dims = h.dims;
    info.spacing = h.spacing;
    info.datatype = h.datatype;
    info.orientation = orientationCode(h.affine);
  } catch (err) {
    info.error = (err as Error).message;
  }
  const all = allLabelsPath(root, patient, scan);
  if (await exists(all)) {
    const version = await currentVersionNumber(root, patient, scan);
    info.segmentation = { path: all, labels: (await readLabelStats(root, patient, scan)) ?? [], ...(version !== null ? { version } : {}) };
  }
  return info;
}

/** Deletes a scan: its CT (+ sidecars named `<scan>.*`), segmentation and meshes. */
export async function deleteScan(root: string, patient: string, scan: string): Promise<void> {
  if (!(await findScanFile(root, patient, scan))) throw new StoreError('SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
  const dir = niftiDir(root, patient);
  for (const e of await dirEntries(dir)) {
    if (e.isFile() && (e.name.startsWith(`${scan}.`) && (scanIdFromFile(e.name) === scan || e.name === `${scan}.json`))) {
      await rm(join(dir, e.name), { force: true });
    }
  }
  await rm(voxelsDir(root, patient, scan), { recursive: true, force: true });
  await rm(meshesDir(root, patient, scan), { recursive: true, force: true });
  await rm(versionsDir(root, patient, scan), { recursive: true, force: true });
}

/** Deletes a patient's whole output folder. */
export async function deletePatient(root: string, patient: string): Promise<void> {
  if (!(await patientExists(root, patient))) throw new StoreError('PATIENT_NOT_FOUND', `no patient "${patient}"`);
  await rm(patientDir(root, patient), { recursive: true, force: true });
}
