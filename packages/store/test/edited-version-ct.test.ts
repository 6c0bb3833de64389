import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeNifti, readNifti, writeNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { StoreError, ctFingerprint, listVersions, niftiPath, saveEditedVersion, saveSegmentation } from '../src/index.js';

const data = new URL('../../../../shared/data/', import.meta.url).pathname;
const CT = join(data, 'totalseg_example_ct_sm.nii.gz');
const SEG = join(data, 'totalseg_example_ct_sm_seg_vista3d.nii.gz');
const isCode = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

describe('an edited version is refused when the CT changed meanwhile (CT_CHANGED)', () => {
  let root: string;
  let ctPath: string;
  let labels: string;
  let seg: Volume<Uint8Array>;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'store-edit-ct-'));
    await mkdir(join(root, 'p2', 'nifti'), { recursive: true });
    ctPath = niftiPath(root, 'p2', 'ct');
    await copyFile(CT, ctPath);
    seg = (await readNifti(SEG)) as Volume<Uint8Array>;
    labels = join(root, 'edit.nii.gz');
    await writeNifti(labels, seg);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('records the CT fingerprint; a save for another CT (expected sha256) is refused, nothing recorded', async () => {
    const saved = await saveEditedVersion(root, 'p2', 'ct', labels, { source: 'manual-edit' });
    const fp = await ctFingerprint(ctPath);
    assert.equal(saved.version.ct?.sha256, fp.sha256);
    const again = await saveEditedVersion(root, 'p2', 'ct', labels, { source: 'manual-edit', basedOn: saved.version.version }, { expectedCtSha256: fp.sha256.toUpperCase() });
    assert.equal(again.version.version, saved.version.version + 1);
    const count = (await listVersions(root, 'p2', 'ct')).length;
    await assert.rejects(saveEditedVersion(root, 'p2', 'ct', labels, {}, { expectedCtSha256: 'a'.repeat(64) }), isCode('CT_CHANGED'));
    assert.equal((await listVersions(root, 'p2', 'ct')).length, count);
  });

  it('an edit based on a version computed from another CT is refused', async () => {
    await saveSegmentation(root, 'p2', 'ct', seg, { provenance: { source: 'segment-job', ct: { sha256: 'b'.repeat(64), size: 1, mtimeMs: 0 } } });
    const stale = Math.max(...(await listVersions(root, 'p2', 'ct')).map((v) => v.version));
    await assert.rejects(saveEditedVersion(root, 'p2', 'ct', labels, { basedOn: stale }), (e: unknown) => isCode('CT_CHANGED')(e) && /computed from another CT/.test((e as Error).message));
  });

  it('a CT replaced while the edit is being saved is caught under the scan lock', async (t) => {
    if (spawnSync('mkfifo', ['--help']).error) return t.skip('mkfifo not available');
    // The label map arrives through a FIFO: the save is provably past its first fingerprint of the CT
    // when it opens the label map (for its header), which is when the CT is replaced (same grid, other
    // bytes). Before a byte is written, a regular file with the label map is renamed over the FIFO's path,
    // so the save's second open (the whole map) reads that file: no second writer to race with the first
    // (a second FIFO writer could close before the save reopened, and the save then read an empty map).
    const fifo = join(root, 'edit.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const replacement = join(root, 'p2', 'nifti', 'replacement.tmp');
    await writeNifti(replacement, await readNifti(CT), { level: 9 });
    const bytes = await encodeNifti(seg, { gzip: true });
    const labelFile = join(root, 'edit.nii.gz.tmp');
    await writeFile(labelFile, bytes);
    const count = (await listVersions(root, 'p2', 'ct')).length;
    const saving = saveEditedVersion(root, 'p2', 'ct', fifo, {});
    const outcome = saving.then(() => 'saved', (e: unknown) => e);
    // Should the save fail before it opens the FIFO, a reader of our own releases the blocked writer.
    void outcome.then(() => open(fifo, constants.O_RDONLY | constants.O_NONBLOCK).then((r) => setTimeout(() => void r.close(), 1000)).catch(() => undefined));
    const w = await open(fifo, 'w'); // returns once the save opened the label map
    await rename(replacement, ctPath);
    await rename(labelFile, fifo);
    try {
      await w.write(bytes);
    } catch {
      // the header reader stops after the header: EPIPE for the rest
    } finally {
      await w.close();
    }
    const result = await outcome;
    assert.ok(isCode('CT_CHANGED')(result), `expected CT_CHANGED, got ${String(result)}`);
    assert.match((result as Error).message, /replaced while this edit was being saved/);
    assert.equal((await listVersions(root, 'p2', 'ct')).length, count);
  });
});
