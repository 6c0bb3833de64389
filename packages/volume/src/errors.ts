export type NiftiErrorCode =
  | 'BAD_MAGIC'
  | 'BAD_HEADER'
  | 'BAD_DIMS'
  | 'BAD_VOX_OFFSET'
  | 'UNSUPPORTED_DATATYPE'
  | 'TRUNCATED'
  | 'CORRUPT_GZIP'
  | 'TOO_LARGE'
  | 'INCONSISTENT'
  | 'NOT_3D'
  | 'BAD_SPACING'
  | 'INFLATED_SIZE_MISMATCH';

/** A NIfTI file that cannot be read or written; `code` says why, the message says it for people. */
export class NiftiError extends Error {
  readonly code: NiftiErrorCode;
  constructor(code: NiftiErrorCode, message: string) {
    super(message);
    this.name = 'NiftiError';
    this.code = code;
  }
}
