import type { AuditEntry, AuditQuery } from './store.js';

/** The file store's filter; the PostgreSQL store does the same in SQL. */
export function matchesAudit(e: AuditEntry, q: AuditQuery): boolean {
  if (q.actor !== undefined && e.actor !== q.actor) return false;
  if (q.patient !== undefined && e.patient !== q.patient) return false;
  if (q.action !== undefined && !e.action.startsWith(q.action)) return false;
  if (q.from !== undefined && Date.parse(e.at) < Date.parse(q.from)) return false;
  if (q.to !== undefined && Date.parse(e.at) > Date.parse(q.to)) return false;
  return true;
}
