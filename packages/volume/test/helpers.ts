import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const SHARED_DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
/** The 3 mm TotalSegmentator example CT from the shared data folder (../shared/data beside the repository). */
export const SAMPLE_CT = new URL('../../../../shared/data/totalseg_example_ct.nii.gz', import.meta.url).pathname;

/** A temp folder removed after the test file finishes. */
export async function tempDir(prefix = 'vista3d-volume-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
