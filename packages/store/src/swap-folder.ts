import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces the folder `target` by the complete folder `staging` with renames, so readers see the old
 * content or the new, never a mix; the old content is removed afterwards. If the second rename fails
 * the old folder is put back.
 */
export async function swapFolder(staging: string, target: string): Promise<void> {
  const old = join(dirname(target), `.${basename(target)}.old-${randomUUID().slice(0, 8)}`);
  const hadOld = await rename(target, old).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  try {
    await rename(staging, target);
  } catch (err) {
    if (hadOld) await rename(old, target).catch(() => undefined);
    throw err;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}
