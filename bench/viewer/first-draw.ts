// First draw of a CT in our viewer vs a bare NiiVue page loading the same file in the same browser:
// both pages mark `vista3d-first-draw` (performance.mark, ms from navigation start) on the first frame
// with the CT. Used by bench/viewer/run.ts and the browser test first-draw.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

export type FirstDrawView = 'axial' | 'multiplanar';

/** Bundles the bare page into `webDir/bare/` (served by the frontend beside the app: same origin, same CSP). */
export async function buildBarePage(webDir: string): Promise<void> {
  await build({
    entryPoints: [new URL('./bare-page.mjs', import.meta.url).pathname],
    outfile: join(webDir, 'bare', 'bare.js'),
    bundle: true, format: 'esm', platform: 'browser', target: ['es2022', 'chrome110'], minify: true, logLevel: 'warning',
  });
  await writeFile(join(webDir, 'bare', 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>bare NiiVue</title></head><body><div><canvas id="gl"></canvas></div><script type="module" src="bare.js"></script></body></html>\n');
}

function firstDrawMark(): number | null {
  const e = (globalThis as unknown as { performance: { getEntriesByName(n: string): Array<{ startTime: number }> } }).performance.getEntriesByName('vista3d-first-draw');
  return e.length ? e[0]!.startTime : null;
}

async function timeTo(page: Page, url: string, timeoutMs: number): Promise<number> {
  // leaving a page still busy with a large upload can take long under software WebGL
  await page.goto(url, { timeout: timeoutMs });
  await page.waitForFunction(firstDrawMark, undefined, { timeout: timeoutMs, polling: 25 });
  return (await page.evaluate(firstDrawMark))!;
}

/** Ms to the first draw of our viewer (`#/viewer/<patient>/<scan>` in `view`). */
export async function oursMs(page: Page, base: string, patient: string, scan: string, view: FirstDrawView, timeoutMs = 300_000): Promise<number> {
  if (!page.url().startsWith(base)) await page.goto(`${base}/bare/index.html?none`, { timeout: timeoutMs }); // same origin, to set the remembered view
  await page.evaluate((v) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('vista3d.viewer.view', v), view);
  return timeTo(page, `${base}/#/viewer/${encodeURIComponent(patient)}/${encodeURIComponent(scan)}`, timeoutMs);
}

/** Ms to the first draw of the bare NiiVue page for the same CT URL. */
export async function bareMs(page: Page, base: string, ctUrl: string, view: FirstDrawView, timeoutMs = 300_000): Promise<number> {
  return timeTo(page, `${base}/bare/index.html?view=${view}&url=${encodeURIComponent(ctUrl)}`, timeoutMs);
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `runs` alternating pairs (bare first, then ours) after one warm-up of each (unless `warmup: false`); medians and their ratio. */
export async function compareFirstDraw(page: Page, o: { base: string; patient: string; scan: string; ctUrl: string; view: FirstDrawView; runs: number; warmup?: boolean; timeoutMs?: number }): Promise<{ oursMs: number; bareMs: number; ratio: number; ours: number[]; bare: number[] }> {
  const ours: number[] = [];
  const bare: number[] = [];
  if (o.warmup ?? true) {
    await bareMs(page, o.base, o.ctUrl, o.view, o.timeoutMs);
    await oursMs(page, o.base, o.patient, o.scan, o.view, o.timeoutMs);
  }
  for (let i = 0; i < o.runs; i++) {
    bare.push(await bareMs(page, o.base, o.ctUrl, o.view, o.timeoutMs));
    ours.push(await oursMs(page, o.base, o.patient, o.scan, o.view, o.timeoutMs));
  }
  const m = { oursMs: median(ours), bareMs: median(bare) };
  return { ...m, ratio: m.oursMs / m.bareMs, ours, bare };
}
