import type pg from 'pg';
import { inTransaction } from './pool.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The platform schema, in order. A migration is never edited once released: changes go into a new
 * one. Voxels stay files in OUTPUT_FOLDER; these tables hold the index (metadata, provenance, where
 * the files are), the jobs, and the accounts/sessions/tokens/audit the security work builds on.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'data index',
    sql: `
CREATE TABLE patients (
  id            text PRIMARY KEY,
  scans         integer NOT NULL DEFAULT 0,
  segmentations integer NOT NULL DEFAULT 0,
  has_dicom     boolean NOT NULL DEFAULT false,
  has_output    boolean NOT NULL DEFAULT true,
  indexed_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE studies (
  uid         text PRIMARY KEY,
  patient_id  text NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  study_date  text,
  description text
);
CREATE TABLE series (
  uid         text PRIMARY KEY,
  study_uid   text REFERENCES studies(uid) ON DELETE CASCADE,
  patient_id  text NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  modality    text,
  description text
);
CREATE TABLE scans (
  patient_id  text NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  id          text NOT NULL,
  file        text NOT NULL,
  size_bytes  bigint NOT NULL,
  modified_at timestamptz NOT NULL,
  series_uid  text,
  has_segmentation boolean NOT NULL DEFAULT false,
  PRIMARY KEY (patient_id, id)
);
CREATE TABLE segmentation_versions (
  id          bigserial PRIMARY KEY,
  patient_id  text NOT NULL,
  scan_id     text NOT NULL,
  version     integer NOT NULL,
  path        text NOT NULL,
  file_mtime  timestamptz NOT NULL,
  labels      jsonb NOT NULL DEFAULT '[]',
  source      text NOT NULL,
  job_id      uuid,
  engine      text,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (patient_id, scan_id, version),
  FOREIGN KEY (patient_id, scan_id) REFERENCES scans(patient_id, id) ON DELETE CASCADE
);
`,
  },
  {
    version: 2,
    name: 'jobs',
    sql: `
CREATE TABLE jobs (
  id           uuid PRIMARY KEY,
  type         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  priority     integer NOT NULL DEFAULT 0,
  progress     real NOT NULL DEFAULT 0,
  message      text NOT NULL DEFAULT '',
  patient      text,
  scan         text,
  params       jsonb NOT NULL,
  results      jsonb NOT NULL DEFAULT '[]',
  items_total  integer NOT NULL DEFAULT 0,
  items_done   integer NOT NULL DEFAULT 0,
  error        jsonb,
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 3,
  worker_id    text,
  heartbeat_at timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false,
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX jobs_created ON jobs (created_at DESC);
CREATE INDEX jobs_queued ON jobs (type, priority DESC, created_at) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE status = 'running';
-- Every change reaches every frontend replica (LISTEN vista3d_jobs); the payload is the id only
-- (NOTIFY payloads are limited to 8000 bytes), replicas read the row.
CREATE FUNCTION vista3d_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('vista3d_jobs', NEW.id::text);
  RETURN NEW;
END $$;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION vista3d_jobs_notify();
`,
  },
  {
    version: 3,
    name: 'users, sessions, tokens, audit',
    sql: `
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  display_name  text,
  email         text,
  password_hash text,
  roles         text[] NOT NULL DEFAULT '{}',
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sessions (
  id           text PRIMARY KEY, -- hash of the cookie value, never the value itself
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  ip           text,
  user_agent   text
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  scopes       text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  user_id   uuid REFERENCES users(id) ON DELETE SET NULL,
  actor     text,
  action    text NOT NULL,
  resource  text,
  outcome   text NOT NULL DEFAULT 'ok',
  ip        text,
  detail    jsonb
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_resource ON audit_log (resource);
`,
  },
  {
    version: 4,
    name: 'index change notifications',
    sql: `
-- Replicas cache the patient listing and drop it when the index changes anywhere.
CREATE FUNCTION vista3d_index_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('vista3d_index', '');
  RETURN NULL;
END $$;
CREATE TRIGGER patients_notify AFTER INSERT OR UPDATE OR DELETE ON patients FOR EACH STATEMENT EXECUTE FUNCTION vista3d_index_notify();
`,
  },
  {
    version: 5,
    name: 'job notifications skip heartbeats',
    sql: `
-- A heartbeat changes nothing a replica shows; notifying it made every running job a NOTIFY storm
-- (workers re-check their running jobs on each notification).
DROP TRIGGER jobs_notify ON jobs;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION vista3d_jobs_notify();
CREATE TRIGGER jobs_notify_update AFTER UPDATE ON jobs FOR EACH ROW
  WHEN ((to_jsonb(OLD) - 'heartbeat_at') IS DISTINCT FROM (to_jsonb(NEW) - 'heartbeat_at'))
  EXECUTE FUNCTION vista3d_jobs_notify();
`,
  },
  {
    version: 6,
    name: 'auth: roles, external accounts, login requests, append-only audit',
    sql: `
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'viewer' CHECK (role IN ('viewer', 'annotator', 'admin'));
ALTER TABLE users ADD COLUMN source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc'));
ALTER TABLE sessions ADD COLUMN id_token text;
ALTER TABLE api_tokens ADD COLUMN prefix text;
-- One OIDC (or other) login in flight: state, nonce and PKCE verifier, keyed by the hash of the state.
CREATE TABLE auth_requests (
  id         text PRIMARY KEY,
  data       jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);
-- The audit log outlives users (disabled, never deleted) and is never rewritten.
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_user_id_fkey;
ALTER TABLE audit_log ADD COLUMN patient text;
ALTER TABLE audit_log ADD COLUMN scan text;
CREATE INDEX audit_log_patient ON audit_log (patient, at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC);
CREATE FUNCTION vista3d_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION vista3d_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION vista3d_audit_append_only();
`,
  },
  {
    version: 7,
    name: 'failed logins shared by the frontend replicas',
    sql: `
-- One row per (user name, address) pair or per address: every replica counts the same guesses.
CREATE TABLE login_failures (
  key             text PRIMARY KEY,
  failures        integer NOT NULL,
  last_failure_at timestamptz NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_failure_at);
`,
  },
];

/** Arbitrary constant: the advisory lock that serialises replicas migrating at the same moment. */
const MIGRATION_LOCK = 0x76697374;

/** Applies pending migrations (all replicas may call it at once); returns the versions applied. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const newest = Math.max(0, ...done);
    const known = Math.max(0, ...migrations.map((m) => m.version));
    if (newest > known) throw new Error(`the database schema is version ${newest}, newer than this build knows (${known}); upgrade this service`);
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Current schema version (0 = empty database). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const res = await pool.query<{ v: number | null }>(`SELECT max(version) AS v FROM schema_migrations`).catch(() => ({ rows: [{ v: 0 }] }));
  return res.rows[0]?.v ?? 0;
}
