import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '@vista3d/volume';
// The pure helper alone (no pg/pg-boss load for the in-process manager).
import { advancedProgress } from '@vista3d/db/job-progress';
import type { JobResult, JobStatus, JobType, JobView } from '@vista3d/api-types';

export type { JobResult, JobStatus, JobType };
export const JOB_TYPES = ['convert', 'segment', 'mesh'] as const satisfies readonly JobType[];
export const FINISHED: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** What the job was asked to do (validated and resolved when it was created). */
export interface JobParams {
  /** Class names sent to the backend (segment) or label ids to mesh; undefined = all. */
  classes?: string[];
  labelIds?: number[];
  labelSet?: string;
  force: boolean;
  formats?: string[];
  /** Targets resolved at creation: [patient, scan?] pairs. */
  targets: Array<{ patient: string; scan?: string }>;
}

export interface Job extends JobView<JobType, JobResult> {
  params: JobParams;
}

/** Handed to a runner: abort signal and helpers that update the job (and notify listeners). */
export interface JobContext {
  signal: AbortSignal;
  /** Overall progress: `done` items finished plus `fraction` of the current one. */
  progress(fraction: number, message?: string): void;
  setTotal(total: number): void;
  addResult(result: JobResult): void;
}

/** Runs one job; throws JobFailure (or any error) to fail it. Results are added through ctx. */
export type JobRunner = (job: Readonly<Job>, ctx: JobContext) => Promise<void>;

/** Fails a job with a code and message for the UI. */
export class JobFailure extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'JobFailure';
    this.code = code;
  }
}

const persistedSchema = z.object({ version: z.literal(1), jobs: z.array(z.record(z.string(), z.unknown())) });

export interface JobManagerOptions {
  /** File the job list is persisted to (atomic writes). */
  file: string;
  concurrency: number;
  runners: Record<JobType, JobRunner>;
  /** Jobs kept (oldest finished ones are dropped). */
  maxJobs?: number;
  /** Where persistence problems are reported (default console); pino loggers fit. */
  log?: JobLog;
}

export interface JobLog {
  warn(msg: string): void;
  error(msg: string): void;
}

/**
 * In-process job queue: runs up to `concurrency` jobs at once, cancels through AbortController,
 * emits 'job' (a Job snapshot) on every change and persists the list so it survives restarts.
 */
export class JobManager extends EventEmitter<{ job: [Job] }> {
  private readonly jobs = new Map<string, Job>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly queue: string[] = [];
  private persistTimer: NodeJS.Timeout | null = null;
  private persistChain: Promise<void> = Promise.resolve();
  private writing = false;
  private dirty = false;
  private closed = false;
  /** The last failed write of the job list (null once a write succeeds again). */
  persistError: Error | null = null;

  constructor(private readonly options: JobManagerOptions) {
    super();
    this.setMaxListeners(0);
  }

  /**
   * Loads the persisted list; jobs that were queued or running when the server stopped fail with
   * INTERRUPTED. An unreadable or corrupt file is moved aside (`<file>.corrupt-<time>`) and reported
   * loudly; the server then starts with an empty list rather than refusing to start.
   */
  async load(): Promise<void> {
    const log = this.options.log ?? console;
    let text: string;
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      log.error(`jobs: cannot read the job list ${this.options.file}: ${(err as Error).message}; starting with an empty list`);
      return;
    }
    let parsed: z.infer<typeof persistedSchema>;
    try {
      parsed = persistedSchema.parse(JSON.parse(text));
    } catch (err) {
      const aside = `${this.options.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.options.file, aside).catch(() => undefined);
      log.error(`jobs: the job list ${this.options.file} is corrupt (${(err as Error).message.split('\n')[0]}); kept it as ${aside} and started with an empty list`);
      return;
    }
    const now = new Date().toISOString();
    for (const raw of parsed.jobs) {
      const job = raw as unknown as Job;
      if (typeof job.id !== 'string' || !JOB_TYPES.includes(job.type)) continue;
      if (!FINISHED.has(job.status)) {
        job.status = 'failed';
        job.finishedAt = now;
        job.error = { code: 'INTERRUPTED', message: 'the server stopped while this job was queued or running; start it again' };
        job.message = job.error.message;
      }
      this.jobs.set(job.id, job);
    }
    await this.persistNow();
  }

  list(): Job[] {
    return [...this.jobs.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  create(type: JobType, params: JobParams, scope: { patient?: string; scan?: string }): Job {
    if (this.closed) throw new Error('job manager is closed');
    const job: Job = {
      id: randomUUID(),
      type,
      status: 'queued',
      progress: 0,
      message: 'queued',
      ...(scope.patient !== undefined ? { patient: scope.patient } : {}),
      ...(scope.scan !== undefined ? { scan: scope.scan } : {}),
      createdAt: new Date().toISOString(),
      results: [],
      items: { total: params.targets.length, done: 0 },
      params,
    };
    this.jobs.set(job.id, job);
    this.queue.push(job.id);
    this.prune();
    this.changed(job, true);
    setImmediate(() => this.pump());
    return structuredClone(job);
  }

  /** Cancels a queued or running job; finished jobs are returned unchanged. */
  cancel(id: string): Job | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(job, 'cancelled', 'cancelled before it started');
    } else if (job.status === 'running') {
      job.message = 'cancelling…';
      this.controllers.get(id)?.abort(new JobFailure('CANCELLED', 'cancelled by the user'));
      this.changed(job, false);
    }
    return job;
  }

  /** Resolves when the job is finished (tests, CLI). */
  async waitFor(id: string): Promise<Job> {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    if (FINISHED.has(job.status)) return job;
    return new Promise((resolve) => {
      const onJob = (j: Job): void => {
        if (j.id === id && FINISHED.has(j.status)) {
          this.off('job', onJob);
          resolve(j);
        }
      };
      this.on('job', onJob);
    });
  }

  /** Aborts running jobs, waits for them and writes the list (as interrupted ones will be read back). */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.queue.splice(0)) {
      const job = this.jobs.get(id);
      if (job) this.finish(job, 'cancelled', 'server shut down before it started');
    }
    for (const c of this.controllers.values()) c.abort(new JobFailure('INTERRUPTED', 'server shutting down'));
    await Promise.allSettled(this.running.values());
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    await this.persistChain;
    await this.persistNow();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.options.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const job = this.jobs.get(id);
      if (!job || job.status !== 'queued') continue;
      const run = this.run(job).finally(() => {
        this.running.delete(id);
        this.controllers.delete(id);
        this.pump();
      });
      this.running.set(id, run);
    }
  }

  private async run(job: Job): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(job.id, controller);
    job.status = 'running';
    job.startedAt = new Date().toISOString();
    job.message = 'started';
    this.changed(job, true);
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (fraction, message) => {
        job.progress = advancedProgress(job.progress, job.items.done, job.items.total, fraction);
        if (message !== undefined) job.message = message;
        this.changed(job, false);
      },
      setTotal: (total) => {
        job.items.total = total;
        this.changed(job, false);
      },
      addResult: (result) => {
        job.results.push(result);
        job.items.done = Math.min(job.items.total, job.items.done + 1);
        job.progress = job.items.total ? job.items.done / job.items.total : 1;
        this.changed(job, true);
      },
    };
    try {
      await this.options.runners[job.type](job, ctx);
      controller.signal.throwIfAborted();
      const failed = job.results.filter((r) => r.status === 'failed');
      if (failed.length > 0) {
        const first = failed[0].error ?? { code: 'FAILED', message: 'failed' };
        const all = failed.length === job.results.length;
        job.error = all
          ? first
          : { code: 'SOME_ITEMS_FAILED', message: `${failed.length} of ${job.results.length} items failed; first: ${first.message}` };
        this.finish(job, 'failed', job.error.message);
      } else {
        const skipped = job.results.filter((r) => r.status === 'skipped').length;
        const done = job.results.length - skipped;
        this.finish(job, 'succeeded', `done: ${done} processed${skipped ? `, ${skipped} skipped (already done; use force to redo)` : ''}`);
      }
    } catch (err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof JobFailure && reason.code === 'CANCELLED') {
        this.finish(job, 'cancelled', 'cancelled by the user');
      } else {
        const code = reason instanceof JobFailure || typeof (reason as { code?: unknown })?.code === 'string' ? String((reason as { code: string }).code) : 'FAILED';
        job.error = { code, message: (reason as Error)?.message ?? String(reason) };
        this.finish(job, 'failed', job.error.message);
      }
    }
  }

  private finish(job: Job, status: JobStatus, message: string): void {
    job.status = status;
    job.message = message;
    job.finishedAt = new Date().toISOString();
    if (status === 'succeeded') job.progress = 1;
    this.changed(job, true);
  }

  private changed(job: Job, important: boolean): void {
    this.emit('job', structuredClone(job));
    this.schedulePersist(important);
  }

  private prune(): void {
    const max = this.options.maxJobs ?? 500;
    if (this.jobs.size <= max) return;
    const finished = this.list().filter((j) => FINISHED.has(j.status)).reverse();
    for (const j of finished) {
      if (this.jobs.size <= max) break;
      this.jobs.delete(j.id);
    }
  }

  /** Status changes are written at once; progress-only changes at most every 500 ms. */
  private schedulePersist(stateChange: boolean): void {
    if (stateChange) {
      if (this.persistTimer) clearTimeout(this.persistTimer);
      this.persistTimer = null;
      void this.persistNow();
      return;
    }
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      void this.persistNow();
    }, 500);
  }

  /**
   * Writes the current list atomically. Writes never overlap: one requested while another is in
   * flight is coalesced into a single follow-up write of the then-current list. A failed write
   * (disk full, permissions) is logged loudly and retried on the next change.
   */
  private persistNow(): Promise<void> {
    if (this.writing) {
      this.dirty = true;
      return this.persistChain;
    }
    this.writing = true;
    const log = this.options.log ?? console;
    const loop = async (): Promise<void> => {
      do {
        this.dirty = false;
        const body = Buffer.from(JSON.stringify({ version: 1, jobs: this.list() }));
        try {
          await writeFileAtomic(this.options.file, body);
          if (this.persistError) log.warn(`jobs: the job list ${this.options.file} is written again`);
          this.persistError = null;
        } catch (err) {
          if (!this.persistError) log.error(`jobs: CANNOT WRITE the job list ${this.options.file}: ${(err as Error).message}; job states are not saved until this is fixed`);
          this.persistError = err as Error;
        }
      } while (this.dirty);
      this.writing = false;
    };
    this.persistChain = loop();
    return this.persistChain;
  }
}
