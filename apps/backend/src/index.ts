export { buildServer, ALIAS_PREFIX } from './server.js';
export type { BuildOptions } from './server.js';
export { configFromEnv, defaultConfig, envSchema, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_VOXELS } from './config.js';
export type { BackendConfig } from './config.js';
export { loadEngine, engineConfigFrom } from './engine.js';
export { JobQueue, QueueFullError } from './queue.js';
export { resolvePrompts, promptsSchema, inferenceBodySchema } from './prompts.js';
