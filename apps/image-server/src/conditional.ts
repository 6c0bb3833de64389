/** Validators and conditional-request checks (RFC 9110 §13), kept pure for tests. */

export interface FileValidators {
  etag: string;
  lastModified: string;
}

/**
 * Weak ETag from size and mtime: cheap (no hashing of 100 MB volumes) and changes whenever an
 * atomic rename replaces the file. Weak because two files could in principle share both.
 */
export function validatorsFor(size: number, mtimeMs: number): FileValidators {
  const etag = `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
  return { etag, lastModified: new Date(mtimeMs).toUTCString() };
}

const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');

/** Weak comparison, as If-None-Match requires. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  const ours = opaque(etag);
  return ifNoneMatch.split(',').some((t) => opaque(t) === ours);
}

/** True when the client's cached copy is current and a 304 should be sent. */
export function isNotModified(headers: { ifNoneMatch?: string; ifModifiedSince?: string }, mtimeMs: number, etag: string): boolean {
  // If-None-Match wins over If-Modified-Since when both are present.
  if (headers.ifNoneMatch !== undefined) return etagMatches(headers.ifNoneMatch, etag);
  if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    // HTTP dates have second resolution; compare at that resolution.
    return Number.isFinite(since) && Math.floor(mtimeMs / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

/**
 * If-Range: honour the Range only when the client's validator still describes the file, so a
 * resumed download never stitches together two versions. Dates and our own ETag are accepted.
 */
export function ifRangeAllows(ifRange: string | undefined, etag: string, mtimeMs: number): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return opaque(v) === opaque(etag);
  const date = Date.parse(v);
  return Number.isFinite(date) && Math.floor(mtimeMs / 1000) === Math.floor(date / 1000);
}
