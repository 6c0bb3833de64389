/**
 * An error meant for the client: its status, a stable machine-readable code and a message that
 * says what is wrong. Every service answers these as
 * `{"statusCode": 400, "error": "Bad Request", "code": "UNKNOWN_CLASS", "message": "..."}`.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (code: string, message: string, details?: unknown): HttpError =>
  new HttpError(400, code, message, details);
export const notFound = (code: string, message: string): HttpError => new HttpError(404, code, message);
