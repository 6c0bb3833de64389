import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { JobErrorInfo, JobQueueFields, JobStatus, JobView } from '@vista3d/api-types';

export type { JobErrorInfo, JobStatus };
export const FINISHED_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** A job as stored in `jobs` (the API's job shape plus the queue fields). */
export interface JobRecord<P = unknown, R = unknown> extends JobView<string, R>, JobQueueFields {
  params: P;
}

export interface CreateJobOptions {
  priority?: number;
  maxAttempts?: number;
  createdBy?: string;
}

/** pg-boss queue of a job type. */
export const queueName = (type: string): string => `vista3d-${type}`;

/** Seconds before pg-boss itself gives up on a job held by a vanished worker (ours notices much sooner). */
export const BOSS_EXPIRE_SECONDS = 6 * 3600;

const COLUMNS = `j.id, j.type, j.status, j.progress, j.message, j.patient, j.scan, j.params, j.results, j.items_total, j.items_done,
  j.error, j.priority, j.attempts, j.max_attempts, j.worker_id, j.created_at, j.started_at, j.finished_at`;
const POSITION = `CASE WHEN j.status = 'queued' THEN (SELECT count(*) + 1 FROM jobs q WHERE q.status = 'queued' AND q.type = j.type
  AND (q.priority > j.priority OR (q.priority = j.priority AND (q.created_at, q.id) < (j.created_at, j.id)))) END AS queue_position`;

const iso = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : undefined);

export function rowToJob<P, R>(r: Record<string, unknown>): JobRecord<P, R> {
  const job: JobRecord<P, R> = {
    id: r.id as string,
    type: r.type as string,
    status: r.status as JobStatus,
    progress: Number(r.progress),
    message: r.message as string,
    createdAt: iso(r.created_at)!,
    results: (r.results as R[]) ?? [],
    items: { total: Number(r.items_total), done: Number(r.items_done) },
    params: r.params as P,
    priority: Number(r.priority),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
  };
  if (r.patient != null) job.patient = r.patient as string;
  if (r.scan != null) job.scan = r.scan as string;
  if (r.started_at != null) job.startedAt = iso(r.started_at)!;
  if (r.finished_at != null) job.finishedAt = iso(r.finished_at)!;
  if (r.error != null) job.error = r.error as JobErrorInfo;
  if (r.worker_id != null) job.workerId = r.worker_id as string;
  if (r.queue_position != null) job.queuePosition = Number(r.queue_position);
  return job;
}

export function createBoss(url: string, options: { worker: boolean }): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    schema: 'pgboss',
    application_name: options.worker ? 'vista3d-worker-queue' : 'vista3d-frontend-queue',
    max: options.worker ? 4 : 2,
    // Maintenance (expiry, archiving) is the workers' business; the web tier only sends and cancels.
    supervise: options.worker,
    schedule: false,
  });
  boss.on('error', () => undefined);
  return boss;
}

/** Arbitrary constant: the advisory lock that serialises replicas creating pg-boss queues. */
const QUEUE_LOCK = 4_170_523_118;

/**
 * Creates the pg-boss queues that do not exist yet. Replicas starting at the same moment would
 * otherwise deadlock inside pg-boss (each queue insert also attaches a partition to the job table),
 * so creation runs under a session advisory lock that every frontend and worker takes.
 */
export async function ensureQueues(boss: PgBoss, pool: pg.Pool, types: readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [QUEUE_LOCK]);
    try {
      for (const type of types) {
        const name = queueName(type);
        if (await boss.getQueue(name)) continue;
        await boss.createQueue(name, { name, retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: BOSS_EXPIRE_SECONDS });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [QUEUE_LOCK]);
    }
  } finally {
    client.release();
  }
}

/**
 * The job table and its pg-boss queues as every frontend replica sees them: create, list (with
 * queue positions), cancel, and a 'job' event for every change made anywhere (LISTEN vista3d_jobs).
 */
export class PgJobStore<P = unknown, R = unknown> extends EventEmitter<{ job: [JobRecord<P, R>]; error: [Error] }> {
  private listener: pg.Client | null = null;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    private readonly url: string,
  ) {
    super();
    this.setMaxListeners(0);
  }

  async start(types: readonly string[]): Promise<void> {
    await this.boss.start();
    await ensureQueues(this.boss, this.pool, types);
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'vista3d-job-events' });
    client.on('error', () => this.scheduleReconnect());
    client.on('end', () => this.scheduleReconnect());
    client.on('notification', (msg) => {
      if (msg.channel !== 'vista3d_jobs' || !msg.payload) return;
      void this.get(msg.payload).then(
        (job) => job && this.emit('job', job),
        () => undefined,
      );
    });
    await client.connect();
    await client.query('LISTEN vista3d_jobs');
    this.listener = client;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.listener = null;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().catch(() => this.scheduleReconnect());
    }, 1000);
  }

  async create(type: string, params: P, scope: { patient?: string; scan?: string; total: number }, options: CreateJobOptions = {}): Promise<JobRecord<P, R>> {
    const id = randomUUID();
    const priority = options.priority ?? 0;
    const maxAttempts = options.maxAttempts ?? 3;
    const res = await this.pool.query(
      `INSERT INTO jobs AS j (id, type, status, priority, message, patient, scan, params, items_total, max_attempts, created_by)
       VALUES ($1, $2, 'queued', $3, 'queued', $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}, ${POSITION}`,
      [id, type, priority, scope.patient ?? null, scope.scan ?? null, JSON.stringify(params), scope.total, maxAttempts, options.createdBy ?? null],
    );
    try {
      await this.boss.send(queueName(type), { jobId: id }, { id, priority, retryLimit: maxAttempts + 2, retryDelay: 2, retryBackoff: true, expireInSeconds: BOSS_EXPIRE_SECONDS });
    } catch (err) {
      await this.pool.query(`UPDATE jobs SET status = 'failed', finished_at = now(), error = $2, message = $3 WHERE id = $1`, [
        id,
        { code: 'QUEUE_UNAVAILABLE', message: `could not queue the job: ${(err as Error).message}` },
        'could not queue the job',
      ]);
      throw err;
    }
    return rowToJob<P, R>(res.rows[0] as Record<string, unknown>);
  }

  async list(limit = 500): Promise<Array<JobRecord<P, R>>> {
    const res = await this.pool.query(`SELECT ${COLUMNS}, ${POSITION} FROM jobs j ORDER BY j.created_at DESC, j.id DESC LIMIT $1`, [limit]);
    return res.rows.map((r: Record<string, unknown>) => rowToJob<P, R>(r));
  }

  async get(id: string): Promise<JobRecord<P, R> | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const res = await this.pool.query(`SELECT ${COLUMNS}, ${POSITION} FROM jobs j WHERE j.id = $1`, [id]);
    return res.rows[0] ? rowToJob<P, R>(res.rows[0] as Record<string, unknown>) : undefined;
  }

  /** Queued → cancelled at once (and removed from the queue); running → the worker is told to stop. */
  async cancel(id: string): Promise<JobRecord<P, R> | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const res = await this.pool.query(
      `UPDATE jobs SET
         status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
         finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
         message = CASE WHEN status = 'queued' THEN 'cancelled before it started' WHEN status = 'running' THEN 'cancelling…' ELSE message END,
         cancel_requested = cancel_requested OR status IN ('queued', 'running')
       WHERE id = $1 RETURNING type, status`,
      [id],
    );
    const row = res.rows[0] as { type: string; status: string } | undefined;
    if (!row) return undefined;
    if (row.status === 'cancelled') await this.boss.cancel(queueName(row.type), id).catch(() => undefined);
    return this.get(id);
  }

  async waitFor(id: string, timeoutMs = 600_000): Promise<JobRecord<P, R>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.get(id);
      if (!job) throw new Error(`no job ${id}`);
      if (FINISHED_STATUSES.has(job.status)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} did not finish within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 500);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        const onJob = (j: JobRecord<P, R>): void => {
          if (j.id === id) {
            this.off('job', onJob);
            done();
          }
        };
        this.on('job', onJob);
        setTimeout(() => this.off('job', onJob), 600);
      });
    }
  }

  async counts(): Promise<Array<{ type: string; status: string; n: number }>> {
    const res = await this.pool.query<{ type: string; status: string; n: string }>('SELECT type, status, count(*) AS n FROM jobs GROUP BY type, status');
    return res.rows.map((r) => ({ type: r.type, status: r.status, n: Number(r.n) }));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const l = this.listener;
    this.listener = null;
    await l?.end().catch(() => undefined);
    await this.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
  }
}
