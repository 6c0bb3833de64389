import { isMainThread } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { configFromEnv, type BackendConfig } from './config.js';
import { checkModelContract } from './engine.js';
import { buildServer } from './server.js';

async function start(): Promise<void> {
  let config: BackendConfig;
  let app: FastifyInstance;
  try {
    config = configFromEnv();
    // Also checks that the ONNX model file and its card exist, before listening.
    app = buildServer(config);
    // The ONNX model files against the card (input names, output shape).
    await checkModelContract(config);
  } catch (err) {
    console.error(`backend: ${(err as Error).message}`);
    process.exit(2);
  }
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
}

// In the bundled image the engine's worker threads load this same file: only the main thread serves.
if (isMainThread) await start();
