import type { FastifyInstance } from 'fastify';
import { isValidName } from '@vista3d/store';
import type { PlatformState } from '../platform-state.js';

function patientOf(params: unknown, body: unknown, payload: unknown): string | null {
  for (const source of [params, body]) {
    const p = (source as { patient?: unknown } | null)?.patient;
    if (typeof p === 'string' && isValidName(p)) return p;
  }
  if (typeof payload === 'string' && payload.startsWith('{')) {
    try {
      const p = (JSON.parse(payload) as { patient?: unknown; deleted?: { patient?: unknown } }) ?? {};
      const id = typeof p.patient === 'string' ? p.patient : p.deleted?.patient;
      if (typeof id === 'string' && isValidName(id)) return id;
    } catch {
      /* not JSON */
    }
  }
  return null;
}

/**
 * Keeps the PostgreSQL index in step with the file tree: a successful change made through this API
 * (upload, delete, accepted edit) re-reads the patient it touched before the answer goes out, so the
 * next listing on any replica shows it; POST /api/rescan rebuilds the whole index (files changed
 * behind the platform's back). Called on the /api scope itself so the hook covers its sibling routes.
 */
export function installIndexSync(api: FastifyInstance, state: PlatformState): void {
  api.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode >= 300) return payload;
    const url = request.url.split('?')[0]!;
    if (url.startsWith('/api/jobs') || url === '/api/rescan' || url === '/api/segment/interactive') return payload;
    const patient = patientOf(request.params, request.body, payload);
    try {
      if (patient) await state.reindex(patient);
      else await state.rescan();
    } catch (err) {
      request.log.warn({ err }, 'index refresh failed; POST /api/rescan repairs it');
    }
    return payload;
  });

  api.post('/api/rescan', { config: { role: 'annotator' } }, async () => ({ rescanned: await state.rescan() }));

  // The versions of a scan's segmentation are listed from the file tree by routes/versions.ts (with or
  // without PostgreSQL); segmentation_versions here is the index's record of them.
}
