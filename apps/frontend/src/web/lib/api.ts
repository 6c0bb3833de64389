// Typed client of the frontend server's API. Every failure becomes an ApiError whose message is
// the server's `message` (or a clear description of a network/HTTP failure) — shown to the user as is.
import type {
  ApiErrorBody, DicomSeries, InteractiveRequest, InteractiveResult, Job, JobRequest, LabelsResponse,
  PatientSummary, ScanInfo, StatusResponse, SessionInfo, ApiTokenInfo, UserInfo, Role, AuditEntry,
} from './types.js';

/** The session's CSRF token (GET /api/session): sent on every state-changing request. */
let csrfToken: string | undefined;
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}
/** The CSRF header for a request of this method (empty for reads or before a session). */
export const csrfHeader = (method: string): Record<string, string> => (method !== 'GET' && method !== 'HEAD' && csrfToken ? { 'x-csrf-token': csrfToken } : {});

/** Fired when the server answers 401: the session ended (expired, logged out elsewhere). */
export const LOGGED_OUT_EVENT = 'vista3d:logged-out';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(message: string, status: number, code: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

function isErrorBody(v: unknown): v is ApiErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string';
}

function errorFromBody(status: number, statusText: string, text: string, what: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) return new ApiError(body.message, status, body.code ?? String(status));
  const detail = text && text.length < 200 && !text.trimStart().startsWith('<') ? `: ${text}` : '';
  return new ApiError(`${what} failed (HTTP ${status} ${statusText})${detail}`, status, `HTTP_${status}`);
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const what = `${method} ${path.split('?')[0]}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...csrfHeader(method) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(`Cannot reach the Vista3D server (${what}): ${(err as Error).message}`, 0, 'NETWORK');
  }
  const text = await res.text();
  if (res.status === 401 && !path.startsWith('/api/login')) window.dispatchEvent(new Event(LOGGED_OUT_EVENT));
  if (!res.ok) throw errorFromBody(res.status, res.statusText, text, what);
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(`${what} returned invalid JSON`, res.status, 'BAD_JSON');
  }
}

const enc = encodeURIComponent;

export const api = {
  status: (signal?: AbortSignal) => request<StatusResponse>('GET', '/api/status', undefined, signal),
  labels: () => request<LabelsResponse>('GET', '/api/labels'),
  patients: (signal?: AbortSignal) => request<PatientSummary[]>('GET', '/api/patients', undefined, signal),
  scans: (patient: string, signal?: AbortSignal) => request<ScanInfo[]>('GET', `/api/patients/${enc(patient)}/scans`, undefined, signal),
  dicom: () => request<DicomSeries[] | Record<string, unknown>>('GET', '/api/dicom'),
  deletePatient: (patient: string) => request<unknown>('DELETE', `/api/patients/${enc(patient)}?confirm=true`),
  deleteScan: (patient: string, scan: string) => request<unknown>('DELETE', `/api/patients/${enc(patient)}/scans/${enc(scan)}?confirm=true`),
  createJob: (req: JobRequest) => request<Job>('POST', '/api/jobs', req),
  jobs: (signal?: AbortSignal) => request<Job[] | { jobs: Job[] }>('GET', '/api/jobs', undefined, signal).then((r) => (Array.isArray(r) ? r : r.jobs)),
  job: (id: string) => request<Job>('GET', `/api/jobs/${enc(id)}`),
  cancelJob: (id: string) => request<Job>('DELETE', `/api/jobs/${enc(id)}`),
  interactive: (req: InteractiveRequest) => request<InteractiveResult>('POST', '/api/segment/interactive', req),
  acceptInteractive: (req: { patient: string; scan: string; class: number | string }) =>
    request<unknown>('POST', '/api/segment/interactive/accept', req),
  session: () => request<SessionInfo>('GET', '/api/session'),
  login: (username: string, password: string) => request<SessionInfo>('POST', '/api/login', { username, password }),
  logout: () => request<{ loggedOut: boolean; redirect?: string }>('POST', '/api/logout'),
  tokens: () => request<ApiTokenInfo[]>('GET', '/api/tokens'),
  createToken: (name: string) => request<ApiTokenInfo & { token: string }>('POST', '/api/tokens', { name }),
  revokeToken: (id: string) => request<ApiTokenInfo>('DELETE', `/api/tokens/${enc(id)}`),
  users: () => request<UserInfo[]>('GET', '/api/admin/users'),
  createUser: (u: { username: string; password: string; role: Role }) => request<UserInfo>('POST', '/api/admin/users', u),
  updateUser: (id: string, patch: { role?: Role; disabled?: boolean; password?: string }) => request<UserInfo>('PATCH', `/api/admin/users/${enc(id)}`, patch),
  audit: (query: Record<string, string>) => request<AuditEntry[]>('GET', `/api/admin/audit?${new URLSearchParams(query)}`),
  labelsCsvUrl: (patient: string, scan: string) => `/api/patients/${enc(patient)}/scans/${enc(scan)}/labels.csv`,
};

export interface UploadHandle<T> {
  promise: Promise<T>;
  abort: () => void;
}

/** multipart upload with progress (XMLHttpRequest: fetch has no upload progress). */
export function upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', path);
    xhr.responseType = 'text';
    xhr.setRequestHeader('accept', 'application/json');
    for (const [k, v] of Object.entries(csrfHeader('POST'))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        try {
          resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
        } catch {
          reject(new ApiError(`Upload to ${path} returned invalid JSON`, xhr.status, 'BAD_JSON'));
        }
      } else {
        reject(errorFromBody(xhr.status, xhr.statusText, xhr.responseText, `Upload to ${path}`));
      }
    };
    xhr.onerror = () => reject(new ApiError(`Upload to ${path} failed: the server could not be reached or closed the connection`, 0, 'NETWORK'));
    xhr.onabort = () => reject(new ApiError('Upload cancelled', 0, 'ABORTED'));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
