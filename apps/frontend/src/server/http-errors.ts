import { HttpError } from '@vista3d/service-kit';
import { StoreError } from '@vista3d/store';
import { NiftiError } from '@vista3d/volume';
import { BackendError } from './backend-client.js';
import { JobFailure } from './jobs.js';

/** Maps library errors to HTTP errors with a status that says whose fault it is; others pass through. */
export function toHttpError(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) {
    const status = err.code === 'INVALID_NAME' ? 400 : err.code === 'GRID_MISMATCH' || err.code === 'CT_CHANGED' ? 409 : err.code === 'INVALID_LABEL_MAP' ? 422 : 404;
    return new HttpError(status, err.code, err.message);
  }
  if (err instanceof NiftiError) return new HttpError(422, `INVALID_NIFTI`, `${err.message} (${err.code})`);
  if (err instanceof BackendError) {
    const status = err.code === 'BACKEND_UNAVAILABLE' ? 503 : err.code === 'BACKEND_REJECTED' ? 422 : 502;
    return new HttpError(status, err.code, err.message);
  }
  if (err instanceof JobFailure) return new HttpError(err.code === 'NOT_AVAILABLE' ? 501 : 422, err.code, err.message);
  return err;
}
