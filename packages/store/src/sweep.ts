import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Names of the temporary files and folders the platform's writers create, and nothing else (a sweep
 * must never remove real data):
 * - `.<scan>.staging-<pid>.<ms>.<rand>`: saveSegmentation (voxels/), `.<scan>.staging-<8 hex>`: meshing (meshes/)
 * - `.<name>.old-<8 hex>`: swapFolder's moved-aside folder
 * - `.staging-<pid>-<8 hex>`: a segmentation version being stored (versions/<scan>/)
 * - `.upload-<uuid>.nii`: an edited label map being received (versions/<scan>/)
 * - `.upload-<stamp>-<6 hex>.partial`: a DICOM upload being unpacked (<dicom>/<patient>/)
 * - `.<file>.<pid>.<rand>.tmp`: writeFileAtomic's temporary file (anywhere, also the image server's PUT)
 * - `.uploads/<uuid>`: multipart upload parts (under the output root)
 */
export const LEFTOVER_PATTERNS: readonly RegExp[] = [
  /^\..+\.staging-(\d+\.\d+\.[0-9a-z]+|[0-9a-f]{8})$/,
  /^\..+\.old-[0-9a-f]{8}$/,
  /^\.staging-\d+-[0-9a-f]{8}$/,
  /^\.upload-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.nii$/,
  /^\.upload-\d{8}T\d{6}-[0-9a-f]{6}\.partial$/,
  /^\..+\.\d+\.[0-9a-z]+\.tmp$/,
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isLeftoverName(name: string): boolean {
  return LEFTOVER_PATTERNS.some((p) => p.test(name));
}

export interface SweepOptions {
  /** Only entries not modified for this long are removed (a sibling replica may be writing); default 60 s. */
  minAgeMs?: number;
  /** How deep below each root to look; default 4 (root/patient/voxels/scan). */
  maxDepth?: number;
  now?: number;
}

/**
 * Removes crash leftovers (see LEFTOVER_PATTERNS) under each root, older than `minAgeMs`. Only hidden
 * entries with exactly those names are touched; everything else is walked (not followed through
 * symlinks) or left alone. Returns the removed paths.
 */
export async function sweepLeftovers(roots: string[], options: SweepOptions = {}): Promise<string[]> {
  const minAge = options.minAgeMs ?? 60_000;
  const maxDepth = options.maxDepth ?? 4;
  const now = options.now ?? Date.now();
  const removed: string[] = [];

  const oldEnough = async (path: string): Promise<boolean> => {
    const s = await stat(path).catch(() => null);
    return s !== null && now - s.mtimeMs >= minAge;
  };
  const remove = async (path: string): Promise<void> => {
    if (!(await oldEnough(path))) return;
    await rm(path, { recursive: true, force: true });
    removed.push(path);
  };

  const walk = async (dir: string, depth: number, isRoot: boolean): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(dir, e.name);
      if (isRoot && e.name === '.uploads' && e.isDirectory()) {
        const parts = await readdir(path).catch(() => [] as string[]);
        for (const p of parts) if (UUID.test(p)) await remove(join(path, p));
        continue;
      }
      if (isLeftoverName(e.name)) await remove(path);
      else if (e.isDirectory() && !e.name.startsWith('.') && depth < maxDepth) await walk(path, depth + 1, false);
    }
  };

  for (const root of new Set(roots)) await walk(root, 0, true);
  return removed;
}
