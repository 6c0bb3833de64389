import { isTaskChild } from '@vista3d/frontend/server/isolated-task';
import { configFromEnv } from './config.js';
import { buildWorker } from './worker.js';

// In the bundle this file is also the entry of the meshing/conversion child processes
// (@vista3d/frontend's task-child serves them): those never start a worker.
if (!isTaskChild()) {
  const config = configFromEnv();
  const worker = await buildWorker(config);
  const shutdown = async (signal: string): Promise<void> => {
    worker.app.log.info({ signal }, 'worker stopping: running jobs get 20 s, then go back to the queue');
    await worker.stop(20_000);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await worker.app.listen({ port: config.port, host: config.host });
  worker.app.log.info({ workerId: config.workerId, types: config.jobTypes, backends: config.backends, concurrency: config.concurrency }, 'worker ready');
}
