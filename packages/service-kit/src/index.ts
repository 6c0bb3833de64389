export { HttpError, badRequest, notFound } from './http-error.js';
export { installErrorHandler, errorBody } from './error-handler.js';
export type { ErrorBody } from './error-handler.js';
export { loadConfig, envPort, envList, envBool } from './config.js';
export { installMetrics } from './metrics.js';
export { bearerToken, isLoopbackAddress, metricsAllowed, secretMatches } from './metrics-access.js';
export type { MetricsAccess } from './metrics-access.js';
export { loggerOptions } from './logger.js';
export { multipartClientError, multipartFileStream } from './multipart-errors.js';
