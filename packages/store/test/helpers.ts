// Shared by the store tests: a temporary OUTPUT_FOLDER holding the small shared CT as scan `ct` of
// patient `p1`, and that CT's reference label map (VISTA3D ids) read into memory.
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { niftiPath } from '../src/index.js';

const data = new URL('../../../../shared/data/', import.meta.url).pathname;
export const CT = join(data, 'totalseg_example_ct_sm.nii.gz');
export const SEG = join(data, 'totalseg_example_ct_sm_seg_vista3d.nii.gz');

/** The caller removes `root` when done. */
export async function tempStoreRoot(prefix: string): Promise<{ root: string; seg: Volume<Uint8Array> }> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(root, 'p1', 'nifti'), { recursive: true });
  await copyFile(CT, niftiPath(root, 'p1', 'ct'));
  return { root, seg: (await readNifti(SEG)) as Volume<Uint8Array> };
}

/** Dice per label (0 = background left out) of two label maps on one grid, counted directly; ascending ids. */
export function referenceDice(a: ArrayLike<number>, b: ArrayLike<number>): Map<number, number> {
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  const both = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ca.set(x, (ca.get(x) ?? 0) + 1);
    cb.set(y, (cb.get(y) ?? 0) + 1);
    if (x === y) both.set(x, (both.get(x) ?? 0) + 1);
  }
  const ids = [...new Set([...ca.keys(), ...cb.keys()])].filter((id) => id !== 0).sort((x, y) => x - y);
  return new Map(ids.map((id) => [id, (2 * (both.get(id) ?? 0)) / ((ca.get(id) ?? 0) + (cb.get(id) ?? 0))]));
}
