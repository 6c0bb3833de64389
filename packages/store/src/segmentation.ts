import { mkdir, readFile, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { labelById, labelColor, labelFileStem } from '@vista3d/labels';
import type { Rgb } from '@vista3d/labels';
import { affinesEqual, createVolumeLike, readNifti, voxelVolumeMl, writeFileAtomic, writeNifti } from '@vista3d/volume';
import type { Volume, VoxelArray } from '@vista3d/volume';
import { StoreError } from './errors.js';
import { swapFolder } from './swap-folder.js';
import { allLabelsPath, labelsJsonPath, voxelsDir, voxelsRoot } from './paths.js';
import { recordNewVersion, withScanLock } from './versions.js';
import type { CtFingerprint, VersionProvenance, VersionProvenanceInput } from './versions.js';

/** Per-label statistics of a label map. */
export interface LabelStat {
  id: number;
  name: string;
  color: Rgb;
  voxels: number;
  volumeMl: number;
  /** File name of the binary per-label mask inside `voxels/<scan>/`. */
  file: string;
}

/** Contents of `voxels/<scan>/labels.json`. */
export interface LabelsFile {
  version: 1;
  createdAt: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  labels: LabelStat[];
  /** The version these files are (`<patient>/versions/<scan>/<n>/`); absent before versions existed. */
  segmentationVersion?: number;
  /** The CT file this label map was computed from, when known. */
  ct?: CtFingerprint;
}

/** Name used for a label id; ids outside the dictionary become "label <id>". */
export function labelName(id: number): string {
  return labelById(id)?.name ?? `label ${id}`;
}

function labelColorOf(id: number): Rgb {
  try {
    return labelColor(id);
  } catch {
    return [255, 255, 0];
  }
}

/** Voxel counts per label id (background 0 excluded), sorted by id, with volumes in ml. */
export function labelStats(labels: Volume<VoxelArray>): LabelStat[] {
  const counts = new Map<number, number>();
  const d = labels.data;
  const n = labels.dims[0] * labels.dims[1] * labels.dims[2];
  if (d instanceof Uint8Array) {
    const hist = new Float64Array(256);
    for (let i = 0; i < n; i++) hist[d[i]]++;
    for (let v = 1; v < 256; v++) if (hist[v] > 0) counts.set(v, hist[v]);
  } else {
    for (let i = 0; i < n; i++) {
      const v = Math.round(d[i]);
      if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  const ml = voxelVolumeMl(labels);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, voxels]) => {
      const name = labelName(id);
      return { id, name, color: labelColorOf(id), voxels, volumeMl: round(voxels * ml), file: `${labelFileStem(name)}.nii.gz` };
    });
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function binaryMask(labels: Volume<VoxelArray>, id: number): Volume<Uint8Array> {
  const n = labels.dims[0] * labels.dims[1] * labels.dims[2];
  const mask = new Uint8Array(n);
  const d = labels.data;
  for (let i = 0; i < n; i++) if (d[i] === id) mask[i] = 1;
  return createVolumeLike(labels, 'uint8', mask, labelName(id).slice(0, 79));
}

export function asUint8Labels(labels: Volume<VoxelArray>): Volume<Uint8Array> {
  if (labels.datatype === 'uint8' && labels.data instanceof Uint8Array && labels.frames === 1) {
    return labels as Volume<Uint8Array>;
  }
  const n = labels.dims[0] * labels.dims[1] * labels.dims[2];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.round(labels.data[i] * labels.scl.slope + labels.scl.inter);
    if (v < 0 || v > 255) throw new StoreError('GRID_MISMATCH', `label value ${v} does not fit in uint8`);
    out[i] = v;
  }
  return createVolumeLike(labels, 'uint8', out);
}

export interface SaveSegmentationOptions {
  /** gzip level for the files; label maps compress well at 1 (default). */
  level?: number;
  signal?: AbortSignal;
  /** Who and what produced this label map (recorded with the new version). */
  provenance?: VersionProvenanceInput;
  /**
   * Called under the scan's lock after the files are written and before anything becomes visible;
   * throwing refuses the save (e.g. the CT changed since the label map was computed).
   */
  verify?: () => Promise<void>;
}

export interface SavedSegmentation {
  stats: LabelStat[];
  /** The version this save created. */
  version: VersionProvenance;
}

/**
 * Saves a label map as `voxels/<scan>/all.nii.gz`, one binary uint8 file per present label and
 * `labels.json`, and returns the per-label stats. Every save is a new immutable version
 * (`<patient>/versions/<scan>/<n>/`, see versions.ts) with the provenance given in `options`.
 * Everything is written into a staging folder first and swapped in with renames, so readers see
 * either the old or the new segmentation, never a mixture, and a failure (or abort) before the
 * version is recorded leaves the previous one untouched.
 */
export async function saveSegmentation(
  root: string,
  patient: string,
  scan: string,
  labelVolume: Volume<VoxelArray>,
  options: SaveSegmentationOptions = {},
): Promise<LabelStat[]> {
  return (await saveSegmentationVersion(root, patient, scan, labelVolume, options)).stats;
}

/** saveSegmentation that also answers the version it created. */
export async function saveSegmentationVersion(
  root: string,
  patient: string,
  scan: string,
  labelVolume: Volume<VoxelArray>,
  options: SaveSegmentationOptions = {},
): Promise<SavedSegmentation> {
  const labels = asUint8Labels(labelVolume);
  const stats = labelStats(labels);
  const target = voxelsDir(root, patient, scan);
  const parent = voxelsRoot(root, patient);
  return withScanLock(target, async () => {
    await mkdir(parent, { recursive: true });
    const token = `${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 8)}`;
    const staging = join(parent, `.${scan}.staging-${token}`);
    const level = options.level ?? 1;
    try {
      await mkdir(staging, { recursive: true });
      await writeNifti(join(staging, 'all.nii.gz'), labels, { level });
      for (const s of stats) {
        options.signal?.throwIfAborted();
        await writeNifti(join(staging, s.file), binaryMask(labels, s.id), { level });
      }
      options.signal?.throwIfAborted();
      const dims: [number, number, number] = [...labels.dims];
      const spacing: [number, number, number] = [...labels.spacing];
      await options.verify?.();
      const version = await recordNewVersion(root, patient, scan, {
        labelFile: join(staging, 'all.nii.gz'),
        dims,
        spacing,
        labels: stats,
        provenance: options.provenance ?? {},
      });
      const file: LabelsFile = { version: 1, createdAt: version.createdAt, dims, spacing, labels: stats, segmentationVersion: version.version, ...(options.provenance?.ct ? { ct: options.provenance.ct } : {}) };
      await writeFileAtomic(join(staging, 'labels.json'), Buffer.from(JSON.stringify(file, null, 2)));
      await swapFolder(staging, target);
      return { stats, version };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });
}

/** Stats saved with a segmentation (`labels.json`), or null when the scan has none. */
export async function readLabelStats(root: string, patient: string, scan: string): Promise<LabelStat[] | null> {
  try {
    const parsed = JSON.parse(await readFile(labelsJsonPath(root, patient, scan), 'utf8')) as Partial<LabelsFile>;
    return Array.isArray(parsed.labels) ? parsed.labels : null;
  } catch {
    return null;
  }
}

/**
 * Merges a binary mask into the scan's segmentation as label `labelId`: voxels that had
 * `labelId` before are cleared, mask voxels get `labelId`. Creates the segmentation when there
 * is none (`reference` gives the grid then). Rewrites all files atomically via saveSegmentation.
 */
export async function mergeLabelMask(
  root: string,
  patient: string,
  scan: string,
  mask: Volume<VoxelArray>,
  labelId: number,
  options: SaveSegmentationOptions = {},
): Promise<LabelStat[]> {
  if (!Number.isInteger(labelId) || labelId < 1 || labelId > 255) {
    throw new StoreError('GRID_MISMATCH', `label id ${labelId} must be an integer 1..255`);
  }
  let current: Volume<Uint8Array>;
  try {
    current = asUint8Labels(await readNifti(allLabelsPath(root, patient, scan)));
    current = createVolumeLike(current, 'uint8', new Uint8Array(current.data));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    current = createVolumeLike(mask, 'uint8');
  }
  const n = current.dims[0] * current.dims[1] * current.dims[2];
  const sameDims = mask.dims.every((v, i) => v === current.dims[i]);
  if (!sameDims || !affinesEqual(mask.affine, current.affine)) {
    throw new StoreError('GRID_MISMATCH', `mask grid ${mask.dims.join('x')} does not match the segmentation ${current.dims.join('x')}`);
  }
  const d = current.data;
  for (let i = 0; i < n; i++) {
    if (mask.data[i] !== 0) d[i] = labelId;
    else if (d[i] === labelId) d[i] = 0;
  }
  return saveSegmentation(root, patient, scan, current, options);
}

/** Removes leftover staging folders (from a crash) under a patient's voxels folder. */
export async function cleanStaging(root: string, patient: string): Promise<void> {
  const parent = voxelsRoot(root, patient);
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => /^\..+\.(staging|old)-/.test(n)).map((n) => rm(join(parent, n), { recursive: true, force: true })),
  );
}

