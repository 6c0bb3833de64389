import type { FastifyServerOptions } from 'fastify';

/** pino options shared by all services: JSON logs, level from LOG_LEVEL, quiet under tests. */
export function loggerOptions(service: string): FastifyServerOptions['logger'] {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  return { level, base: { service }, redact: ['req.headers.authorization'] };
}
