import { buildServer } from './server.js';
import { configFromEnv } from './config.js';

const config = configFromEnv();
const app = buildServer(config);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ output: config.outputFolder, dicom: config.dicomFolder, readOnly: config.readOnly }, 'image server ready');
} catch (err) {
  app.log.error({ err }, 'image server failed to start');
  process.exit(1);
}
