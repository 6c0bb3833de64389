import { EventEmitter } from 'node:events';
import type { JobQueueFields } from '@vista3d/api-types';
import type { CreateJobOptions, JobRecord, PgJobStore } from '@vista3d/db';
import type { Job, JobParams, JobResult, JobType } from './jobs.js';

/** Queue fields the PostgreSQL queue adds to a job (absent in the in-process queue). */
export type QueueFields = Partial<JobQueueFields>;

/**
 * What the job routes need from a queue: the in-process JobManager (no DATABASE_URL: tests, a
 * single process) and PgJobQueue (PostgreSQL + workers: every replica sees every job) both fit.
 */
export interface JobQueue {
  list(): Job[] | Promise<Job[]>;
  get(id: string): Job | undefined | Promise<Job | undefined>;
  create(type: JobType, params: JobParams, scope: { patient?: string; scan?: string }, options?: CreateJobOptions): Job | Promise<Job>;
  cancel(id: string): Job | undefined | Promise<Job | undefined>;
  waitFor(id: string): Promise<Job>;
  close(): Promise<void>;
  on(event: 'job', listener: (job: Job) => void): unknown;
  off(event: 'job', listener: (job: Job) => void): unknown;
}

const toJob = (r: JobRecord<JobParams, JobResult>): Job & QueueFields => r as unknown as Job & QueueFields;

/** Jobs in PostgreSQL, run by apps/worker; this replica only creates, lists, streams and cancels. */
export class PgJobQueue extends EventEmitter<{ job: [Job] }> implements JobQueue {
  constructor(private readonly store: PgJobStore<JobParams, JobResult>) {
    super();
    this.setMaxListeners(0);
    store.on('job', (j) => this.emit('job', toJob(j)));
  }

  async list(): Promise<Job[]> {
    return (await this.store.list()).map(toJob);
  }

  async get(id: string): Promise<Job | undefined> {
    const r = await this.store.get(id);
    return r ? toJob(r) : undefined;
  }

  async create(type: JobType, params: JobParams, scope: { patient?: string; scan?: string }, options: CreateJobOptions = {}): Promise<Job> {
    return toJob(await this.store.create(type, params, { ...scope, total: params.targets.length }, options));
  }

  async cancel(id: string): Promise<Job | undefined> {
    const r = await this.store.cancel(id);
    return r ? toJob(r) : undefined;
  }

  async waitFor(id: string): Promise<Job> {
    return toJob(await this.store.waitFor(id));
  }

  /** Running jobs belong to the workers: closing a replica interrupts none of them. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
