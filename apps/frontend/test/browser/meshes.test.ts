// Meshes in the viewer's 3D view, in a real headless Chromium against the real platform: a segmentation
// and a mesh job (left and right lung, STL) through the job API, then the viewer in 3D render with the
// CT and overlay made transparent, proving with screenshot pixels that each lung mesh is drawn in its
// label colour and that its toggle in the Meshes panel hides it.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser } from './helpers/browser.js';
import { PATIENT, SCAN, startPlatform, type Platform } from './helpers/services.js';

const SHOTS = process.env.SHOTS ?? '';
type Rgb = [number, number, number];

let platform: Platform;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

async function runJob(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${platform.base}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const job = (await (await fetch(`${platform.base}/api/jobs/${id}`)).json()) as { status: string; error?: { message: string } };
    if (job.status === 'succeeded') return;
    assert.ok(job.status === 'queued' || job.status === 'running', `${String(body.type)} job ${job.status}: ${job.error?.message ?? ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Pixels whose colour has the hue of each label colour (shaded surfaces vary in brightness, not in
 * direction in RGB space): cosine to the colour > 0.995 and not dark. Runs in the page (source text).
 */
async function hueCounts(png: Buffer, colors: Rgb[]): Promise<number[]> {
  const src = `async ({ b64, colors }) => {
    const bmp = await createImageBitmap(await (await fetch('data:image/png;base64,' + b64)).blob());
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const unit = colors.map(([r, g, b]) => { const n = Math.hypot(r, g, b); return [r / n, g / n, b / n]; });
    const counts = colors.map(() => 0);
    for (let i = 0; i < d.length; i += 4) {
      const r = d[i], g = d[i + 1], b = d[i + 2];
      const n = Math.hypot(r, g, b);
      if (n < 60) continue;
      for (let k = 0; k < unit.length; k++) if ((r * unit[k][0] + g * unit[k][1] + b * unit[k][2]) / n > 0.995) counts[k]++;
    }
    return counts;
  }`;
  return page.evaluate(`(${src})(${JSON.stringify({ b64: png.toString('base64'), colors })})`) as Promise<number[]>;
}

async function viewerScreenshot(name: string): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Screenshot' }).click()]);
  const png = await readFile((await download.path())!);
  if (SHOTS) await writeFile(`${SHOTS}/${name}.png`, png);
  return png;
}

before(async () => {
  platform = await startPlatform();
  await runJob({ type: 'segment', patient: PATIENT, scan: SCAN });
  await runJob({ type: 'mesh', patient: PATIENT, scan: SCAN, classes: [135, 136], formats: ['stl'] });
  browser = await launchBrowser();
  page = browser.page;
  page.setDefaultTimeout(120_000); // software WebGL on a loaded 2-core CI machine
});

after(async () => {
  await browser?.close();
  await platform?.close();
});

test('viewer 3D view: lung meshes in their label colours, toggled per mesh', async () => {
  const labels = (await (await fetch(`${platform.base}/api/labels`)).json()) as { labels: Array<{ id: number; color: Rgb }> };
  const left = labels.labels.find((l) => l.id === 135)!.color;
  const right = labels.labels.find((l) => l.id === 136)!.color;

  await browser.context.addInitScript("localStorage.setItem('vista3d.viewer.view', 'render')");
  await page.goto(`${platform.base}/#/viewer/${PATIENT}/${SCAN}`);
  const panel = page.getByRole('region', { name: 'Meshes' });
  await panel.waitFor();
  assert.equal(await panel.getByRole('checkbox').count(), 2, 'one toggle per lung mesh');
  await page.waitForFunction('(() => { const nv = window.vista3dViewer; return nv && nv.volumes.length === 2 && nv.meshes.length === 2 && !document.querySelector(".canvas-overlay"); })()');

  // Make the CT and the label overlay transparent in 3D: a window above every HU value, overlay off.
  await page.getByLabel('Overlay opacity').fill('0');
  await page.getByLabel('Window width').fill('10');
  await page.getByLabel('Window level').fill('4000');
  await page.waitForFunction('window.vista3dViewer.volumes[0].cal_min > 3000 && window.vista3dViewer.volumes[1].opacity === 0');

  const both = await hueCounts(await viewerScreenshot('meshes-both'), [left, right]);
  assert.ok(both[0] > 300 && both[1] > 300, `left and right lung meshes drawn in their colours (${both.join(', ')} px)`);

  await panel.getByRole('checkbox').nth(0).uncheck();
  const shownNames = await page.evaluate('window.vista3dViewer.meshes.map((m) => m.visible)') as boolean[];
  assert.deepEqual(shownNames, [false, true]);
  const one = await hueCounts(await viewerScreenshot('meshes-one'), [left, right]);
  const hiddenIdx = one[0] < both[0] / 10 ? 0 : 1;
  assert.ok(one[hiddenIdx] < both[hiddenIdx] / 10, `the hidden mesh's colour is gone (${both.join(', ')} → ${one.join(', ')})`);
  assert.ok(one[1 - hiddenIdx] > both[1 - hiddenIdx] / 2, 'the other mesh is still drawn');
});
