import { affinesEqual, readNifti, readNiftiHeader } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { ctFingerprint, ctUnchanged, sameCt } from './ct-fingerprint.js';
import { StoreError } from './errors.js';
import { compareLabelMaps, labelIntensityStats } from './label-metrics.js';
import type { LabelComparison, LabelIntensityStat } from './label-metrics.js';
import { findScanFile } from './listing.js';
import { asUint8Labels, saveSegmentationVersion } from './segmentation.js';
import type { LabelStat } from './segmentation.js';
import { getVersion, versionLabelPath } from './versions.js';
import type { SegmentationVersionInfo, VersionProvenanceInput } from './versions.js';

/** Datatypes an edited label map may have (ids must still fit 0..255). */
export const EDIT_DATATYPES = ['uint8', 'uint16'] as const;

async function ctFile(root: string, patient: string, scan: string): Promise<string> {
  const file = await findScanFile(root, patient, scan);
  if (!file) throw new StoreError('SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
  return file;
}

export interface SaveEditedOptions {
  /** sha256 of the CT file the editor drew on (as versions record it in `ct`); another CT → CT_CHANGED. */
  expectedCtSha256?: string;
}

/**
 * Validates an edited label map (a NIfTI file) against the scan's CT — same dims and affine, uint8
 * or uint16, one frame, ids 0..255, no intensity scaling — and saves it as a new version that records
 * the CT's fingerprint. Refused with CT_CHANGED when the CT is not the one the edit was drawn on: not
 * the `expectedCtSha256`, not the CT of the `basedOn` version, or replaced while this save ran.
 */
export async function saveEditedVersion(
  root: string,
  patient: string,
  scan: string,
  file: string,
  provenance: VersionProvenanceInput,
  options: SaveEditedOptions = {},
): Promise<{ version: SegmentationVersionInfo; stats: LabelStat[] }> {
  const ctPath = await ctFile(root, patient, scan);
  const fingerprint = await ctFingerprint(ctPath);
  const what = `the CT ${patient}/${scan}`;
  if (options.expectedCtSha256 !== undefined && options.expectedCtSha256.toLowerCase() !== fingerprint.sha256) {
    throw new StoreError('CT_CHANGED', `${what} is not the one this edit was drawn on (it was replaced); nothing was saved — reload the scan and edit again`);
  }
  if (typeof provenance.basedOn === 'number') {
    const based = await getVersion(root, patient, scan, provenance.basedOn);
    if (based.ct && !sameCt(based.ct, fingerprint)) {
      throw new StoreError('CT_CHANGED', `version ${provenance.basedOn} was computed from another CT than ${what} holds now; nothing was saved`);
    }
  }
  const ct = await readNiftiHeader(ctPath);
  const nvox = ct.dims[0] * ct.dims[1] * ct.dims[2];
  const header = await readNiftiHeader(file);
  if (!(EDIT_DATATYPES as readonly string[]).includes(header.datatype)) {
    throw new StoreError('INVALID_LABEL_MAP', `label map datatype ${header.datatype} is not accepted; use ${EDIT_DATATYPES.join(' or ')}`);
  }
  const vol = await readNifti(file, { maxVoxels: nvox, maxBytes: nvox * 2 });
  if (vol.frames !== 1) throw new StoreError('INVALID_LABEL_MAP', `label map has ${vol.frames} frames; one 3D volume is expected`);
  if (!vol.dims.every((d, i) => d === ct.dims[i])) {
    throw new StoreError('GRID_MISMATCH', `label map grid ${vol.dims.join('×')} does not match the CT ${ct.dims.join('×')}`);
  }
  // NiiVue and other tools write float32 srows: allow 1e-3 mm of rounding.
  if (!affinesEqual(vol.affine, ct.affine, 1e-3)) {
    throw new StoreError('GRID_MISMATCH', 'label map affine (voxel → world) does not match the CT; it must be drawn on the CT grid');
  }
  const slope = vol.scl.slope === 0 ? 1 : vol.scl.slope;
  if (slope !== 1 || vol.scl.inter !== 0) throw new StoreError('INVALID_LABEL_MAP', `label map has intensity scaling (slope ${vol.scl.slope}, inter ${vol.scl.inter}); store label ids directly`);
  const d = vol.data;
  for (let i = 0; i < d.length; i++) {
    if (d[i]! > 255) throw new StoreError('INVALID_LABEL_MAP', `label id ${d[i]} at voxel ${i} is above 255`);
  }
  const saved = await saveSegmentationVersion(root, patient, scan, { ...vol, affine: ct.affine }, {
    provenance: { ...provenance, ct: fingerprint },
    verify: async () => {
      if (!(await ctUnchanged(ctPath, fingerprint))) throw new StoreError('CT_CHANGED', `${what} was replaced while this edit was being saved; nothing was saved`);
    },
  });
  return { version: await getVersion(root, patient, scan, saved.version.version), stats: saved.stats };
}

async function versionLabels(root: string, patient: string, scan: string, version: number): Promise<Volume<Uint8Array>> {
  return asUint8Labels(await readNifti(await versionLabelPath(root, patient, scan, version)));
}

export interface VersionComparison {
  a: number;
  b: number;
  labels: LabelComparison[];
}

/** Per-label Dice and volume difference between versions a and b of a scan's segmentation. */
export async function compareVersions(root: string, patient: string, scan: string, a: number, b: number): Promise<VersionComparison> {
  const [va, vb] = await Promise.all([versionLabels(root, patient, scan, a), versionLabels(root, patient, scan, b)]);
  if (!va.dims.every((d, i) => d === vb.dims[i])) throw new StoreError('GRID_MISMATCH', `versions ${a} and ${b} have different grids`);
  return { a, b, labels: compareLabelMaps(va, vb) };
}

export interface VersionStatistics {
  version: number;
  labels: LabelIntensityStat[];
}

/** Voxels, volume (mL) and HU mean/SD/min/max per label of one version over the scan's CT. */
export async function versionStatistics(root: string, patient: string, scan: string, version: number): Promise<VersionStatistics> {
  const [labels, ct] = await Promise.all([versionLabels(root, patient, scan, version), ctFile(root, patient, scan).then((f) => readNifti(f))]);
  if (!labels.dims.every((d, i) => d === ct.dims[i])) throw new StoreError('GRID_MISMATCH', `version ${version} grid ${labels.dims.join('×')} does not match the CT ${ct.dims.join('×')}`);
  return { version, labels: labelIntensityStats(labels, ct) };
}
