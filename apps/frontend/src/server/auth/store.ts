import type { LoginFailureStore } from './login-throttle.js';
import type { Role } from './roles.js';

export interface User {
  id: string;
  username: string;
  displayName?: string;
  email?: string;
  role: Role;
  disabled: boolean;
  source: 'local' | 'oidc';
  /** argon2id hash; null for OIDC accounts. */
  passwordHash: string | null;
  createdAt: string;
}

export interface Session {
  /** SHA-256 of the cookie value. */
  id: string;
  userId: string;
  createdAt: string;
  lastSeenAt: string;
  /** Absolute end, whatever the activity. */
  expiresAt: string;
  ip?: string;
  idToken?: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  /** SHA-256 of the token. */
  tokenHash: string;
  /** First characters of the token, to recognise it in a listing. */
  prefix: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  userId?: string;
  action: string;
  /** What was touched, as ids: `patient/scan`, a job id, a user name. */
  resource?: string;
  patient?: string;
  scan?: string;
  outcome: 'ok' | 'refused' | 'failed';
  status?: number;
  ip?: string;
}

export interface AuditQuery {
  actor?: string;
  patient?: string;
  action?: string;
  from?: string;
  to?: string;
  limit: number;
}

/** A login in flight (OIDC state, nonce, PKCE verifier), keyed by the digest of its state. */
export interface LoginRequest {
  id: string;
  data: Record<string, string>;
  expiresAt: string;
}

/** Accounts, sessions, tokens and the audit log: PostgreSQL (pg-store.ts) or private files (file-store.ts). */
export interface AuthStore {
  readonly kind: 'postgres' | 'files';
  countUsers(): Promise<number>;
  userById(id: string): Promise<User | undefined>;
  userByName(username: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  createUser(user: User): Promise<void>;
  updateUser(id: string, patch: Partial<Pick<User, 'role' | 'disabled' | 'passwordHash' | 'displayName' | 'email'>>): Promise<User | undefined>;
  createSession(session: Session): Promise<void>;
  getSession(id: string): Promise<Session | undefined>;
  touchSession(id: string, at: string): Promise<void>;
  deleteSession(id: string): Promise<void>;
  deleteUserSessions(userId: string): Promise<void>;
  createToken(token: ApiToken): Promise<void>;
  tokenByHash(hash: string): Promise<ApiToken | undefined>;
  listTokens(userId?: string): Promise<ApiToken[]>;
  revokeToken(id: string, at: string): Promise<ApiToken | undefined>;
  touchToken(id: string, at: string): Promise<void>;
  saveLoginRequest(request: LoginRequest): Promise<void>;
  /** Returns and deletes it (a state is usable once). */
  takeLoginRequest(id: string): Promise<LoginRequest | undefined>;
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /** Failed-login counts of the lock-out (login-throttle.ts). */
  readonly loginFailures: LoginFailureStore;
  searchAudit(query: AuditQuery): Promise<AuditEntry[]>;
  close(): Promise<void>;
}
