// Meshes in the viewer's 3D view, in a real headless Chromium against the real platform: a segmentation
// and a mesh job (left and right lung only, STL) through the job API — the fast path, not the UI —
// then the viewer in 3D render with the CT and the label overlay made transparent, proving with
// screenshot pixels that each lung mesh is drawn in its label colour and that its toggle in the Meshes
// panel hides it (and only it), and that its opacity slider fades it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, phaseTimer, pngStats, viewerScreenshot } from './helpers/browser.js';
import { PATIENT, SCAN, runJob, startPlatform, type Platform } from './helpers/services.js';

type Rgb = [number, number, number];
const LEFT_LUNG = 135;
const RIGHT_LUNG = 136;

let platform: Platform;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const pageErrors: string[] = [];
const timer = phaseTimer();

before(async () => {
  timer.reset();
  platform = await startPlatform();
  timer.phase('platform started');
  await runJob(platform.base, { type: 'segment', patient: PATIENT, scan: SCAN });
  timer.phase('segment job done');
  // two labels and one format keep the job (and the viewer's mesh load) short
  await runJob(platform.base, { type: 'mesh', patient: PATIENT, scan: SCAN, classes: [LEFT_LUNG, RIGHT_LUNG], formats: ['stl'] });
  timer.phase('mesh job done');
  browser = await launchBrowser();
  page = browser.page;
  page.setDefaultTimeout(90_000); // software WebGL on a loaded 2-core CI machine
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await browser.context.addInitScript("localStorage.setItem('vista3d.viewer.view', 'render')");
  timer.phase('browser started');
});

after(async () => {
  await browser?.close();
  await platform?.close();
});

test('viewer 3D view: lung meshes in their label colours, toggled and faded per mesh', async () => {
  const labels = (await (await fetch(`${platform.base}/api/labels`)).json()) as { labels: Array<{ id: number; name: string; color: Rgb }> };
  const left = labels.labels.find((l) => l.id === LEFT_LUNG)!;
  const right = labels.labels.find((l) => l.id === RIGHT_LUNG)!;
  const hues = [left.color, right.color];

  // Make the CT and the label overlay transparent in 3D (a window above every HU value, overlay
  // opacity 0). The viewer applies the settings of the moment when a volume arrives, so the CT is held
  // back until they are made: each later change would cost a volume refresh (seconds on SwiftShader).
  let release!: () => void;
  const settingsMade = new Promise<void>((resolve) => { release = resolve; });
  await page.route('**/nifti/*.nii.gz', async (route) => { await settingsMade; await route.continue(); });
  await page.goto(`${platform.base}/#/viewer/${PATIENT}/${SCAN}`);
  try {
    await page.getByLabel('Window width').fill('10');
    await page.getByLabel('Window level').fill('4000');
    await page.getByLabel('Overlay opacity').fill('0'); // enabled once the scan is known to be segmented
  } finally {
    release();
  }
  const panel = page.getByRole('region', { name: 'Meshes' });
  await panel.waitFor();
  assert.equal(await panel.getByRole('checkbox').count(), 2, 'one toggle per lung mesh (STL only)');
  // A function, not a string: the app's CSP (no eval) applies to Playwright's string predicates too.
  await page.waitForFunction(() => {
    type Nv = { volumes: Array<{ cal_min: number; opacity: number }>; meshes: unknown[] };
    const nv = (globalThis as unknown as { vista3dViewer?: Nv }).vista3dViewer;
    return !!nv && nv.volumes.length === 2 && nv.meshes.length === 2 && !(globalThis as unknown as { document: { querySelector(q: string): unknown } }).document.querySelector('.canvas-overlay')
      && nv.volumes[0].cal_min > 3000 && nv.volumes[1].opacity === 0;
  });
  timer.phase('volumes and meshes loaded');

  const both = await pngStats(page, await viewerScreenshot(page, 'meshes-both'), [], 0, hues);
  timer.phase('screenshot with both meshes');
  assert.ok(both.width > 300 && both.height > 200, `screenshot size ${both.width}×${both.height}`);
  assert.ok(both.huePixels[0] > 300 && both.huePixels[1] > 300, `left and right lung meshes drawn in their label colours (${both.huePixels.join(', ')} px)`);

  await panel.getByRole('checkbox', { name: `Show ${left.name} mesh` }).uncheck();
  assert.deepEqual(await page.evaluate('window.vista3dViewer.meshes.map((m) => m.visible)'), [false, true]);
  const one = await pngStats(page, await viewerScreenshot(page, 'meshes-right-only'), [], 0, hues);
  timer.phase('screenshot with the left lung hidden');
  assert.ok(one.huePixels[0] < both.huePixels[0] / 10, `the hidden left lung's colour is gone (${both.huePixels[0]} → ${one.huePixels[0]} px)`);
  assert.ok(one.huePixels[1] > both.huePixels[1] / 2, `the right lung is still drawn (${both.huePixels[1]} → ${one.huePixels[1]} px)`);

  assert.equal(await panel.getByRole('slider', { name: `${left.name} mesh opacity` }).isDisabled(), true, 'a hidden mesh has no opacity to set');
  await panel.getByRole('slider', { name: `${right.name} mesh opacity` }).fill('0.3');
  // translucent meshes are drawn after opaque ones (no depth writes): the faded right lung moves last
  assert.deepEqual(await page.evaluate('window.vista3dViewer.meshes.map((m) => [m.visible, m.opacity])'), [[false, 1], [true, 0.3]]);
  const faded = await pngStats(page, await viewerScreenshot(page, 'meshes-right-faded'), [], 0, hues);
  timer.phase('screenshot with the right lung at 30 % opacity');
  assert.ok(faded.hueBrightness[1] < one.hueBrightness[1] * 0.6 && faded.hueBrightness[1] > 0,
    `the faded right lung is dimmer but drawn (brightness ${one.hueBrightness[1]} → ${faded.hueBrightness[1]})`);

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
