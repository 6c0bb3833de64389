import { HttpError } from '@vista3d/service-kit';

/** A request path inside a root, already decoded and checked segment by segment. */
export interface RootPath {
  /** Decoded segments, none empty, none `.`/`..`, none holding `/`, `\` or control characters. */
  segments: string[];
  /** The URL ended in `/` (the client asked for a directory). */
  trailingSlash: boolean;
}

/** Upload temp files (see writeFileAtomic): never listed, served or written by clients. */
export const TEMP_FILE = /^\..*\.tmp$/;

// NUL and other control characters have no business in a file name and confuse C-level APIs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Decodes the raw (still percent-encoded) part of a URL path after the root prefix, exactly once.
 * Works on the raw URL rather than the router's decoded parameter so `%2F` inside a segment can
 * be told apart from a real separator. Anything that could step outside the root is a 400 here;
 * symlinks are handled later by realpath containment (see resolve.ts).
 */
export function parseRootPath(raw: string): RootPath {
  const trailingSlash = raw.endsWith('/');
  const segments: string[] = [];
  for (const encoded of raw.split('/')) {
    // Empty segments come from `//`; collapsing them keeps `/output//etc/passwd` inside the root.
    if (encoded === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(encoded);
    } catch {
      throw new HttpError(400, 'BAD_PATH', `malformed percent-encoding in path segment "${encoded}"`);
    }
    if (seg === '.' || seg === '..') throw new HttpError(400, 'BAD_PATH', 'path must not contain "." or ".." segments');
    if (seg.includes('/') || seg.includes('\\')) throw new HttpError(400, 'BAD_PATH', 'path segments must not contain encoded "/" or "\\"');
    if (CONTROL.test(seg)) throw new HttpError(400, 'BAD_PATH', 'path must not contain NUL or control characters');
    if (Buffer.byteLength(seg) > 255) throw new HttpError(400, 'BAD_PATH', 'path segment longer than 255 bytes');
    segments.push(seg);
  }
  return { segments, trailingSlash };
}

/** URL for a path under a mount prefix such as `/output` or `/images/output`. */
export function urlFor(mount: string, segments: readonly string[], directory: boolean): string {
  const tail = segments.map(encodeURIComponent).join('/');
  return `${mount}/${tail}${directory && tail !== '' ? '/' : ''}`;
}
