// Who is logged in: loaded from GET /api/session before the app renders; `can(role)` hides what the
// role may not do (the server refuses it anyway).
import { createContext, useContext } from 'react';
import type { Role, SessionInfo } from './types.js';

const RANK: Record<Role, number> = { viewer: 1, annotator: 2, admin: 3 };

export interface SessionValue {
  session: SessionInfo;
  can: (role: Role) => boolean;
  logout: () => void;
}

export const SessionContext = createContext<SessionValue>({
  session: { mode: 'off', user: null },
  can: () => true,
  logout: () => undefined,
});

export function roleAtLeast(have: Role | undefined, need: Role): boolean {
  return have !== undefined && RANK[have] >= RANK[need];
}

export const useSession = (): SessionValue => useContext(SessionContext);
