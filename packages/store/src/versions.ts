import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@vista3d/volume';
import { StoreError } from './errors.js';
import { allLabelsPath, labelsJsonPath, versionDir, versionsDir } from './paths.js';
import type { LabelStat, LabelsFile } from './segmentation.js';

/**
 * Segmentation versions. Every save of a scan's label map adds an immutable folder
 * `<patient>/versions/<scan>/<n>/` (n = 1, 2, …) holding `all.nii.gz` (a hard link to the file that
 * became current, or a copy where links are impossible) and `provenance.json`. The current files in
 * `voxels/<scan>/` stay the newest version (their `labels.json` names it as `segmentationVersion`),
 * so every reader of the earlier layout keeps working. Nothing in a version folder is ever rewritten.
 */

/** A point prompt that produced a version (interactive segmentation). */
export interface VersionPrompt {
  class: string | number;
  points: Array<[number, number, number]>;
  pointLabels?: Array<0 | 1>;
}

/**
 * Where a version came from: `segment-job` (automatic, engine/job named), `interactive` (point
 * prompts accepted), `manual-edit` (label editor), `cli`, `file-tree` (a label map found on disk
 * that no save recorded), `dicom-seg-import` (a DICOM SEG imported onto the scan), `unspecified`.
 */
export type VersionSource = 'segment-job' | 'interactive' | 'manual-edit' | 'cli' | 'file-tree' | 'dicom-seg-import' | 'unspecified';

export interface VersionProvenanceInput {
  /** User name, or 'anonymous' without login; 'system' for jobs nobody started by hand. */
  createdBy?: string;
  source?: VersionSource;
  /** Version this one was derived from; default: the version that was current when saving. */
  basedOn?: number | null;
  engine?: string;
  model?: string;
  jobId?: string;
  classes?: Array<string | number>;
  prompts?: VersionPrompt[];
  comment?: string;
  /** The CT file the label map was computed from (see ctFingerprint). */
  ct?: CtFingerprint;
}

/** Identifies the CT file a segmentation was computed from: content hash, size and modification time. */
export interface CtFingerprint {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** Contents of `versions/<scan>/<n>/provenance.json`: the input as saved, its defaults filled in. */
export interface VersionProvenance extends VersionProvenanceInput {
  version: number;
  createdAt: string;
  createdBy: string;
  source: VersionSource;
  basedOn: number | null;
  dims: [number, number, number];
  spacing: [number, number, number];
  labels: LabelStat[];
}

export interface SegmentationVersionInfo extends VersionProvenance {
  /** The version the files in `voxels/<scan>/` hold. */
  current: boolean;
  /** False for a label map found in `voxels/<scan>/` that has no version folder yet (made by the next save). */
  stored: boolean;
  /** The label map, relative to OUTPUT_FOLDER (`<patient>/versions/<scan>/<n>/all.nii.gz`, or the current file). */
  file: string;
}

const isVersionName = (n: string): boolean => /^[1-9]\d{0,8}$/.test(n);

async function storedNumbers(root: string, patient: string, scan: string): Promise<number[]> {
  const names = await readdir(versionsDir(root, patient, scan)).catch(() => [] as string[]);
  return names.filter(isVersionName).map(Number).sort((a, b) => a - b);
}

async function readProvenance(root: string, patient: string, scan: string, n: number): Promise<VersionProvenance | null> {
  try {
    const p = JSON.parse(await readFile(join(versionDir(root, patient, scan, n), 'provenance.json'), 'utf8')) as VersionProvenance;
    return p && p.version === n ? p : null;
  } catch {
    return null;
  }
}

/** The current files: whether they exist and which stored version they are (null: none recorded). */
async function currentState(root: string, patient: string, scan: string): Promise<{ exists: boolean; version: number | null; mtime: Date | null; labels: LabelStat[]; file: Partial<LabelsFile> }> {
  const st = await stat(allLabelsPath(root, patient, scan)).catch(() => null);
  if (!st) return { exists: false, version: null, mtime: null, labels: [], file: {} };
  let file: Partial<LabelsFile> = {};
  try {
    file = JSON.parse(await readFile(labelsJsonPath(root, patient, scan), 'utf8')) as Partial<LabelsFile>;
  } catch {
    /* no labels.json: an unversioned label map */
  }
  const v = file.segmentationVersion;
  const recorded = typeof v === 'number' && (await stat(join(versionDir(root, patient, scan, v), 'all.nii.gz')).then(() => true, () => false));
  return { exists: true, version: recorded ? v : null, mtime: st.mtime, labels: Array.isArray(file.labels) ? file.labels : [], file };
}

const relStored = (patient: string, scan: string, n: number): string => `${patient}/versions/${scan}/${n}/all.nii.gz`;
const relCurrent = (patient: string, scan: string): string => `${patient}/voxels/${scan}/all.nii.gz`;

/** Every version of a scan's segmentation, oldest first (empty when it has none). */
export async function listVersions(root: string, patient: string, scan: string): Promise<SegmentationVersionInfo[]> {
  const numbers = await storedNumbers(root, patient, scan);
  const cur = await currentState(root, patient, scan);
  const out: SegmentationVersionInfo[] = [];
  for (const n of numbers) {
    const p = await readProvenance(root, patient, scan, n);
    if (p) out.push({ ...p, current: cur.version === n, stored: true, file: relStored(patient, scan, n) });
  }
  if (cur.exists && cur.version === null) out.push(unstoredCurrent(patient, scan, numbers.at(-1) ?? 0, cur));
  return out;
}

function unstoredCurrent(patient: string, scan: string, latest: number, cur: Awaited<ReturnType<typeof currentState>>): SegmentationVersionInfo {
  return {
    version: latest + 1,
    createdAt: (cur.mtime ?? new Date()).toISOString(),
    createdBy: 'unknown',
    source: 'file-tree',
    basedOn: null,
    dims: (cur.file.dims ?? [0, 0, 0]) as [number, number, number],
    spacing: (cur.file.spacing ?? [0, 0, 0]) as [number, number, number],
    labels: cur.labels,
    current: true,
    stored: false,
    file: relCurrent(patient, scan),
  };
}

/** One version (throws StoreError VERSION_NOT_FOUND). */
export async function getVersion(root: string, patient: string, scan: string, version: number): Promise<SegmentationVersionInfo> {
  const found = (await listVersions(root, patient, scan)).find((v) => v.version === version);
  if (!found) throw new StoreError('VERSION_NOT_FOUND', `segmentation version ${version} of ${patient}/${scan} does not exist`);
  return found;
}

/** Absolute path of a version's label map. */
export async function versionLabelPath(root: string, patient: string, scan: string, version: number): Promise<string> {
  const v = await getVersion(root, patient, scan, version);
  return v.stored ? join(versionDir(root, patient, scan, version), 'all.nii.gz') : allLabelsPath(root, patient, scan);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/**
 * Adds `labelFile` as the next version: written into a hidden staging folder, then renamed to its
 * number. A rename onto a number another writer took first fails (ENOTEMPTY/EEXIST) and the next
 * number is tried, so concurrent savers never overwrite each other's versions.
 */
async function storeVersion(
  root: string,
  patient: string,
  scan: string,
  labelFile: string,
  meta: Omit<VersionProvenance, 'version'>,
): Promise<VersionProvenance> {
  const dir = versionsDir(root, patient, scan);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.staging-${process.pid}-${randomUUID().slice(0, 8)}`);
  await mkdir(tmp);
  try {
    await linkOrCopy(labelFile, join(tmp, 'all.nii.gz'));
    for (let attempt = 0; attempt < 100; attempt++) {
      const n = ((await storedNumbers(root, patient, scan)).at(-1) ?? 0) + 1;
      const prov: VersionProvenance = { version: n, ...meta };
      await writeFileAtomic(join(tmp, 'provenance.json'), Buffer.from(JSON.stringify(prov, null, 2)));
      try {
        await rename(tmp, join(dir, String(n)));
        return prov;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
    }
    throw new Error(`could not claim a version number for ${patient}/${scan}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface VersionDraft {
  /** The complete new label map (the staging copy of `all.nii.gz`). */
  labelFile: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  labels: LabelStat[];
  provenance: VersionProvenanceInput;
}

/**
 * Records a new version for a save that is about to become current. A current label map without a
 * version (written before versions existed, or behind the platform's back) is kept first as its own
 * `file-tree` version, so no saved state is ever lost. Returns the new version's provenance.
 */
export async function recordNewVersion(root: string, patient: string, scan: string, draft: VersionDraft): Promise<VersionProvenance> {
  const cur = await currentState(root, patient, scan);
  let currentVersion = cur.version;
  if (cur.exists && cur.version === null) {
    const latest = (await storedNumbers(root, patient, scan)).at(-1) ?? null;
    const kept = unstoredCurrent(patient, scan, latest ?? 0, cur);
    const legacy = await storeVersion(root, patient, scan, allLabelsPath(root, patient, scan), {
      createdAt: kept.createdAt,
      createdBy: kept.createdBy,
      source: 'file-tree',
      basedOn: latest,
      dims: kept.dims,
      spacing: kept.spacing,
      labels: kept.labels,
    });
    currentVersion = legacy.version;
  }
  const p = draft.provenance;
  return storeVersion(root, patient, scan, draft.labelFile, {
    createdAt: new Date().toISOString(),
    createdBy: p.createdBy ?? 'anonymous',
    source: p.source ?? 'unspecified',
    basedOn: p.basedOn === undefined ? currentVersion : p.basedOn,
    ...(p.engine ? { engine: p.engine } : {}),
    ...(p.model ? { model: p.model } : {}),
    ...(p.jobId ? { jobId: p.jobId } : {}),
    ...(p.classes?.length ? { classes: p.classes } : {}),
    ...(p.prompts?.length ? { prompts: p.prompts } : {}),
    ...(p.comment ? { comment: p.comment } : {}),
    ...(p.ct ? { ct: p.ct } : {}),
    dims: draft.dims,
    spacing: draft.spacing,
    labels: draft.labels,
  });
}

/** The current version number of a scan (null: no segmentation, or one not recorded as a version yet). */
export async function currentVersionNumber(root: string, patient: string, scan: string): Promise<number | null> {
  return (await currentState(root, patient, scan)).version;
}

const locks = new Map<string, Promise<unknown>>();

/** Runs saves of one scan one after another within this process (versions across processes: see storeVersion). */
export function withScanLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  locks.set(key, tail);
  void tail.then(() => {
    if (locks.get(key) === tail) locks.delete(key);
  });
  return next;
}
