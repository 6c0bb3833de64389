import { z } from 'zod';

/** Connection and request timeouts of one HTTP service (ms; 0 = none where Node allows it). */
export interface ServerTimeouts {
  /** Time to receive the request line and headers (Node server.headersTimeout). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (server.requestTimeout; 0 = none). */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (Fastify connectionTimeout). */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  keepAliveTimeoutMs: number;
}

const ms = (d: number) => z.coerce.number().int().min(0).default(d);

/** HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS (defaults in docs/security.md). */
export const timeoutEnvShape = {
  HEADERS_TIMEOUT_MS: ms(30_000),
  REQUEST_TIMEOUT_MS: ms(60 * 60_000),
  IDLE_TIMEOUT_MS: ms(60_000),
  KEEP_ALIVE_TIMEOUT_MS: ms(5_000),
};

export const DEFAULT_TIMEOUTS: ServerTimeouts = { headersTimeoutMs: 30_000, requestTimeoutMs: 60 * 60_000, idleTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 };

export function timeoutsFromEnv(e: { HEADERS_TIMEOUT_MS: number; REQUEST_TIMEOUT_MS: number; IDLE_TIMEOUT_MS: number; KEEP_ALIVE_TIMEOUT_MS: number }): ServerTimeouts {
  return { headersTimeoutMs: e.HEADERS_TIMEOUT_MS, requestTimeoutMs: e.REQUEST_TIMEOUT_MS, idleTimeoutMs: e.IDLE_TIMEOUT_MS, keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS };
}

/** Fastify server options for the timeouts, the header deadline included (given to Node's http.Server). */
export function fastifyTimeoutOptions(t: ServerTimeouts = DEFAULT_TIMEOUTS): {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number };
} {
  // Node requires headersTimeout ≤ requestTimeout when the latter is set.
  const headersTimeout = t.requestTimeoutMs > 0 ? Math.min(t.headersTimeoutMs, t.requestTimeoutMs) : t.headersTimeoutMs;
  return {
    connectionTimeout: t.idleTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    // Node checks the header and request deadlines on a timer (every 30 s by default): check often
    // enough that a short deadline is honoured close to its value.
    http: { requestTimeout: t.requestTimeoutMs, headersTimeout, connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(headersTimeout / 4))) },
  };
}
