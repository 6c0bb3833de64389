import { strFromU8, unzipSync } from 'fflate';
import { isGzip, parseNifti } from '@vista3d/volume';
import type { Vec3, Volume, VoxelArray } from '@vista3d/volume';

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
  if ((err instanceof Error && err.name === 'TimeoutError') || NETWORK_CODES.test(text) || status === 502 || status === 503 || status === 504 || /UNAVAILABLE/.test(text)) {
    return new BackendError(
      'BACKEND_UNAVAILABLE',
      `segmentation backend at ${baseUrl} is unavailable (${(e?.cause?.code ?? e?.message ?? 'no answer').toString().trim()}); check that it is running and VISTA3D_SERVER is right`,
      status,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new BackendError('BACKEND_REJECTED', `segmentation backend rejected the request: ${e?.message ?? status}`, status);
  }
  return new BackendError('BACKEND_ERROR', `segmentation backend failed: ${e?.message ?? String(err)}`, status);
}

async function errorText(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const j = JSON.parse(body) as { message?: unknown; detail?: unknown; error?: unknown };
    const msg = j.message ?? j.detail ?? j.error;
    if (msg !== undefined) return typeof msg === 'string' ? msg : JSON.stringify(msg);
  } catch {
    /* not JSON */
  }
  return body.slice(0, 500) || res.statusText;
}

/** Label volume out of an inference response body: a ZIP holding one NIfTI, or a bare NIfTI. */
export function labelVolumeFromResponse(bytes: Uint8Array): Volume<Uint8Array> {
  let nifti: Uint8Array | undefined;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(bytes, { filter: (f) => /\.nii(\.gz)?$/i.test(f.name) && !f.name.startsWith('__MACOSX') });
    } catch (err) {
      throw new BackendError('BAD_BACKEND_RESPONSE', `backend answered a broken ZIP: ${(err as Error).message}`);
    }
    const names = Object.keys(entries);
    if (names.length === 0) throw new BackendError('BAD_BACKEND_RESPONSE', 'backend ZIP holds no .nii/.nii.gz file');
    nifti = entries[names[0]];
  } else if (isGzip(bytes) || bytes.byteLength >= 348) {
    nifti = bytes;
  } else {
    throw new BackendError('BAD_BACKEND_RESPONSE', `backend answered ${bytes.byteLength} bytes that are neither a ZIP nor NIfTI: ${strFromU8(bytes.subarray(0, 200))}`);
  }
  let vol: Volume;
  try {
    vol = parseNifti(nifti);
  } catch (err) {
    throw new BackendError('BAD_BACKEND_RESPONSE', `backend label volume is not valid NIfTI: ${(err as Error).message}`);
  }
  return toUint8(vol);
}

function toUint8(vol: Volume<VoxelArray>): Volume<Uint8Array> {
  if (vol.data instanceof Uint8Array && vol.scl.slope === 1 && vol.scl.inter === 0) return vol as Volume<Uint8Array>;
  const n = vol.dims[0] * vol.dims[1] * vol.dims[2];
  const out = new Uint8Array(n);
  const slope = vol.scl.slope || 1;
  for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round(vol.data[i] * slope + vol.scl.inter)));
  return { ...vol, datatype: 'uint8', data: out, frames: 1, scl: { slope: 1, inter: 0 } };
}

/**
 * A small client for the NIM HTTP API (`POST /v1/vista3d/inference`, health, info), used when
 * @vista3d/nim-client is not installed. Classes are sent as `prompts.classes` (and `labels`),
 * points as `prompts.points` + `prompts.point_labels`.
 */
export function createFetchBackendClient(options: { baseUrl: string; apiKey?: string; timeoutMs?: number }): BackendClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
  });
  const probe = async (path: string, signal?: AbortSignal): Promise<boolean> => {
    try {
      const res = await fetch(`${base}${path}`, { headers: headers(false), signal: signal ?? AbortSignal.timeout(3000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  };
  return {
    live: (signal) => probe('/v1/health/live', signal),
    ready: (signal) => probe('/v1/health/ready', signal),
    async info(signal) {
      try {
        const res = await fetch(`${base}/v1/vista3d/info`, { headers: headers(false), signal: signal ?? AbortSignal.timeout(3000) });
        if (!res.ok) throw new BackendError(res.status >= 500 ? 'BACKEND_UNAVAILABLE' : 'BACKEND_ERROR', await errorText(res), res.status);
        return (await res.json()) as Record<string, unknown>;
      } catch (err) {
        throw toBackendError(err, base);
      }
    },
    async inferFromUrl(imageUrl, prompts, opts = {}) {
      const body: Record<string, unknown> = { image: imageUrl, prompts: {} };
      const p = body.prompts as Record<string, unknown>;
      if (prompts.classes?.length) {
        p.classes = prompts.classes;
        p.labels = prompts.classes;
      }
      if (prompts.points?.length) {
        p.points = prompts.points;
        p.point_labels = prompts.pointLabels ?? prompts.points.map(() => 1);
      }
      const signals = [opts.signal, options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined].filter((s): s is AbortSignal => !!s);
      try {
        const res = await fetch(`${base}/v1/vista3d/inference`, {
          method: 'POST',
          headers: headers(true),
          body: JSON.stringify(body),
          signal: signals.length ? AbortSignal.any(signals) : undefined,
        });
        if (!res.ok) {
          const msg = await errorText(res);
          throw Object.assign(new Error(`HTTP ${res.status}: ${msg}`), { status: res.status });
        }
        return labelVolumeFromResponse(new Uint8Array(await res.arrayBuffer()));
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : err;
        throw toBackendError(err, base);
      }
    },
  };
}
