import { PgJobStore, createBoss, createPool, listIndexedPatients, listenChannel, migrate, reconcileIndex, reindexPatient } from '@vista3d/db';
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
  /** The listing as the JSON bytes /api/patients answers (serialised once per index change). */
  patientsJson(): Promise<Buffer>;
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
    // The listing is cached per replica and dropped whenever the index changes on any replica or
    // worker (NOTIFY vista3d_index), so /api/patients costs no query while nothing changes.
    let listing: Promise<IndexedPatient[]> | null = null;
    let listingJson: Promise<Buffer> | null = null;
    const invalidate = (): void => {
      listing = null;
      listingJson = null;
    };
    const listener = await listenChannel(config.databaseUrl, 'vista3d_index', invalidate, invalidate);
    await rescan();
    const patients = (): Promise<IndexedPatient[]> => {
      const current = (listing ??= listIndexedPatients(pool));
      current.catch(() => {
        if (listing === current) listing = null;
      });
      return current;
    };
    return {
      pool,
      jobs,
      patients,
      patientsJson() {
        const current = (listingJson ??= patients().then((p) => Buffer.from(JSON.stringify(p))));
        current.catch(() => {
          if (listingJson === current) listingJson = null;
        });
        return current;
      },
      async reindex(patient) {
        await reindexPatient(pool, folders, patient);
        invalidate();
      },
      async rescan() {
        const report = await rescan();
        invalidate();
        return report;
      },
      async close() {
        await listener.close();
        await jobs.close();
        await pool.end();
      },
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`cannot use the database at DATABASE_URL: ${(err as Error).message}`, { cause: err });
  }
}
