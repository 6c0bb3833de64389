import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { CtFingerprint } from './versions.js';

/** sha256, size and mtime of a CT file (streamed; the hash is of the file as stored, e.g. .nii.gz bytes). */
export async function ctFingerprint(file: string): Promise<CtFingerprint> {
  const before = await stat(file);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), size: before.size, mtimeMs: before.mtimeMs };
}

/** True when both fingerprints name the same content (size and hash; mtime alone may change on copies). */
export function sameCt(a: CtFingerprint, b: CtFingerprint): boolean {
  return a.sha256 === b.sha256 && a.size === b.size;
}

/** True while `file` still holds the CT that `ct` fingerprints (false when it was replaced or is gone). */
export async function ctUnchanged(file: string, ct: CtFingerprint): Promise<boolean> {
  const now = await ctFingerprint(file).catch(() => null);
  return now !== null && sameCt(now, ct);
}
