import type { RouteRole } from '@vista3d/service-kit';

/** A user's role: viewer (read) < annotator (upload, run jobs, edit labels) < admin (delete, users). */
export type Role = 'viewer' | 'annotator' | 'admin';
export type { RouteRole };

export const ROLES: readonly Role[] = ['viewer', 'annotator', 'admin'];
export const ROUTE_ROLES: readonly RouteRole[] = ['public', ...ROLES];

const RANK: Record<RouteRole, number> = { public: 0, viewer: 1, annotator: 2, admin: 3 };

/** Whether a user with `role` may use a route that needs `needed`. */
export function roleAllows(role: Role | undefined, needed: RouteRole): boolean {
  if (needed === 'public') return true;
  return role !== undefined && RANK[role] >= RANK[needed];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The highest of several roles (an OIDC user may carry several); undefined when none is ours. */
export function highestRole(roles: Iterable<Role>): Role | undefined {
  let best: Role | undefined;
  for (const r of roles) if (best === undefined || RANK[r] > RANK[best]) best = r;
  return best;
}
