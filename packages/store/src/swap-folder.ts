import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces the folder `target` by the complete folder `staging` with renames, so readers see the old
 * content or the new, never a mix; the old content is removed afterwards. If the second rename fails
 * the old folder is put back. Two writers swapping the same target at once (two replicas saving one
 * scan) both succeed, the last one wins, and no `.old` folder is left behind: when another writer's
 * folder lands between our two renames, it is moved aside and removed on the next round.
 */
export async function swapFolder(staging: string, target: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
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
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && attempt < 50) {
        // Another writer's complete folder arrived in between; what we moved aside is older than both.
        if (hadOld) await rm(old, { recursive: true, force: true });
        continue;
      }
      if (hadOld) await rename(old, target).catch(() => undefined);
      throw err;
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
    return;
  }
}
