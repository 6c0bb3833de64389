import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** A fresh random secret (cookie values, API tokens, generated passwords), URL-safe. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** What is stored for a bearer secret (session cookie, API token): its SHA-256, never the value. */
export function secretDigest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The CSRF token of a session: derived from the cookie value, so it needs no storage. */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update(`csrf:${sessionSecret}`).digest('base64url');
}

/** argon2id (OWASP parameters: 19 MiB, 2 passes); runs on libuv's thread pool, not the event loop. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so unknown names take as long as known ones. */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomSecret());
  return dummy;
}
