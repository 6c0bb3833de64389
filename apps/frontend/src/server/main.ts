import { buildServer } from './server.js';
import { configFromEnv } from './config.js';
import { isTaskChild } from './isolated-task.js';

// The bundle is also the entry of job child processes (task-child.ts serves them); those never listen.
if (!isTaskChild()) {
  const config = configFromEnv();
  const app = await buildServer(config);
  const shutdown = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ outputFolder: config.outputFolder, backend: config.vista3dServer, imageServer: config.imageServer }, 'frontend ready');
}
