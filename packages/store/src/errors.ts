export type StoreErrorCode = 'INVALID_NAME' | 'PATIENT_NOT_FOUND' | 'SCAN_NOT_FOUND' | 'SEGMENTATION_NOT_FOUND' | 'GRID_MISMATCH'
  | 'VERSION_NOT_FOUND'
  | 'INVALID_LABEL_MAP'
  | 'CT_CHANGED';

/** A store operation refused: bad name, missing patient/scan, mismatching grids. `code` is stable. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}
