export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export {
  MAX_NAME_LENGTH,
  validateName,
  nameProblem,
  isValidName,
  scanIdFromFile,
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
  outputUrlPath,
} from './paths.js';
export { swapFolder } from './swap-folder.js';
export { labelStats, labelName, saveSegmentation, readLabelStats, mergeLabelMask, cleanStaging } from './segmentation.js';
export type { LabelStat, LabelsFile, SaveSegmentationOptions } from './segmentation.js';
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
