import { join } from 'node:path';
import { labelFileStem } from '@vista3d/labels';
import { StoreError } from './errors.js';

/** Longest patient/scan id accepted (file-system friendly, fits in URLs). */
export const MAX_NAME_LENGTH = 128;

const FORBIDDEN = /[/\\\0:*?"<>|]/;

/**
 * Validates a patient or scan id: non-empty, at most MAX_NAME_LENGTH characters, no path separators
 * or characters Windows file systems reject, no leading dot (hidden/`..`), no control characters,
 * no leading/trailing whitespace. Returns the name; throws StoreError('INVALID_NAME') otherwise.
 */
export function validateName(name: string, kind: 'patient' | 'scan' = 'patient'): string {
  const why = nameProblem(name);
  if (why) throw new StoreError('INVALID_NAME', `invalid ${kind} id ${JSON.stringify(name)}: ${why}`);
  return name;
}

/** Why a name is not a valid id, or null when it is valid. */
export function nameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `longer than ${MAX_NAME_LENGTH} characters`;
  if (name.startsWith('.')) return 'must not start with a dot';
  if (name.includes('..')) return 'must not contain ".."';
  if (FORBIDDEN.test(name)) return 'must not contain path separators or any of : * ? " < > |';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return 'must not contain control characters';
  if (name.trim() !== name) return 'must not start or end with whitespace';
  return null;
}

export function isValidName(name: string): boolean {
  return nameProblem(name) === null;
}

/** Per-scan folders under `<patient>/`: their next segment is a scan id. */
const SCAN_FOLDERS = new Set(['voxels', 'meshes', 'versions']);

/**
 * The first id in a path relative to OUTPUT_FOLDER (`<patient>/nifti/<scan>.nii.gz`,
 * `<patient>/{voxels,meshes,versions}/<scan>/...`) that breaks the id rule, said for people;
 * null when every id in it is valid. What other services check before they serve or write a path,
 * so an id is accepted (and routable) everywhere or nowhere.
 */
export function outputPathProblem(segments: readonly string[]): string | null {
  if (segments.length === 0) return null;
  const ids: Array<{ kind: 'patient' | 'scan'; id: string }> = [{ kind: 'patient', id: segments[0] }];
  const [, folder, third] = segments;
  if (third !== undefined && folder !== undefined) {
    if (SCAN_FOLDERS.has(folder)) ids.push({ kind: 'scan', id: third });
    else if (folder === 'nifti') {
      const stem = /^(.*?)\.(nii\.gz|nii|json)$/i.exec(third)?.[1];
      if (stem !== undefined) ids.push({ kind: 'scan', id: stem });
    }
  }
  for (const { kind, id } of ids) {
    const why = nameProblem(id);
    if (why) return `invalid ${kind} id ${JSON.stringify(id.length > 140 ? `${id.slice(0, 140)}…` : id)}: ${why}`;
  }
  return null;
}

/** Scan id of a NIfTI file name ("ct.nii.gz" → "ct"), or null if it is not .nii/.nii.gz. */
export function scanIdFromFile(file: string): string | null {
  const m = /^(.*)\.nii(\.gz)?$/i.exec(file);
  return m && m[1] ? m[1] : null;
}

export const patientDir = (root: string, patient: string): string => join(root, validateName(patient, 'patient'));
export const niftiDir = (root: string, patient: string): string => join(patientDir(root, patient), 'nifti');
export const niftiPath = (root: string, patient: string, scan: string): string =>
  join(niftiDir(root, patient), `${validateName(scan, 'scan')}.nii.gz`);
export const voxelsRoot = (root: string, patient: string): string => join(patientDir(root, patient), 'voxels');
export const voxelsDir = (root: string, patient: string, scan: string): string =>
  join(voxelsRoot(root, patient), validateName(scan, 'scan'));
export const allLabelsPath = (root: string, patient: string, scan: string): string => join(voxelsDir(root, patient, scan), 'all.nii.gz');
export const labelsJsonPath = (root: string, patient: string, scan: string): string => join(voxelsDir(root, patient, scan), 'labels.json');
/** Per-label binary file: `<patient>/voxels/<scan>/<labelFileStem(name)>.nii.gz`. */
export const labelPath = (root: string, patient: string, scan: string, labelName: string): string =>
  join(voxelsDir(root, patient, scan), `${labelFileStem(labelName)}.nii.gz`);
/** A pending interactive (point-prompt) result: `<patient>/voxels/<scan>/interactive_<stem>.nii.gz`. */
export const interactivePath = (root: string, patient: string, scan: string, labelName: string): string =>
  join(voxelsDir(root, patient, scan), `interactive_${labelFileStem(labelName)}.nii.gz`);
/** Saved segmentation versions of a scan: `<patient>/versions/<scan>/<n>/{all.nii.gz,provenance.json}`. */
export const versionsDir = (root: string, patient: string, scan: string): string =>
  join(patientDir(root, patient), 'versions', validateName(scan, 'scan'));
export const versionDir = (root: string, patient: string, scan: string, version: number): string =>
  join(versionsDir(root, patient, scan), String(version));
export const meshesDir = (root: string, patient: string, scan: string): string =>
  join(patientDir(root, patient), 'meshes', validateName(scan, 'scan'));

/** URL path (relative to the image server's /output/) of a file under OUTPUT_FOLDER. */
export function outputUrlPath(...segments: string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}
