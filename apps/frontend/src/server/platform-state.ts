import { PgJobStore, createBoss, createPool, listIndexedPatients, migrate, reconcileIndex, reindexPatient } from '@vista3d/db';
import type { IndexedPatient, Pool, ReconcileReport } from '@vista3d/db';
import type { FrontendConfig } from './config.js';
import { PgJobQueue } from './job-queue.js';
import { JOB_TYPES } from './jobs.js';
import type { JobParams, JobResult } from './jobs.js';

/** The replica's view of PostgreSQL: the shared job queue and the data index. */
export interface PlatformState {
  pool: Pool;
  jobs: PgJobQueue;
  patients(): Promise<IndexedPatient[]>;
  reindex(patient: string): Promise<void>;
  rescan(): Promise<ReconcileReport>;
  close(): Promise<void>;
}

/** Connects, migrates (replicas may race: migrations are serialised), and reconciles the index. */
export async function openPlatformState(config: FrontendConfig & { databaseUrl: string }): Promise<PlatformState> {
  const pool = createPool(config.databaseUrl, { max: 10, applicationName: 'vista3d-frontend' });
  try {
    await migrate(pool);
    const folders = { outputFolder: config.outputFolder, dicomFolder: config.dicomFolder };
    const store = new PgJobStore<JobParams, JobResult>(pool, createBoss(config.databaseUrl, { worker: false }), config.databaseUrl);
    await store.start(JOB_TYPES);
    const jobs = new PgJobQueue(store);
    // One rescan at a time per replica; callers arriving meanwhile share the running one.
    let running: Promise<ReconcileReport> | null = null;
    const rescan = (): Promise<ReconcileReport> => {
      running ??= reconcileIndex(pool, folders).finally(() => {
        running = null;
      });
      return running;
    };
    await rescan();
    return {
      pool,
      jobs,
      patients: () => listIndexedPatients(pool),
      reindex: (patient) => reindexPatient(pool, folders, patient),
      rescan,
      async close() {
        await jobs.close();
        await pool.end();
      },
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot use the database at DATABASE_URL: ${(err as Error).message}`, { cause: err });
  }
}
