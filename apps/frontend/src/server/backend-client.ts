import type { Vec3, Volume } from '@vista3d/volume';

/** Prompts sent with one inference: class names, and optionally point prompts for one class. */
export interface InferencePrompts {
  classes?: string[];
  /** Voxel coordinates [x, y, z] in the input grid. */
  points?: Vec3[];
  /** 1 = inside (positive), 0 = outside (negative); one per point. */
  pointLabels?: Array<0 | 1>;
}

/** What the job runner needs from a VISTA3D-compatible backend. */
export interface BackendClient {
  inferFromUrl(imageUrl: string, prompts: InferencePrompts, options?: { signal?: AbortSignal }): Promise<Volume<Uint8Array>>;
  live(signal?: AbortSignal): Promise<boolean>;
  ready(signal?: AbortSignal): Promise<boolean>;
  info(signal?: AbortSignal): Promise<Record<string, unknown>>;
}

export type BackendErrorCode = 'BACKEND_UNAVAILABLE' | 'BACKEND_REJECTED' | 'BACKEND_ERROR' | 'BAD_BACKEND_RESPONSE';

/** A failed backend call, with a stable code and a message meant for people. */
export class BackendError extends Error {
  readonly code: BackendErrorCode;
  readonly status?: number;
  constructor(code: BackendErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

const NETWORK_CODES = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|UND_ERR_CONNECT|UND_ERR_SOCKET|fetch failed/i;

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}

/** Maps any error of a backend call (network, HTTP, NimError...) to a BackendError; aborts pass through. */
export function toBackendError(err: unknown, baseUrl: string): Error {
  if (isAbortError(err) || err instanceof BackendError) return err as Error;
  const e = err as { message?: string; code?: unknown; status?: unknown; statusCode?: unknown; cause?: { code?: string; message?: string } };
  const text = `${e?.message ?? ''} ${typeof e?.code === 'string' ? e.code : ''} ${e?.cause?.code ?? ''} ${e?.cause?.message ?? ''}`;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  // A 4xx is the backend's own verdict, even when its message quotes a network error (an image it could not fetch).
  if (status !== undefined && status >= 400 && status < 500) {
    if (e?.code === 'IMAGE_FETCH_FAILED') {
      return new BackendError(
        'BACKEND_REJECTED',
        `segmentation backend could not fetch the image (${e?.message ?? status}); IMAGE_SERVER must be a URL the backend can reach`,
        status,
      );
    }
    return new BackendError('BACKEND_REJECTED', `segmentation backend rejected the request: ${e?.message ?? status}`, status);
  }
  if ((err instanceof Error && err.name === 'TimeoutError') || NETWORK_CODES.test(text) || status === 0 || status === 502 || status === 503 || status === 504 || /UNAVAILABLE|UNREACHABLE|TIMEOUT/.test(text)) {
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      `segmentation backend at ${baseUrl} is unavailable (${(e?.cause?.code ?? e?.message ?? 'no answer').toString().trim()}); check that it is running and VISTA3D_SERVER is right`,
      status,
    );
  }
  return new BackendError('BACKEND_ERROR', `segmentation backend failed: ${e?.message ?? String(err)}`, status);
}

