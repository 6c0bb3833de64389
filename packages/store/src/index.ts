export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export {
  MAX_NAME_LENGTH,
  validateName,
  nameProblem,
  isValidName,
  scanIdFromFile,
  outputPathProblem,
  patientDir,
  niftiDir,
  niftiPath,
  voxelsRoot,
  voxelsDir,
  allLabelsPath,
  labelsJsonPath,
  labelPath,
  interactivePath,
  meshesDir,
  versionsDir,
  versionDir,
  outputUrlPath,
} from './paths.js';
export { swapFolder } from './swap-folder.js';
export { labelStats, labelName, saveSegmentation, saveSegmentationVersion, readLabelStats, mergeLabelMask, cleanStaging, asUint8Labels } from './segmentation.js';
export type { LabelStat, LabelsFile, SaveSegmentationOptions, SavedSegmentation } from './segmentation.js';
export { listVersions, getVersion, versionLabelPath, currentVersionNumber } from './versions.js';
export { ctFingerprint, ctUnchanged, sameCt } from './ct-fingerprint.js';
export type { CtFingerprint, SegmentationVersionInfo, VersionProvenance, VersionProvenanceInput, VersionPrompt, VersionSource } from './versions.js';
export { compareLabelMaps, labelIntensityStats } from './label-metrics.js';
export type { LabelComparison, LabelIntensityStat } from './label-metrics.js';
export { saveEditedVersion, compareVersions, versionStatistics, EDIT_DATATYPES } from './version-ops.js';
export type { VersionComparison, VersionStatistics, SaveEditedOptions } from './version-ops.js';
export {
  listPatients,
  listScans,
  scanIds,
  scanInfo,
  findScanFile,
  patientExists,
  meshLabelId,
  deleteScan,
  deletePatient,
} from './listing.js';
export type { PatientSummary, ScanInfo, MeshFile } from './listing.js';
export { readSidecar, sidecarMetadata } from './sidecar.js';
export type { ScanMetadata, Sidecar } from './sidecar.js';
export { sweepLeftovers, isLeftoverName, LEFTOVER_PATTERNS } from './sweep.js';
export type { SweepOptions } from './sweep.js';
export { archiveScanDerivatives, archiveRoot } from './archive.js';
export { withScanLock } from './versions.js';
