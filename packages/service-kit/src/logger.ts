import type { FastifyServerOptions } from 'fastify';
import { prettyStream } from './pretty-log.js';

/**
 * pino options shared by all services: level from LOG_LEVEL (quiet under tests), JSON lines
 * (containers) or, with LOG_FORMAT=pretty (npm start), one readable line per event. Credentials
 * are redacted; requests are logged by method, route URL (ids only, no bodies) and status.
 */
export function loggerOptions(service: string): FastifyServerOptions['logger'] {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  const options = { level, base: { service }, redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'] };
  return process.env.LOG_FORMAT === 'pretty' ? { ...options, stream: prettyStream() } : options;
}
