import { EventEmitter } from 'node:events';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { ensureQueues, queueName, rowToJob } from './jobs.js';
import type { JobErrorInfo, JobRecord } from './jobs.js';
import { advancedProgress } from './job-progress.js';

/** What a handler gets: the same contract as the frontend's in-process JobContext. */
export interface ExecutionContext<R> {
  signal: AbortSignal;
  progress(fraction: number, message?: string): void;
  setTotal(total: number): void;
  addResult(result: R): void;
}

export type JobHandler<P, R> = (job: Readonly<JobRecord<P, R>>, ctx: ExecutionContext<R>) => Promise<void>;

export type JobOutcome = 'succeeded' | 'failed' | 'cancelled' | 'retrying' | 'lost';

export interface ExecutorOptions<P, R> {
  pool: pg.Pool;
  boss: PgBoss;
  /** Connection URL for the LISTEN connection (cancel requests, new jobs). */
  url: string;
  workerId: string;
  types: readonly string[];
  handlers: Record<string, JobHandler<P, R>>;
  /** Jobs this worker runs at once. */
  concurrency: number;
  /** How often running jobs are marked alive and cancel flags read (ms). */
  heartbeatMs?: number;
  /** A running job whose worker has not been heard of for this long is retried elsewhere (ms). */
  staleMs?: number;
  /** Poll interval when the queues are empty (ms; new jobs also wake the worker via NOTIFY). */
  pollMs?: number;
  /** Job-level errors worth another attempt (after pg-boss's backoff), by code. */
  retryableCodes?: ReadonlySet<string>;
  /** Called after each finished job (index refresh, metrics). */
  onFinished?: (job: JobRecord<P, R>, outcome: JobOutcome) => void | Promise<void>;
}

export const DEFAULT_RETRYABLE: ReadonlySet<string> = new Set(['BACKEND_UNAVAILABLE', 'BACKEND_BUSY', 'WORKER_LOST', 'ECONNRESET']);

interface Running {
  id: string;
  type: string;
  controller: AbortController;
  done: Promise<void>;
}

class Cancelled extends Error {
  readonly code = 'CANCELLED';
  constructor() {
    super('cancelled by the user');
  }
}

class Lost extends Error {
  readonly code = 'LOST';
  constructor(why: string) {
    super(why);
  }
}

const codeOf = (err: unknown): string => (typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'FAILED');

/**
 * Runs queued jobs from pg-boss in this process: claims each job row, runs its handler with an abort
 * signal, writes progress and results to `jobs` (every replica sees them through NOTIFY), keeps a
 * heartbeat, and sweeps jobs whose worker stopped beating (killed, OOM, node lost) back into the
 * queue, or fails them with WORKER_LOST once their attempts are used up.
 */
export class JobExecutor<P = unknown, R extends { status?: string; error?: JobErrorInfo } = { status?: string; error?: JobErrorInfo }> extends EventEmitter<{
  finished: [JobRecord<P, R>, JobOutcome];
}> {
  private readonly running = new Map<string, Running>();
  private readonly lanes: Array<Promise<void>> = [];
  private stopping = false;
  private wake: (() => void) | null = null;
  private checking = false;
  private recheckPending = false;
  private listener: pg.Client | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly heartbeatMs: number;
  private readonly staleMs: number;
  private readonly pollMs: number;
  private readonly retryable: ReadonlySet<string>;

  constructor(private readonly o: ExecutorOptions<P, R>) {
    super();
    this.heartbeatMs = o.heartbeatMs ?? 5000;
    this.staleMs = o.staleMs ?? 60_000;
    this.pollMs = o.pollMs ?? 2000;
    this.retryable = o.retryableCodes ?? DEFAULT_RETRYABLE;
  }

  get activeJobs(): string[] {
    return [...this.running.keys()];
  }

  async start(): Promise<void> {
    await this.o.boss.start();
    await ensureQueues(this.o.boss, this.o.pool, this.o.types);
    const client = new pg.Client({ connectionString: this.o.url, application_name: `vista3d-worker-${this.o.workerId}` });
    client.on('error', () => undefined);
    client.on('notification', (msg) => {
      const id = msg.payload ?? '';
      // A change to one of our running jobs may be a cancel or a take-over: look (read-only, so our
      // own progress writes do not feed back into more writes).
      if (this.running.has(id)) this.recheck();
      else this.wake?.();
    });
    await client.connect();
    await client.query('LISTEN vista3d_jobs');
    this.listener = client;
    this.timers.push(setInterval(() => void this.beat().catch(() => undefined), this.heartbeatMs));
    this.timers.push(setInterval(() => void this.sweep().catch(() => undefined), Math.max(500, Math.round(this.staleMs / 4))));
    for (let i = 0; i < this.o.concurrency; i++) this.lanes.push(this.lane());
  }

  /** Stops taking jobs; running ones get `graceMs` to finish, then go back to the queue for another worker. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done));
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) for (const r of this.running.values()) r.controller.abort(new Lost('worker shutting down'));
    await Promise.allSettled(this.lanes);
    for (const t of this.timers) clearInterval(t);
    await this.listener?.end().catch(() => undefined);
    await this.o.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
  }

  private async lane(): Promise<void> {
    while (!this.stopping) {
      let got = false;
      for (const type of this.o.types) {
        if (this.stopping) break;
        const jobs = await this.o.boss.fetch<{ jobId: string }>(queueName(type), { batchSize: 1, priority: true }).catch(() => []);
        const bossJob = jobs[0];
        if (!bossJob) continue;
        got = true;
        await this.execute(type, bossJob.id).catch(() => undefined);
        break;
      }
      if (!got && !this.stopping) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.pollMs);
          this.wake = () => {
            clearTimeout(t);
            this.wake = null;
            resolve();
          };
        });
      }
    }
  }

  private async execute(type: string, id: string): Promise<void> {
    const { pool, boss, workerId } = this.o;
    const claimed = await pool.query(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = $2, heartbeat_at = now(),
              started_at = COALESCE(started_at, now()), message = 'started on ' || $2
        WHERE id = $1 AND status = 'queued' AND NOT cancel_requested RETURNING *`,
      [id, workerId],
    );
    if (!claimed.rows[0]) {
      // Cancelled, finished, or claimed elsewhere meanwhile: nothing to run.
      await boss.complete(queueName(type), id).catch(() => undefined);
      return;
    }
    const job = rowToJob<P, R>(claimed.rows[0] as Record<string, unknown>);
    const controller = new AbortController();
    let writes: Promise<unknown> = Promise.resolve();
    const write = (sql: string, values: unknown[]): void => {
      // Only while this worker still owns the running job (a sweep may have handed it elsewhere).
      writes = writes.then(() => pool.query(`${sql} AND worker_id = $${values.length + 1} AND status = 'running'`, [...values, workerId])).catch(() => undefined);
    };
    let lastProgress = 0;
    let pendingProgress: NodeJS.Timeout | null = null;
    const flushProgress = (): void => {
      pendingProgress = null;
      lastProgress = Date.now();
      write('UPDATE jobs SET progress = $2, message = $3 WHERE id = $1', [id, job.progress, job.message]);
    };
    const ctx: ExecutionContext<R> = {
      signal: controller.signal,
      progress: (fraction, message) => {
        job.progress = advancedProgress(job.progress, job.items.done, job.items.total, fraction);
        if (message !== undefined) job.message = message;
        // Progress is written at most 4× a second: NOTIFY reaches every replica on each write.
        if (pendingProgress) return;
        const wait = Math.max(0, 250 - (Date.now() - lastProgress));
        pendingProgress = setTimeout(flushProgress, wait);
      },
      setTotal: (total) => {
        job.items.total = total;
        write('UPDATE jobs SET items_total = $2 WHERE id = $1', [id, total]);
      },
      addResult: (result) => {
        job.results.push(result);
        job.items.done = Math.min(job.items.total, job.items.done + 1);
        job.progress = job.items.total ? job.items.done / job.items.total : 1;
        write('UPDATE jobs SET results = results || $2::jsonb, items_done = $3, progress = $4 WHERE id = $1', [id, JSON.stringify([result]), job.items.done, job.progress]);
      },
    };
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    this.running.set(id, { id, type, controller, done });
    let outcome: JobOutcome;
    try {
      let error: JobErrorInfo | undefined;
      let status: 'succeeded' | 'failed' | 'cancelled' | 'retry' | 'lost';
      let message: string;
      try {
        await this.o.handlers[type]!(job, ctx);
        controller.signal.throwIfAborted();
        const failed = job.results.filter((r) => r.status === 'failed');
        if (failed.length > 0) {
          const first = failed[0]!.error ?? { code: 'FAILED', message: 'failed' };
          error = failed.length === job.results.length ? first : { code: 'SOME_ITEMS_FAILED', message: `${failed.length} of ${job.results.length} items failed; first: ${first.message}` };
          status = 'failed';
          message = error.message;
        } else {
          const skipped = job.results.filter((r) => r.status === 'skipped').length;
          status = 'succeeded';
          message = `done: ${job.results.length - skipped} processed${skipped ? `, ${skipped} skipped (already done; use force to redo)` : ''}`;
        }
      } catch (err) {
        const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
        if (reason instanceof Cancelled) {
          status = 'cancelled';
          message = 'cancelled by the user';
        } else if (reason instanceof Lost) {
          status = 'lost';
          message = reason.message;
        } else {
          error = { code: codeOf(reason), message: (reason as Error)?.message ?? String(reason) };
          status = this.retryable.has(error.code) && job.attempts < job.maxAttempts ? 'retry' : 'failed';
          message = status === 'retry' ? `attempt ${job.attempts} of ${job.maxAttempts} failed (${error.message}); retrying` : error.message;
        }
      }
      if (pendingProgress) clearTimeout(pendingProgress);
      await writes;
      const me = workerId;
      if (status === 'retry' || status === 'lost') {
        // Back into the queue: pg-boss re-offers it after its backoff, to whichever worker fetches first.
        await pool.query(`UPDATE jobs SET status = 'queued', worker_id = NULL, heartbeat_at = NULL, message = $3 WHERE id = $1 AND worker_id = $2 AND status = 'running'`, [id, me, message]);
        await boss.fail(queueName(type), id, { message }).catch(() => undefined);
        outcome = status === 'retry' ? 'retrying' : 'lost';
      } else {
        await pool.query(
          `UPDATE jobs SET status = $3, message = $4, error = $5, finished_at = now(), heartbeat_at = NULL,
                  progress = CASE WHEN $3 = 'succeeded' THEN 1 ELSE progress END
            WHERE id = $1 AND worker_id = $2 AND status = 'running'`,
          [id, me, status, message, error ?? null],
        );
        await boss.complete(queueName(type), id).catch(() => undefined);
        outcome = status;
      }
    } finally {
      this.running.delete(id);
      resolveDone();
    }
    const final = await pool.query(`SELECT * FROM jobs WHERE id = $1`, [id]).catch(() => null);
    if (final?.rows[0]) {
      const record = rowToJob<P, R>(final.rows[0] as Record<string, unknown>);
      await this.o.onFinished?.(record, outcome);
      this.emit('finished', record, outcome);
    }
  }

  /** One read-only check at a time, one more if notifications arrived during it. */
  private recheck(): void {
    if (this.checking) {
      this.recheckPending = true;
      return;
    }
    this.checking = true;
    void this.beat(false)
      .catch(() => undefined)
      .finally(() => {
        this.checking = false;
        if (this.recheckPending) {
          this.recheckPending = false;
          this.recheck();
        }
      });
  }

  /** Marks this worker's jobs alive (`touch`) and aborts those cancelled or taken over meanwhile. */
  private async beat(touch = true): Promise<void> {
    if (this.running.size === 0) return;
    const ids = [...this.running.keys()];
    const res = await this.o.pool.query<{ id: string; cancel_requested: boolean }>(
      touch
        ? `UPDATE jobs SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND status = 'running' RETURNING id, cancel_requested`
        : `SELECT id, cancel_requested FROM jobs WHERE id = ANY($1::uuid[]) AND worker_id = $2 AND status = 'running'`,
      [ids, this.o.workerId],
    );
    const alive = new Map(res.rows.map((r) => [r.id, r.cancel_requested]));
    for (const id of ids) {
      const r = this.running.get(id);
      if (!r || r.controller.signal.aborted) continue;
      if (!alive.has(id)) r.controller.abort(new Lost('this worker was presumed dead and the job was handed to another'));
      else if (alive.get(id)) r.controller.abort(new Cancelled());
    }
  }

  /** Jobs of workers that stopped beating: retried elsewhere, or failed with WORKER_LOST when out of attempts. */
  private async sweep(): Promise<void> {
    const res = await this.o.pool.query<{ id: string; type: string; status: string; cancel_requested: boolean }>(
      `UPDATE jobs SET
         status = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
         message = CASE WHEN cancel_requested THEN 'cancelled (its worker stopped)'
                        WHEN attempts < max_attempts THEN 'worker ' || worker_id || ' stopped responding; retrying on another worker'
                        ELSE 'worker ' || worker_id || ' stopped responding on the last attempt' END,
         error = CASE WHEN cancel_requested OR attempts < max_attempts THEN error
                      ELSE jsonb_build_object('code', 'WORKER_LOST', 'message',
                        'worker ' || worker_id || ' stopped responding (killed or lost) during attempt ' || attempts || ' of ' || max_attempts) END,
         finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN now() END,
         worker_id = NULL, heartbeat_at = NULL
       WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
       RETURNING id, type, status, cancel_requested`,
      [this.staleMs / 1000],
    );
    for (const r of res.rows) {
      if (r.status === 'queued') await this.o.boss.fail(queueName(r.type), r.id, { message: 'worker lost' }).catch(() => undefined);
      else await this.o.boss.complete(queueName(r.type), r.id).catch(() => undefined);
      this.wake?.();
    }
  }
}
