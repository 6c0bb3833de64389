export { buildServer } from './server.js';
export { configFromEnv, envSchema, DEFAULT_MAX_UPLOAD_BYTES } from './config.js';
export type { ImageServerConfig } from './config.js';
export { parseRange } from './range.js';
export type { RangeResult } from './range.js';
export { parseRootPath } from './request-path.js';
export { contentTypeFor } from './content-types.js';
