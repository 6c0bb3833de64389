import type { FastifyError, FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ZodError } from 'zod';
import { HttpError } from './http-error.js';
import { multipartClientError } from './multipart-errors.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: unknown;
}

export function errorBody(statusCode: number, code: string, message: string, details?: unknown): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...(details === undefined ? {} : { details }) };
}

/** Turns every thrown error into a JSON body; 5xx are logged, 4xx are the client's problem. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | ZodError | Error, request, reply) => {
    const multipart = multipartClientError(err);
    if (multipart) err = multipart;
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send(errorBody(err.statusCode, err.code, err.message, err.details));
    }
    if (err instanceof ZodError) {
      const message = err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      return reply.status(400).send(errorBody(400, 'INVALID_REQUEST', message, err.issues));
    }
    const fe = err as FastifyError;
    const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    const code = fe.code ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
    return reply.status(status).send(errorBody(status, code, status >= 500 ? `internal error: ${err.message}` : err.message));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody(404, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
