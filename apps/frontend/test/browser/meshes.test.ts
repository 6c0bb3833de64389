// Meshes in the viewer's 3D view, in a real headless Chromium against the real platform: a segmentation
// and a mesh job (left and right lung only, STL) through the job API — the fast path, not the UI —
// then the viewer in 3D render with default settings (the volume render steps aside while meshes are
// shown), proving with screenshot pixels that each lung mesh is drawn in its label colour, that the
// volume render forced on buries them and a clip plane uncovers them, that its toggle in the Meshes
// panel hides it (and only it), that its opacity slider fades it, and that an accepted interactive
// segmentation marks the meshes stale.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { phaseTimer, pngStats, viewerScreenshot } from './helpers/browser.js';
import { PATIENT, SCAN, runJob, type Platform } from './helpers/services.js';
import { startBrowserSession, type BrowserSession } from './helpers/session.js';

type Rgb = [number, number, number];
const LEFT_LUNG = 135;
const RIGHT_LUNG = 136;

let session: BrowserSession;
let platform: Platform;
let page: Page;
const timer = phaseTimer();

before(async () => {
  session = await startBrowserSession({
    timeoutMs: 90_000, // software WebGL on a loaded 2-core CI machine
    view: 'render',
    timer,
    seed: async ({ base }) => {
      await runJob(base, { type: 'segment', patient: PATIENT, scan: SCAN });
      timer.phase('segment job done');
      // two labels and one format keep the job (and the viewer's mesh load) short
      await runJob(base, { type: 'mesh', patient: PATIENT, scan: SCAN, classes: [LEFT_LUNG, RIGHT_LUNG], formats: ['stl'] });
      timer.phase('mesh job done');
    },
  });
  ({ platform, page } = session);
});

after(() => session?.close());

test('viewer 3D view: lung meshes in their label colours, toggled and faded per mesh', async () => {
  const labels = (await (await fetch(`${platform.base}/api/labels`)).json()) as { labels: Array<{ id: number; name: string; color: Rgb }> };
  const left = labels.labels.find((l) => l.id === LEFT_LUNG)!;
  const right = labels.labels.find((l) => l.id === RIGHT_LUNG)!;
  const hues = [left.color, right.color];

  // No settings made: with meshes shown, the volume render steps aside by itself (CT and overlay
  // stay as they are on the slices), so the meshes are not buried in the CT.
  await page.goto(`${platform.base}/#/viewer/${PATIENT}/${SCAN}`);
  const panel = page.getByRole('region', { name: 'Meshes' });
  await panel.waitFor();
  assert.equal(await panel.getByRole('checkbox').count(), 2, 'one toggle per lung mesh (STL only)');
  // A function, not a string: the app's CSP (no eval) applies to Playwright's string predicates too.
  await page.waitForFunction(() => {
    type Nv = { volumes: unknown[]; meshes: unknown[] };
    const nv = (globalThis as unknown as { vista3dViewer?: Nv }).vista3dViewer;
    return !!nv && nv.volumes.length === 2 && nv.meshes.length === 2 && !(globalThis as unknown as { document: { querySelector(q: string): unknown } }).document.querySelector('.canvas-overlay');
  });
  const render3D = page.getByRole('region', { name: '3D' });
  assert.equal(await render3D.getByRole('checkbox', { name: 'Volume render' }).isChecked(), false, 'the volume render steps aside while meshes are shown');
  timer.phase('volumes and meshes loaded');

  const both = await pngStats(page, await viewerScreenshot(page, 'meshes-both'), [], 0, hues);
  timer.phase('screenshot with both meshes');
  assert.ok(both.width > 300 && both.height > 200, `screenshot size ${both.width}×${both.height}`);
  assert.ok(both.huePixels[0] > 300 && both.huePixels[1] > 300, `left and right lung meshes drawn in their label colours (${both.huePixels.join(', ')} px)`);

  // with the volume render forced back on, the CT (soft-tissue window) buries the lungs
  await render3D.getByRole('checkbox', { name: 'Volume render' }).check();
  const buried = await pngStats(page, await viewerScreenshot(page, 'meshes-under-volume'), [], 0, hues);
  assert.ok(buried.huePixels[0] + buried.huePixels[1] < (both.huePixels[0] + both.huePixels[1]) / 3, `the volume render hides the meshes (${both.huePixels.join(', ')} → ${buried.huePixels.join(', ')} px)`);
  // a clip plane cuts the volume render
  await render3D.getByLabel('Clip plane').selectOption('anterior');
  assert.deepEqual(await page.evaluate('Array.from(window.vista3dViewer.scene.clipPlaneDepthAziElevs[0])'), [0, 180, 0]);
  const clipped = await pngStats(page, await viewerScreenshot(page, 'meshes-clipped'), [], 0, hues);
  assert.ok(clipped.huePixels[0] + clipped.huePixels[1] > buried.huePixels[0] + buried.huePixels[1], `the anterior clip plane uncovers the meshes (${buried.huePixels.join(', ')} → ${clipped.huePixels.join(', ')} px)`);
  await render3D.getByLabel('Clip plane').selectOption('off');
  await render3D.getByRole('button', { name: 'automatic' }).click();
  assert.equal(await render3D.getByRole('checkbox', { name: 'Volume render' }).isChecked(), false);

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

  // Accept of an interactive result changes the label map: the meshes are marked stale
  await page.getByRole('group', { name: 'View' }).getByRole('button', { name: 'Axial', exact: true }).click();
  await page.getByLabel('Interactive mode').check();
  await page.getByRole('listbox', { name: 'Class' }).locator(`[data-class-id="${RIGHT_LUNG}"]`).click();
  const canvas = page.getByTestId('niivue-canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2 - 0.2 * box.height, y: box.height / 2 } });
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('button', { name: 'Accept' }).click({ timeout: 90_000 });
  await page.getByTestId('meshes-stale').waitFor();
  assert.match((await page.getByTestId('meshes-stale').textContent()) ?? '', /segmentation changed after these meshes were made/);
  timer.phase('meshes marked stale after Accept');

  assert.deepEqual(session.pageErrors, [], 'no uncaught errors in the page');
});
