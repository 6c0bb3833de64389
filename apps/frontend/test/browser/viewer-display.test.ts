// The viewer's display in a real headless Chromium against the real platform: radiological convention
// by default (a bright marker on the patient's right — RAS+ x > 0 — is drawn on screen left in axial,
// coronal and 3D, the cursor there reads patient right), the setting flipping all of it and being
// remembered, an LAS file drawn the same way; prompts drawn on the image and removed one by one; the
// grouped class picker; study/series metadata from the conversion sidecar; keyboard shortcuts.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { keepShot, phaseTimer, rectCounts, SHOTS, viewerScreenshot } from './helpers/browser.js';
import { writeMarkerVolume } from './helpers/marker-volume.js';
import type { Platform } from './helpers/services.js';
import { startBrowserSession, type BrowserSession } from './helpers/session.js';

const P = 'orient';
const WHITE: [number, number, number] = [255, 255, 255];

let session: BrowserSession;
let platform: Platform;
let page: Page;
const timer = phaseTimer();

before(async () => {
  session = await startBrowserSession({ timeoutMs: 60_000, view: 'axial', keepChosenView: true, timer, prepare: async (output) => {
    await mkdir(join(output, P, 'nifti'), { recursive: true });
    await writeMarkerVolume(join(output, P, 'nifti', 'ras.nii.gz'));
    await writeMarkerVolume(join(output, P, 'nifti', 'las.nii.gz'), true);
    // a conversion sidecar as dcm2niix + our converter write it
    await writeFile(join(output, P, 'nifti', 'ras.json'), JSON.stringify({
      Modality: 'CT', SeriesDescription: 'CHEST 3.0 B30f', SeriesNumber: 4, ConvolutionKernel: 'B30f', Manufacturer: 'SIEMENS',
      ConversionSoftware: 'dcm2niix', ConversionSoftwareVersion: 'v1.0.20220720',
      Vista3D: { series: { studyDate: '20240131', studyDescription: 'CT THORAX', sliceThickness: 3 }, warnings: ['gantry tilt of 12° corrected (resampled)'] },
    }));
  } });
  ({ platform, page } = session);
});

after(() => session?.close());

/** In-page predicate (a function: the CSP forbids eval): the CT is loaded and nothing is loading. */
function ctShown(): boolean {
  const g = globalThis as unknown as { vista3dViewer?: { volumes: unknown[] }; document: { querySelector(q: string): unknown } };
  return !!g.vista3dViewer && g.vista3dViewer.volumes.length >= 1 && !g.document.querySelector('.canvas-overlay');
}

async function openScan(scan: string): Promise<void> {
  await page.goto(`${platform.base}/#/viewer/${P}/${scan}`);
  await page.waitForFunction(ctShown);
}

/** White (marker) pixels in the left and right halves of the viewer's screenshot. */
async function halves(name: string): Promise<{ left: number; right: number }> {
  const png = await viewerScreenshot(page, name);
  const w = png.readUInt32BE(16);
  const h = png.readUInt32BE(20);
  const [left, right] = await rectCounts(page, png, [[0, 0, w / 2, h], [w / 2, 0, w - w / 2, h]], WHITE, 30);
  return { left: left!, right: right! };
}

async function setView(name: string): Promise<void> {
  await page.getByRole('group', { name: 'View' }).getByRole('button', { name, exact: true }).click();
}

/** Clicks the canvas left of the centre (on the marker's side in radiological) and returns the readout. */
async function readoutAtScreenLeft(): Promise<{ side: string; coords: string }> {
  const canvas = page.getByTestId('niivue-canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2 - 0.28 * Math.min(box.width, box.height), y: box.height / 2 } });
  await page.getByTestId('cursor-side').waitFor();
  return { side: (await page.getByTestId('cursor-side').textContent()) ?? '', coords: (await page.getByTestId('cursor-coords').textContent()) ?? '' };
}

const ras = (coords: string): number[] => (/RAS (-?[\d.]+), (-?[\d.]+), (-?[\d.]+)/.exec(coords) ?? []).slice(1).map(Number);

test('radiological by default: the patient\'s right on screen left in axial, coronal and 3D; the setting flips it and is remembered', async () => {
  await openScan('ras');
  const opts = () => page.evaluate('({ radio: window.vista3dViewer.opts.isRadiologicalConvention, all: window.vista3dViewer.opts.showAllOrientationMarkers, text: window.vista3dViewer.opts.isOrientationTextVisible, az: window.vista3dViewer.scene.renderAzimuth })') as Promise<{ radio: boolean; all: boolean; text: boolean; az: number }>;
  assert.deepEqual(await opts(), { radio: true, all: true, text: true, az: 180 }, 'radiological, markers on all four sides, 3D seen from the front');
  assert.equal(await page.getByLabel('Display convention').inputValue(), 'radiological');

  const seen: Record<string, { left: number; right: number }> = {};
  for (const view of ['Axial', 'Coronal', '3D']) {
    await setView(view);
    seen[`radiological ${view}`] = await halves(`orient-radiological-${view.toLowerCase()}`);
  }
  await setView('Axial');
  const r = await readoutAtScreenLeft();
  timer.phase('radiological views');
  for (const view of ['Axial', 'Coronal', '3D']) {
    const s = seen[`radiological ${view}`]!;
    assert.ok(s.left > 200 && s.left > 10 * s.right, `radiological ${view}: marker (patient right) on screen left (${s.left} vs ${s.right} white px)`);
  }
  assert.match(r.side, /^R \d/, `screen left reads patient right: "${r.side}"`);
  assert.ok(ras(r.coords)[0]! > 20, `RAS x > 0 (patient right) at screen left: "${r.coords}"`);
  assert.equal(await page.getByTestId('cursor-hu').textContent(), '1000', 'the click hit the marker');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/viewer-radiological.png` });

  await page.getByLabel('Display convention').selectOption('neurological');
  assert.deepEqual(await opts(), { radio: false, all: true, text: true, az: 0 }, 'neurological, 3D seen from behind');
  for (const view of ['Axial', 'Coronal', '3D']) {
    await setView(view);
    const s = await halves(`orient-neurological-${view.toLowerCase()}`);
    assert.ok(s.right > 200 && s.right > 10 * s.left, `neurological ${view}: marker on screen right (${s.left} vs ${s.right} white px)`);
  }
  await setView('Axial');
  const n = await readoutAtScreenLeft();
  assert.match(n.side, /^L \d/, `neurological: screen left reads patient left: "${n.side}"`);
  assert.ok(ras(n.coords)[0]! < -20, `RAS x < 0 at screen left: "${n.coords}"`);

  await page.reload();
  await page.waitForFunction(ctShown);
  assert.equal(await page.getByLabel('Display convention').inputValue(), 'neurological', 'the setting is remembered');
  const again = await halves('orient-neurological-reloaded');
  assert.ok(again.right > 10 * again.left, `still neurological after a reload (${again.left} vs ${again.right})`);
  await page.getByLabel('Display convention').selectOption('radiological');
  timer.phase('neurological and back');

  // the same anatomy stored right-to-left (LAS): the display follows the affine, not the voxel order
  await openScan('las');
  const las = await halves('orient-las-axial');
  assert.ok(las.left > 200 && las.left > 10 * las.right, `LAS file: marker on screen left in radiological (${las.left} vs ${las.right})`);
  const l = await readoutAtScreenLeft();
  assert.match(l.side, /^R \d/, `LAS file: screen left reads patient right: "${l.side}"`);
  assert.deepEqual(session.pageErrors, []);
});

test('prompts: markers drawn at their voxels on every view showing that slice, removed one by one; grouped class picker', async () => {
  await openScan('ras');
  await setView('Axial');
  await page.getByLabel('Interactive mode').check();

  // class picker: searchable, grouped, no "body", engine's automatic vs clicks-only
  const list = page.getByRole('listbox', { name: 'Class' });
  const groups = await list.getByRole('group').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  assert.deepEqual(groups.slice(0, 4), ['Organs', 'Vessels', 'Bones', 'Muscles'], `groups in order: ${groups.join(', ')}`);
  const names = await list.getByRole('option').evaluateAll((els) => els.map((e) => e.querySelector('.label-name')?.textContent ?? ''));
  assert.ok(names.length > 100 && !names.includes('body'), `${names.length} classes, "body" not offered`);
  await page.getByTestId('class-engine-summary').waitFor();
  assert.match((await page.getByTestId('class-engine-summary').textContent()) ?? '', /^\d+ of \d+ classes segmented automatically/);
  await page.getByLabel('Find a class').fill('kidney');
  const kidneys = await list.getByRole('option').evaluateAll((els) => els.map((e) => e.querySelector('.label-name')?.textContent ?? ''));
  assert.ok(kidneys.includes('left kidney') && kidneys.includes('right kidney') && kidneys.every((k) => k.includes('kidney')), `search: ${kidneys.join(', ')}`);
  await list.locator('[data-class-id="5"]').click();
  assert.equal(await page.getByTestId('chosen-class').textContent(), 'right kidney');
  assert.match((await list.locator('[data-class-id="5"]').textContent()) ?? '', /auto \+ clicks|clicks only/);

  const canvas = page.getByTestId('niivue-canvas');
  const box = (await canvas.boundingBox())!;
  const wrap = page.locator('.canvas-wrap');
  const GREEN: [number, number, number] = [0, 230, 64];
  const RED: [number, number, number] = [255, 32, 32];
  const marks = async (name: string) => {
    const png = await wrap.screenshot();
    await keepShot(name, png);
    const w = png.readUInt32BE(16);
    const h = png.readUInt32BE(20);
    const [g, rd] = [await rectCounts(page, png, [[0, 0, w, h]], GREEN, 40), await rectCounts(page, png, [[0, 0, w, h]], RED, 40)];
    return { green: g[0]!, red: rd[0]! };
  };
  const pos = { x: box.width / 2 - 100, y: box.height / 2 - 40 };
  await canvas.click({ position: pos });
  await canvas.click({ position: { x: box.width / 2 + 90, y: box.height / 2 + 60 }, modifiers: ['Shift'] });
  await page.getByTestId('prompt-point').nth(1).waitFor();
  assert.deepEqual(await page.getByTestId('prompt-point').evaluateAll((els) => els.map((e) => e.className)), ['point pos', 'point neg']);
  const axial = await marks('prompts-axial');
  assert.ok(axial.green > 60 && axial.red > 60, `both markers drawn on the axial slice (green ${axial.green}, red ${axial.red} px)`);

  // Multiplanar: the crosshair is on the exclude point, so its marker is on all three slices; the
  // include point shares only its axial slice
  await setView('Multiplanar');
  await page.waitForTimeout(300);
  const mpr = await marks('prompts-multiplanar');
  assert.ok(mpr.red > 2.4 * axial.red && mpr.red < 3.6 * axial.red, `exclude marker on 3 tiles (${mpr.red} px vs ${axial.red} on one)`);
  assert.ok(mpr.green > 0.6 * axial.green && mpr.green < 1.5 * axial.green, `include marker on the axial tile only (${mpr.green} px vs ${axial.green})`);

  // removal one by one: click the include marker, then Backspace removes the last (exclude) point
  await setView('Axial');
  await page.waitForTimeout(300);
  await canvas.click({ position: pos });
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(q: string): { length: number } } }).document.querySelectorAll('[data-testid="prompt-point"]').length === 1);
  const afterClick = await marks('prompts-one-removed');
  assert.ok(afterClick.green < 10 && afterClick.red > 60, `include marker removed by clicking it (green ${afterClick.green}, red ${afterClick.red})`);
  await page.locator('body').press('Backspace');
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(q: string): { length: number } } }).document.querySelectorAll('[data-testid="prompt-point"]').length === 0);
  const none = await marks('prompts-none');
  assert.ok(none.red < 10 && none.green < 10, `no markers left (${none.green}, ${none.red})`);
  await page.getByLabel('Interactive mode').uncheck();
  assert.deepEqual(session.pageErrors, []);
});

test('study/series metadata from the conversion sidecar on the scan card and in the viewer', async () => {
  const scans = (await (await fetch(`${platform.base}/api/patients/${P}/scans`)).json()) as Array<{ id: string; metadata: Record<string, unknown>; warnings: string[] }>;
  const s = scans.find((x) => x.id === 'ras')!;
  assert.deepEqual(s.metadata, { modality: 'CT', studyDate: '2024-01-31', studyDescription: 'CT THORAX', seriesDescription: 'CHEST 3.0 B30f', seriesNumber: 4, sliceThickness: 3, kernel: 'B30f', manufacturer: 'SIEMENS', convertedWith: 'dcm2niix v1.0.20220720' });
  assert.deepEqual(scans.find((x) => x.id === 'las')!.metadata, {}, 'no sidecar, no metadata');

  await page.goto(`${platform.base}/#/data/${P}`);
  const card = page.getByTestId('scan-ras');
  await card.waitFor();
  const meta = async (scope: ReturnType<Page['locator']>, k: string) => (await scope.locator(`[data-meta="${k}"]`).textContent()) ?? '';
  assert.equal(await meta(card, 'Modality'), 'CT');
  assert.equal(await meta(card, 'Date'), '2024-01-31');
  assert.equal(await meta(card, 'Series'), '#4 CHEST 3.0 B30f');
  assert.equal(await meta(card, 'Slice thickness'), '3 mm');
  assert.equal(await meta(card, 'Kernel'), 'B30f');
  assert.match((await card.getByTestId('scan-warnings').textContent()) ?? '', /gantry tilt/);
  if (SHOTS) await card.screenshot({ path: `${SHOTS}/data-scan-metadata.png` });

  await openScan('ras');
  const panel = page.getByRole('region', { name: 'Series' });
  assert.equal(await meta(panel, 'Study'), 'CT THORAX');
  assert.equal(await meta(panel, 'Kernel'), 'B30f');
  assert.equal(await meta(panel, 'Scanner'), 'SIEMENS');
  assert.match((await panel.getByRole('list', { name: 'Conversion warnings' }).textContent()) ?? '', /gantry tilt/);
});

test('keyboard shortcuts: slices, views, window presets, crosshair, convention, the "?" list', async () => {
  await openScan('ras');
  await setView('Axial');
  const body = page.locator('body');
  await body.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  assert.ok((await help.locator('tr').count()) >= 10, 'every shortcut listed');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/viewer-shortcuts.png` });
  await body.press('Escape');
  await help.waitFor({ state: 'detached' });

  const z = () => page.evaluate('Math.round(window.vista3dViewer.scene.crosshairPos[2] * window.vista3dViewer.volumes[0].dimsRAS[3] - 0.5)') as Promise<number>;
  const z0 = await z();
  await body.press('ArrowUp');
  await body.press('ArrowUp');
  assert.equal(await z(), z0 + 2, 'two slices up');
  await body.press('PageDown');
  assert.equal(await z(), z0 + 1, 'one slice down');

  await body.press('2');
  assert.equal(await page.getByRole('button', { name: 'Coronal', exact: true }).getAttribute('aria-pressed'), 'true');
  await body.press('1');
  assert.equal(await page.getByRole('button', { name: 'Axial', exact: true }).getAttribute('aria-pressed'), 'true');
  await body.press('Shift+Digit2');
  assert.equal(await page.getByLabel('Window width').inputValue(), '1500', 'Shift+2: lung window');
  assert.equal(await page.getByLabel('Window preset').inputValue(), 'lung');
  const crosshair = page.getByRole('checkbox', { name: 'Crosshair' });
  await body.press('x');
  assert.equal(await crosshair.isChecked(), false);
  await body.press('x');
  assert.equal(await crosshair.isChecked(), true);
  await body.press('u');
  assert.equal(await page.getByRole('checkbox', { name: 'Outline' }).isChecked(), true);
  assert.equal(await page.evaluate('window.vista3dViewer.overlayOutlineWidth'), 0.25);
  await body.press('n');
  assert.equal(await page.getByLabel('Display convention').inputValue(), 'neurological');
  await body.press('n');
  assert.equal(await page.getByLabel('Display convention').inputValue(), 'radiological');
  // typing in a field is not a shortcut
  await page.getByLabel('Window level').press('2');
  assert.equal(await page.getByRole('button', { name: 'Axial', exact: true }).getAttribute('aria-pressed'), 'true');
  assert.deepEqual(session.pageErrors, []);
});
