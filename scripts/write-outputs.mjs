// Writes esbuild's in-memory outputs so that a process already running (or starting) from the same
// folder never sees a missing or half-written file: each file is written beside itself and renamed
// into place, entry files last; only then are files of earlier builds that are no longer produced removed.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function listFiles(dir, out = []) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listFiles(full, out);
    else out.push(full);
  }
  return out;
}

/**
 * @param {Array<{ path: string, contents: Uint8Array }>} outputFiles esbuild's result with write: false
 * @param {{ prune?: string }} options prune: a folder whose stale files (not written now) are removed
 */
export function writeOutputs(outputFiles, options = {}) {
  const isEntry = (p) => !p.includes('/chunks/');
  const ordered = [...outputFiles].sort((a, b) => Number(isEntry(a.path)) - Number(isEntry(b.path)));
  for (const f of ordered) {
    mkdirSync(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.tmp-${process.pid}`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  if (options.prune) {
    const keep = new Set(outputFiles.map((f) => f.path));
    for (const file of listFiles(options.prune)) if (!keep.has(file) && !/\.tmp-\d+$/.test(file)) rmSync(file, { force: true });
  }
}
