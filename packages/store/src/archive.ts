import { mkdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { meshesDir, patientDir, validateName, versionsDir, voxelsDir } from './paths.js';

/** Folder (ignored by the listing) that holds derivatives of replaced CTs: `<patient>/archive/`. */
export const archiveRoot = (root: string, patient: string): string => join(patientDir(root, patient), 'archive');

/**
 * Moves a scan's label maps (`voxels/<scan>`), meshes and versions into
 * `<patient>/archive/<scan>-<timestamp>/{voxels,meshes,versions}` (renames; nothing is deleted), so
 * they are never listed on a CT they were not computed from. Returns the archive folder, or null
 * when the scan had none of these. Callers hold the scan's lock (withScanLock on voxelsDir).
 */
export async function archiveScanDerivatives(root: string, patient: string, scan: string): Promise<string | null> {
  validateName(scan, 'scan');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z');
  const dest = join(archiveRoot(root, patient), `${scan}-${stamp}`);
  await mkdir(dest, { recursive: true });
  let moved = 0;
  for (const [name, from] of [['voxels', voxelsDir(root, patient, scan)], ['meshes', meshesDir(root, patient, scan)], ['versions', versionsDir(root, patient, scan)]] as const) {
    try {
      await rename(from, join(dest, name));
      moved++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  if (moved === 0) {
    await rmdir(dest).catch(() => undefined);
    await rmdir(archiveRoot(root, patient)).catch(() => undefined);
    return null;
  }
  return dest;
}
