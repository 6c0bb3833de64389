// End-to-end browser test of the web app against the REAL platform (frontend server, image server,
// backend with the CPU engine) and a real headless Chromium (WebGL2 through SwiftShader):
// Data page → segmentation job with live progress → viewer with the label overlay → label toggles,
// screenshots checked pixel by pixel → cursor readout → interactive segmentation → export links.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { phaseTimer, pngStats, SHOTS, viewerScreenshot } from './helpers/browser.js';
import { PATIENT, SCAN, type Platform } from './helpers/services.js';
import { startBrowserSession, type BrowserSession } from './helpers/session.js';

/** In-page predicate (a function, not a string: the app's CSP forbids eval): n volumes, no spinner. */
function viewerVolumesLoaded(n: number): boolean {
  const nv = (globalThis as unknown as { vista3dViewer?: { volumes: unknown[] } }).vista3dViewer;
  return !!nv && nv.volumes.length === n && !(globalThis as unknown as { document: { querySelector(q: string): unknown } }).document.querySelector('.canvas-overlay');
}

interface LabelJson { id: number; name: string; color: [number, number, number] }

let session: BrowserSession;
let platform: Platform;
let page: Page;
const timer = phaseTimer();
const { phase } = timer;

before(async () => {
  // The axial view renders fastest on a software GPU (the app defaults to multiplanar + 3D).
  session = await startBrowserSession({ timeoutMs: 45_000, view: 'axial', timer });
  ({ platform, page } = session);
});

after(() => session?.close());

test('web app: data page, segmentation job, viewer overlay with label toggles, interactive segmentation, export', async () => {
  const labels = (await (await fetch(`${platform.base}/api/labels`)).json()) as { labels: LabelJson[] };
  const byName = new Map(labels.labels.map((l) => [l.name, l]));
  const body = byName.get('body')!;
  assert.ok(body, 'label dictionary has "body"');

  const nav = page.getByRole('navigation', { name: 'Main' });
  phase('Dashboard');
  // --- Dashboard: live services and counts
  await page.goto(`${platform.base}/#/dashboard`);
  await page.getByLabel('Segmentation backend').getByText('ready', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('count-scans').textContent(), '1');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/dashboard.png` });

  phase('Data page');
  // --- Data page: the scan with its geometry
  await nav.getByRole('link', { name: 'Data', exact: true }).click();
  const card = page.getByTestId(`scan-${SCAN}`);
  await card.waitFor();
  assert.equal(await card.getByTestId('scan-dims').textContent(), '122 × 101 × 112');
  await card.getByText('not segmented').waitFor();

  phase('start a segmentation');
  // --- start a segmentation (engine default classes) and watch it on the Jobs page
  await card.getByRole('button', { name: /^Segment/ }).click();
  await page.getByRole('button', { name: 'Start segmentation' }).click();
  await nav.getByRole('link', { name: /^Jobs/ }).click();
  const row = page.locator('.job-row').first();
  await row.waitFor();
  assert.equal(await row.locator('.job-type').textContent(), 'segment');
  assert.ok(await row.getByRole('progressbar').isVisible(), 'job progress bar visible');
  await page.locator('.job-row[data-status="succeeded"]').waitFor({ timeout: 60_000 });
  assert.equal(await row.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/jobs.png` });

  phase('back on the Data page');
  // --- back on the Data page the scan is segmented with label volumes
  await nav.getByRole('link', { name: 'Data', exact: true }).click();
  await card.getByText(/segmented · \d+ labels/).waitFor();
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/data.png` });

  phase('Viewer');
  // --- Viewer: CT + label map overlay
  await card.getByRole('link', { name: 'Open viewer' }).click();
  await page.waitForURL(/#\/viewer\//);
  const bodyToggle = page.getByRole('checkbox', { name: 'Show body' });
  await bodyToggle.waitFor();
  await page.waitForFunction(viewerVolumesLoaded, 2, { timeout: 60_000 });
  // opacity 1 so overlay pixels carry the exact label colour
  await page.getByLabel('Overlay opacity').fill('1');

  phase("'body' starts hidden");
  // 'body' starts hidden (it would cover the CT); show it, hide it again
  assert.equal(await bodyToggle.isChecked(), false, 'body label hidden by default');
  const off = await pngStats(page, await viewerScreenshot(page, 'viewer-body-off'), [body.color]);
  await bodyToggle.check();
  const on = await pngStats(page, await viewerScreenshot(page, 'viewer-body-on'), [body.color]);
  await bodyToggle.uncheck();
  const offAgain = await pngStats(page, await viewerScreenshot(page, 'viewer-body-off-again'), [body.color]);

  assert.ok(on.width > 300 && on.height > 200, `screenshot size ${on.width}×${on.height}`);
  assert.ok(on.colorPixels[0] > 5000, `body overlay drawn in its label colour (${on.colorPixels[0]} px)`);
  assert.ok(off.colorPixels[0] < on.colorPixels[0] / 20, `body hidden: ${off.colorPixels[0]} px vs ${on.colorPixels[0]} px shown`);
  assert.ok(offAgain.colorPixels[0] < on.colorPixels[0] / 20, 'body hidden again');
  assert.ok(Math.abs(offAgain.greyPixels - off.greyPixels) <= off.greyPixels * 0.05, 'same picture after show + hide');
  assert.ok(off.greyLevels > 40 && off.greyPixels > 5000, `CT greyscale visible under the hidden label (${off.greyLevels} levels, ${off.greyPixels} px)`);
  assert.ok(off.greyPixels > on.greyPixels * 2, 'the overlay covers the CT when shown');

  phase('cursor readout');
  // --- cursor readout: clicking the body centre shows a label name and HU
  const canvas = page.getByTestId('niivue-canvas');
  const box = (await canvas.boundingBox())!;
  // (off the centre: clicking where the crosshair already is does not move it)
  await canvas.click({ position: { x: box.width / 2 + 40, y: box.height / 2 + 30 } });
  await page.getByTestId('cursor-hu').waitFor();
  assert.match((await page.getByTestId('cursor-hu').textContent()) ?? '', /^-?\d+$/);
  const cursorLabel = (await page.getByTestId('cursor-label').textContent()) ?? '';
  assert.ok(byName.has(cursorLabel), `cursor label is a dictionary name: "${cursorLabel}"`);

  // --- window presets change the picture
  await page.getByLabel('Window preset').selectOption('lung');
  assert.equal(await page.getByLabel('Window width').inputValue(), '1500');
  assert.equal(await page.getByLabel('Window level').inputValue(), '-600');

  phase('interactive segmentation');
  // --- interactive segmentation: a positive point in the middle, Run, result overlay, Accept
  await page.getByLabel('Interactive mode').check();
  const liver = byName.get('liver')!;
  await page.getByRole('listbox', { name: 'Class' }).locator(`[data-class-id="${liver.id}"]`).click();
  await canvas.click({ position: { x: box.width / 2 - 60, y: box.height / 2 - 60 } });
  await page.locator('.point.pos').first().waitFor();
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('button', { name: 'Accept' }).waitFor({ timeout: 60_000 });
  await page.waitForFunction((n) => (globalThis as unknown as { vista3dViewer: { volumes: unknown[] } }).vista3dViewer.volumes.length === n, 3);
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('checkbox', { name: 'Show liver' }).waitFor({ timeout: 30_000 });
  // the viewer reloads the changed label map from the server: the accepted class is drawn
  await page.waitForFunction(viewerVolumesLoaded, 2);
  const withLiver = await pngStats(page, await viewerScreenshot(page, 'viewer-accepted'), [liver.color]);
  assert.ok(withLiver.colorPixels[0] > 200, `accepted liver drawn from the reloaded label map (${withLiver.colorPixels[0]} px)`);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/viewer.png` });

  phase('Export page');
  // --- Export page: label map, CSV and single labels link to real files
  await nav.getByRole('link', { name: 'Export', exact: true }).click();
  await page.getByTestId('download-csv').waitFor();
  const csvHref = await page.getByTestId('download-csv').getAttribute('href');
  const csv = await fetch(`${platform.base}${csvHref}`);
  assert.equal(csv.status, 200);
  assert.match(await csv.text(), /body/);
  const mapHref = await page.getByTestId('download-labelmap').getAttribute('href');
  const map = await fetch(`${platform.base}${mapHref}`, { method: 'HEAD' });
  assert.equal(map.status, 200, `label map ${mapHref}`);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/export.png` });

  assert.deepEqual(session.pageErrors, [], 'no uncaught errors in the page');
  assert.ok(PATIENT);
});
