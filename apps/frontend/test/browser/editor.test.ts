// The label editor, versions and measurements in a real Chromium against the real platform: a brush
// stroke of a new label changes voxel counts (and pixels), undo restores the voxels exactly, saving
// creates version 2 with provenance, the Dice table matches Dice computed here from the two files;
// distance and ROI measurements on a synthetic phantom match its known geometry and HU.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { saveSegmentation } from '@vista3d/store';
import { createVolumeLike, readNifti, writeNifti } from '@vista3d/volume';
import type { Mat4, Volume } from '@vista3d/volume';
import { pngStats, SHOTS, viewerScreenshot } from './helpers/browser.js';
import { DATA, PATIENT, SCAN, type Platform } from './helpers/services.js';
import { startBrowserSession, type BrowserSession } from './helpers/session.js';
import { referenceDice } from '../../../../packages/store/test/helpers.js';

let session: BrowserSession;
let platform: Platform;
let page: Page;

// phantom: 64³ voxels of 2 mm, air; a sphere of radius 14 mm at 100 HU around voxel (32,32,32) and a
// 10×10-voxel box at 50 HU (x,y 4..13, z 24..40)
const PH = { dims: [64, 64, 64] as [number, number, number], mm: 2, sphereHu: 100, sphereR: 14, boxHu: 50 };

async function writePhantom(output: string): Promise<void> {
  const affine: Mat4 = [[2, 0, 0, -64], [0, 2, 0, -64], [0, 0, 2, -64], [0, 0, 0, 1]];
  const like = { dims: PH.dims, spacing: [2, 2, 2] as [number, number, number], affine, meta: { description: '', qformCode: 1, sformCode: 1, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 } };
  const ct = createVolumeLike(like as unknown as Volume, 'int16');
  const [nx, ny, nz] = PH.dims;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = x + nx * (y + ny * z);
    const r = Math.hypot(x - 32, y - 32, z - 32) * PH.mm;
    ct.data[i] = r <= PH.sphereR ? PH.sphereHu : x >= 4 && x <= 13 && y >= 4 && y <= 13 && z >= 24 && z <= 40 ? PH.boxHu : -1000;
  }
  await mkdir(join(output, 'phantom', 'nifti'), { recursive: true });
  await writeNifti(join(output, 'phantom', 'nifti', 'ct.nii.gz'), ct);
}

function loaded(n: number): boolean {
  const nv = (globalThis as unknown as { vista3dViewer?: { volumes: unknown[] } }).vista3dViewer;
  return !!nv && nv.volumes.length === n && !(globalThis as unknown as { document: { querySelector(q: string): unknown } }).document.querySelector('.canvas-overlay');
}

/** Client (CSS px) position of a voxel centre on the canvas (the volumes here are RAS, so NiiVue's voxels are file voxels). */
async function voxelOnScreen(p: Page, vox: [number, number, number]): Promise<{ x: number; y: number }> {
  return p.evaluate(`(() => {
    const nv = window.vista3dViewer;
    const pos = nv.frac2canvasPos(nv.vox2frac(${JSON.stringify(vox)}));
    const r = document.querySelector('[data-testid="niivue-canvas"]').getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    return { x: r.left + pos[0] / dpr, y: r.top + pos[1] / dpr };
  })()`) as Promise<{ x: number; y: number }>;
}

/** Voxels per label of the label map in the viewer (volume 1). */
async function pageCounts(p: Page): Promise<Record<number, number>> {
  return p.evaluate(`(() => {
    const img = window.vista3dViewer.volumes[1].img;
    const out = {};
    for (let i = 0; i < img.length; i++) if (img[i]) out[img[i]] = (out[img[i]] || 0) + 1;
    return out;
  })()`) as Promise<Record<number, number>>;
}

/** FNV hash of the label map in the viewer: equal hashes = the same voxels. */
async function pageHash(p: Page): Promise<number> {
  return p.evaluate(`(() => {
    const img = window.vista3dViewer.volumes[1].img;
    let h = 2166136261;
    for (let i = 0; i < img.length; i++) h = Math.imul(h ^ img[i], 16777619);
    return h >>> 0;
  })()`) as Promise<number>;
}

before(async () => {
  session = await startBrowserSession({
    timeoutMs: 45_000,
    view: 'axial',
    seed: async ({ output }) => {
      // the sample CT with the reference segmentation as version 1 (as a segment job would save it)
      const ref = await readNifti(join(DATA, 'totalseg_example_ct_seg_fast_vista3d.nii.gz'));
      await saveSegmentation(output, PATIENT, SCAN, ref, { provenance: { source: 'segment-job', createdBy: 'system', jobId: 'seeded' } });
      await writePhantom(output);
    },
  });
  ({ platform, page } = session);
});

after(() => session?.close());

interface LabelJson { id: number; name: string; color: [number, number, number] }

test('label editor: brush a new label, undo/redo, save a version with provenance, compare with Dice', async () => {
  const labels = ((await (await fetch(`${platform.base}/api/labels`)).json()) as { labels: LabelJson[] }).labels;
  await page.goto(`${platform.base}/#/viewer/${PATIENT}/${SCAN}`);
  await page.waitForFunction(loaded, 2, { timeout: 90_000 });
  const before = await pageCounts(page);
  const hashBefore = await pageHash(page);
  // a class the segmentation does not have yet, with a colour far from the others on screen
  const present = new Set(Object.keys(before).map(Number));
  const fresh = labels.find((l) => !present.has(l.id) && l.id < 200 && l.name === 'brain') ?? labels.find((l) => !present.has(l.id) && l.id < 200)!;
  await page.getByLabel('Edit label').selectOption(String(fresh.id));
  await page.getByRole('button', { name: 'Brush', exact: true }).click();
  await page.getByLabel('Brush size (mm)').fill('15');

  // one dab at the centre voxel of the current slice: a disc of radius 7.5 mm on 3 mm voxels
  const centre: [number, number, number] = [61, 50, 56];
  const at = await voxelOnScreen(page, centre);
  await page.getByLabel('Overlay opacity').fill('1'); // label colours drawn exactly (no blending with the CT)
  const shotBefore = await pngStats(page, await viewerScreenshot(page, 'editor-before'), [fresh.color]);
  await page.mouse.click(at.x, at.y);
  const afterBrush = await pageCounts(page);
  let disc = 0;
  for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if (dx * dx + dy * dy <= 2.5 * 2.5) disc++;
  assert.equal(afterBrush[fresh.id], disc, `a ${disc}-voxel disc of ${fresh.name}`);
  const taken = Object.keys(before).map(Number).reduce((n, id) => n + (before[id]! - (afterBrush[id] ?? 0)), 0);
  assert.ok(taken >= 0 && taken <= disc, 'the disc took voxels from other labels, nothing else changed');
  await page.getByTestId('edit-status').getByText('1 unsaved edit(s)').waitFor();
  await page.getByRole('button', { name: 'Brush', exact: true }).click(); // tools off for the screenshot
  const shotAfter = await pngStats(page, await viewerScreenshot(page, 'editor-brushed'), [fresh.color]);
  assert.ok(shotAfter.colorPixels[0]! > shotBefore.colorPixels[0]! + 20, `new label drawn: ${shotBefore.colorPixels[0]} → ${shotAfter.colorPixels[0]} pixels`);

  // undo restores every voxel; redo brings the disc back
  await page.getByRole('button', { name: 'Undo' }).click();
  assert.equal(await pageHash(page), hashBefore, 'undo restores the previous voxels exactly');
  assert.equal((await pageCounts(page))[fresh.id], undefined);
  await page.getByRole('button', { name: 'Redo' }).click();
  assert.equal((await pageCounts(page))[fresh.id], disc);

  // save → version 2 with provenance
  await page.getByLabel('Version comment').fill('added a disc');
  await page.getByRole('button', { name: 'Save as new version' }).click();
  const list = page.getByTestId('versions');
  await list.getByText('v2').waitFor({ timeout: 60_000 });
  await list.getByText(/manual-edit · local/).waitFor();
  const versions = (await (await fetch(`${platform.base}/api/patients/${PATIENT}/scans/${SCAN}/versions`)).json()) as Array<{ version: number; source: string; createdBy: string; basedOn: number | null; comment?: string; current: boolean; labels: Array<{ id: number; voxels: number }> }>;
  assert.deepEqual(versions.map((v) => [v.version, v.source, v.current]), [[1, 'segment-job', false], [2, 'manual-edit', true]]);
  assert.deepEqual([versions[1]!.createdBy, versions[1]!.basedOn, versions[1]!.comment], ['local', 1, 'added a disc']);
  assert.equal(versions[1]!.labels.find((l) => l.id === fresh.id)?.voxels, disc);
  // the reloaded label map is version 2, with no pending edits
  await page.waitForFunction(loaded, 2, { timeout: 90_000 });
  await page.getByTestId('edit-status').getByText('0 unsaved edit(s)').waitFor();
  assert.equal((await pageCounts(page))[fresh.id], disc);

  // compare v1 with v2: Dice per label against our own count from the two files
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  const table = page.getByTestId('dice-table');
  await table.waitFor({ timeout: 60_000 });
  const v1 = await readNifti(join(platform.output, PATIENT, 'versions', SCAN, '1', 'all.nii.gz'));
  const v2 = await readNifti(join(platform.output, PATIENT, 'versions', SCAN, '2', 'all.nii.gz'));
  const rows = (await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [Number(tr.getAttribute('data-label')), Number(tr.children[1]!.textContent)]))) as Array<[number, number]>;
  const expected = referenceDice(v1.data, v2.data);
  assert.deepEqual(rows.map((r) => r[0]), [...expected.keys()]);
  let changed = 0;
  for (const [id, shown] of rows) {
    const dice = expected.get(id)!;
    assert.ok(Math.abs(shown - dice) < 6e-5, `label ${id}: table ${shown}, expected ${dice}`);
    if (dice < 1) changed++;
  }
  assert.equal(rows.find((r) => r[0] === fresh.id)?.[1], 0, 'the new label is absent from v1: Dice 0');
  assert.ok(changed >= 1);
  if (SHOTS) {
    await page.screenshot({ path: `${SHOTS}/editor-versions.png` });
    await table.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/editor-versions-panel.png` });
  }
  assert.deepEqual(session.pageErrors, []);
});

test('measurements: distance and ROI statistics match the phantom geometry', async () => {
  await page.goto(`${platform.base}/#/viewer/phantom/ct`);
  await page.waitForFunction(loaded, 1, { timeout: 90_000 });
  const result = page.getByTestId('measurement');
  const slice = 32;

  // distance: voxel (10,32,·) to (50,32,·) is 40 voxels of 2 mm
  await page.getByRole('button', { name: 'Distance' }).click();
  for (const v of [[10, 32, slice], [50, 32, slice]] as Array<[number, number, number]>) {
    const p = await voxelOnScreen(page, v);
    await page.mouse.click(p.x, p.y);
  }
  await result.getByText('Distance: 80.0 mm').waitFor();

  // circle ROI of radius 10 mm in the sphere: all 100 HU; area = voxels within 5 voxels × 4 mm²
  const drag = async (from: [number, number, number], to: [number, number, number]) => {
    const a = await voxelOnScreen(page, from);
    const b = await voxelOnScreen(page, to);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.mouse.up();
  };
  let inDisc = 0;
  for (let dy = -5; dy <= 5; dy++) for (let dx = -5; dx <= 5; dx++) if (dx * dx + dy * dy <= 25) inDisc++;
  await page.getByRole('button', { name: 'ROI circle' }).click();
  await drag([32, 32, slice], [37, 32, slice]);
  await result.getByText('Radius 10.0 mm').waitFor();
  let text = (await result.textContent()) ?? '';
  assert.match(text, /HU mean 100\.0 · SD 0\.0 · min 100 · max 100/);
  assert.match(text, new RegExp(`${inDisc} voxels · area ${((inDisc * 4) / 100).toFixed(2)} cm²`));
  assert.ok(Math.abs(inDisc * 4 - Math.PI * 100) / (Math.PI * 100) < 0.05, 'the voxel disc is within 5 % of πr²');

  // sphere ROI of radius 10 mm: volume of the voxels within 5 voxels (≈ 4/3·π·1 cm³)
  let inBall = 0;
  for (let dz = -5; dz <= 5; dz++) for (let dy = -5; dy <= 5; dy++) for (let dx = -5; dx <= 5; dx++) if (dx * dx + dy * dy + dz * dz <= 25) inBall++;
  await page.getByRole('button', { name: 'ROI sphere' }).click();
  await drag([32, 32, slice], [37, 32, slice]);
  await result.getByText(`${inBall} voxels · volume ${((inBall * 8) / 1000).toFixed(2)} mL`).waitFor();
  text = (await result.textContent()) ?? '';
  assert.match(text, /HU mean 100\.0 · SD 0\.0/);
  assert.ok(Math.abs((inBall * 8) / 1000 - (4 / 3) * Math.PI) / ((4 / 3) * Math.PI) < 0.05);

  // rectangle over the box and its air margin: 12×12 voxels, 100 of them at 50 HU, 44 at −1000
  await page.getByRole('button', { name: 'ROI rectangle' }).click();
  await drag([3, 3, slice], [14, 14, slice]);
  const mean = (100 * 50 + 44 * -1000) / 144;
  const sd = Math.sqrt((100 * 50 ** 2 + 44 * 1000 ** 2) / 144 - mean ** 2);
  await result.getByText(`144 voxels · area ${((144 * 4) / 100).toFixed(2)} cm²`).waitFor();
  text = (await result.textContent()) ?? '';
  assert.match(text, new RegExp(`HU mean ${mean.toFixed(1).replace('-', '−?-?')} · SD ${sd.toFixed(1)} · min -1000 · max 50`));
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/editor-measure.png` });
  assert.deepEqual(session.pageErrors, []);
});
