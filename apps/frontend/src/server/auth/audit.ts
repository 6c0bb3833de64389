import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthStore, AuditEntry } from './store.js';

/** Routes that touch no patient, scan, segmentation or job data (and are polled): not audited. */
const NOT_AUDITED = new Set(['GET /api/status', 'GET /api/labels', 'GET /api/session', 'GET /api/tokens']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined);

interface Resource { patient?: string; scan?: string; resource?: string }

/** The ids a request touched: route params, a JSON body's patient/scan, an /images path. */
function resourceOf(request: FastifyRequest): Resource {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  let patient = str(params.patient) ?? str(body.patient);
  let scan = str(params.scan) ?? str(body.scan);
  let resource: string | undefined;
  const wild = str(params['*']);
  if (request.routeOptions.url === '/images/*' && wild) {
    const m = /^(output|dicom)\/([^/?]+)(?:\/(?:nifti|voxels|meshes)\/([^/?]+))?/.exec(wild);
    if (m) {
      patient = decodeURIComponent(m[2]);
      if (m[3]) scan = decodeURIComponent(m[3]).replace(/\.nii(\.gz)?$/, '');
    }
    resource = wild.split('?')[0];
  }
  if (str(params.id)) resource = `${request.routeOptions.url?.startsWith('/api/jobs') ? 'job' : 'id'}:${String(params.id)}`;
  if (str(params.user)) resource = `user:${String(params.user)}`;
  resource ??= patient !== undefined ? (scan !== undefined ? `${patient}/${scan}` : patient) : undefined;
  return { ...(patient ? { patient } : {}), ...(scan ? { scan } : {}), ...(resource ? { resource } : {}) };
}

/**
 * Appends one audit entry per request to a route that needs a login (refused attempts included):
 * who, what (method + route), which patient/scan/job, the outcome and the caller's address.
 */
export function installAuditLog(app: FastifyInstance, store: AuthStore, actorOf: (r: FastifyRequest) => { actor: string; userId?: string }): void {
  // Written before the answer leaves (onSend, not onResponse): whoever saw data is on record by then.
  app.addHook('onSend', async (request, reply, payload) => {
    const role = request.routeOptions.config?.role;
    if (role === undefined || role === 'public') return payload;
    const action = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (NOT_AUDITED.has(action)) return payload;
    const res = resourceOf(request);
    const status = reply.statusCode;
    // Multipart uploads name their patient in a field the hook cannot see; the answer names it.
    if (!res.patient && request.method === 'POST' && typeof payload === 'string' && payload.length < 65_536 && status < 300) {
      try {
        const p = str((JSON.parse(payload) as Record<string, unknown>).patient);
        if (p) {
          res.patient = p;
          res.resource ??= p;
        }
      } catch {
        /* not JSON */
      }
    }
    const entry: AuditEntry = {
      at: new Date().toISOString(),
      ...actorOf(request),
      action,
      ...res,
      outcome: status === 401 || status === 403 ? 'refused' : status >= 400 ? 'failed' : 'ok',
      status,
      ip: request.ip,
    };
    try {
      await store.appendAudit([entry]);
    } catch (err) {
      request.log.error({ err, action }, 'audit log write failed');
    }
    return payload;
  });
}

const CSV_COLUMNS: Array<keyof AuditEntry> = ['at', 'actor', 'action', 'patient', 'scan', 'resource', 'outcome', 'status', 'ip'];

function csvCell(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  // A cell a spreadsheet would run as a formula is prefixed with a quote (CSV injection).
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function auditCsv(entries: AuditEntry[]): string {
  return [CSV_COLUMNS.join(','), ...entries.map((e) => CSV_COLUMNS.map((c) => csvCell(e[c])).join(','))].join('\n') + '\n';
}
