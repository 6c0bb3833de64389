export { buildWorker, VERSION } from './worker.js';
export type { Worker } from './worker.js';
export { configFromEnv, envSchema } from './config.js';
export type { WorkerConfig } from './config.js';
export { BackendPool } from './backend-pool.js';
export type { BackendState, BackendPoolOptions } from './backend-pool.js';
