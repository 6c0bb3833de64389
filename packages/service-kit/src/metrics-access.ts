import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Who may read /metrics: a bearer token when one is configured, otherwise direct loopback callers only. */
export interface MetricsAccess {
  /** When set, /metrics needs `Authorization: Bearer <token>` from anywhere. */
  token?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

/** Constant-time comparison of a presented secret with the expected one. */
export function secretMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/**
 * A request that came through one of our proxies carries X-Forwarded-For even though its socket is
 * loopback; it must not inherit the trust of a local Prometheus scrape.
 */
export function metricsAllowed(request: FastifyRequest, access: MetricsAccess): boolean {
  if (access.token) return secretMatches(bearerToken(request), access.token);
  const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  return !forwarded && isLoopbackAddress(request.socket.remoteAddress);
}
