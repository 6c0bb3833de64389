import { configFromEnv } from './config.js';
import { buildServer } from './server.js';

let config;
try {
  config = configFromEnv();
} catch (err) {
  console.error(`backend: ${(err as Error).message}`);
  process.exit(2);
}
const app = buildServer(config);
try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  app.log.error({ err }, 'cannot listen');
  process.exit(1);
}

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
