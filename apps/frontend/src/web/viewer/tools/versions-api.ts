// Client of the segmentation-version routes (docs/frontend-api.md#segmentation-versions).
import { ApiError, csrfHeader } from '../../lib/api.js';

export interface VersionInfo {
  version: number;
  createdAt: string;
  createdBy: string;
  source: string;
  basedOn: number | null;
  engine?: string;
  jobId?: string;
  comment?: string;
  prompts?: Array<{ class: string | number; points: number[][] }>;
  current: boolean;
  stored: boolean;
  labels: Array<{ id: number; name: string; voxels: number; volumeMl: number }>;
  labelMapUrl: string;
}
export interface Comparison {
  a: number;
  b: number;
  labels: Array<{ id: number; name: string; voxelsA: number; voxelsB: number; overlap: number; dice: number; volumeMlA: number; volumeMlB: number; volumeDiffMl: number }>;
}
export interface VersionStats {
  version: number;
  labels: Array<{ id: number; name: string; voxels: number; volumeMl: number; mean: number; sd: number; min: number; max: number }>;
}

const enc = encodeURIComponent;
const base = (patient: string, scan: string): string => `/api/patients/${enc(patient)}/scans/${enc(scan)}/versions`;

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(csrfHeader(method))) headers.set(k, v);
    res = await fetch(path, { ...init, headers });
  } catch (err) {
    throw new ApiError(`Cannot reach the Vista3D server: ${(err as Error).message}`, 0, 'NETWORK');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const b = body as { message?: string; code?: string } | undefined;
    throw new ApiError(b?.message ?? `${init?.method ?? 'GET'} ${path} failed (HTTP ${res.status})`, res.status, b?.code ?? `HTTP_${res.status}`);
  }
  return body as T;
}

export const versionsApi = {
  list: (patient: string, scan: string) => call<VersionInfo[]>(base(patient, scan)),
  compare: (patient: string, scan: string, a: number, b: number) => call<Comparison>(`${base(patient, scan)}/compare?a=${a}&b=${b}`),
  statistics: (patient: string, scan: string, v: number) => call<VersionStats>(`${base(patient, scan)}/${v}/statistics`),
  save: (patient: string, scan: string, nifti: Uint8Array, basedOn: number | null, comment: string) => {
    const q = new URLSearchParams();
    if (basedOn !== null) q.set('basedOn', String(basedOn));
    if (comment) q.set('comment', comment);
    return call<{ version: VersionInfo }>(`${base(patient, scan)}?${q}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: nifti as unknown as BodyInit });
  },
};
