import { lstat, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { HttpError } from '@vista3d/service-kit';

/** `p` is `root` or below it. Both must be real (symlink-free) absolute paths. */
export function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Filesystem errors a client can cause (missing file, wrong type) → 4xx; anything else stays a 500. */
export function mapFsError(err: unknown, what: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
      return new HttpError(404, 'NOT_FOUND', `${what} not found`);
    case 'EACCES':
    case 'EPERM':
      return new HttpError(403, 'FORBIDDEN', `${what} is not accessible`);
    case 'ENAMETOOLONG':
      return new HttpError(400, 'BAD_PATH', 'path too long');
    case 'EISDIR':
      return new HttpError(409, 'IS_DIRECTORY', `${what} is a directory`);
    default:
      return err;
  }
}

async function realRoot(rootDir: string, label: string): Promise<string> {
  try {
    return await realpath(rootDir);
  } catch (err) {
    const e = mapFsError(err, `root /${label}`);
    if (e instanceof HttpError && e.statusCode === 404) throw new HttpError(404, 'ROOT_MISSING', `the /${label} folder does not exist on the server`);
    throw e;
  }
}

/**
 * Resolves an existing path under a root, following symlinks, and refuses anything whose real
 * location is outside the root's real location (a symlink inside the root pointing at /etc).
 */
export async function resolveExisting(rootDir: string, label: string, segments: readonly string[]): Promise<string> {
  const root = await realRoot(rootDir, label);
  const shown = `/${label}/${segments.join('/')}`;
  let real: string;
  try {
    real = await realpath(join(root, ...segments));
  } catch (err) {
    throw mapFsError(err, shown);
  }
  if (!isInside(root, real)) throw new HttpError(403, 'OUTSIDE_ROOT', `${shown} points outside the served folder`);
  return real;
}

/**
 * Where a new file for `segments` may be written: the deepest existing ancestor is resolved with
 * realpath and must lie inside the root and be a directory; the missing rest is created later
 * below that real directory, so a symlinked folder cannot redirect the write outside the root.
 * An existing target that is a directory is a 409; an existing file (or symlink) is replaced by
 * the atomic rename, which swaps the link itself rather than writing through it.
 */
export async function resolveWriteTarget(rootDir: string, label: string, segments: readonly string[]): Promise<string> {
  if (segments.length === 0) throw new HttpError(400, 'BAD_PATH', 'a file name is required');
  const root = await realRoot(rootDir, label);
  const shown = `/${label}/${segments.join('/')}`;
  for (let i = segments.length; i >= 0; i--) {
    const candidate = join(root, ...segments.slice(0, i));
    let isDir: boolean;
    try {
      const st = await lstat(candidate);
      if (i === segments.length) {
        if (st.isDirectory()) throw new HttpError(409, 'IS_DIRECTORY', `${shown} is a directory`);
        continue; // existing file or link at the target: its parent decides where we write
      }
      isDir = st.isDirectory() || st.isSymbolicLink();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: an ancestor is a file; keep walking up to report which one.
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw mapFsError(err, shown);
    }
    if (!isDir) throw new HttpError(409, 'NOT_A_DIRECTORY', `/${label}/${segments.slice(0, i).join('/')} is a file, not a folder`);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (err) {
      throw mapFsError(err, shown);
    }
    if (!isInside(root, real)) throw new HttpError(403, 'OUTSIDE_ROOT', `${shown} points outside the served folder`);
    return join(real, ...segments.slice(i));
  }
  /* c8 ignore next */
  return join(root, ...segments);
}
