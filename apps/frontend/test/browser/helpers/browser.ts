// Headless Chromium (Debian's /usr/bin/chromium through playwright-core) with WebGL2 via SwiftShader,
// a fresh profile per run, and in-page PNG pixel statistics for screenshot assertions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'v3d-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 860 },
    acceptDownloads: true,
    args: [
      '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--disable-quic', '--disable-dev-shm-usage',
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface PixelStats {
  width: number;
  height: number;
  /** pixels whose r,g,b are within 3 of each other and not near-black */
  greyPixels: number;
  /** distinct grey levels (of the pixels above) */
  greyLevels: number;
  /** per requested colour: pixels within `tolerance` (Euclidean RGB) */
  colorPixels: number[];
}

/**
 * Runs in the page (kept as source text: the test tsconfig has no DOM types, and tsx would inject
 * helpers into a transpiled function): decodes a base64 PNG with createImageBitmap and counts pixels.
 */
const PNG_STATS_SRC = `async ({ b64, colors, tolerance }) => {
  const blob = await (await fetch('data:image/png;base64,' + b64)).blob();
  const bmp = await createImageBitmap(blob);
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  const levels = new Set();
  let grey = 0;
  const counts = colors.map(() => 0);
  const t2 = tolerance * tolerance;
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    if (Math.abs(r - g) <= 3 && Math.abs(g - b) <= 3 && r > 12) { grey++; levels.add(r); }
    for (let k = 0; k < colors.length; k++) {
      const dr = r - colors[k][0], dg = g - colors[k][1], db = b - colors[k][2];
      if (dr * dr + dg * dg + db * db <= t2) counts[k]++;
    }
  }
  return { width: bmp.width, height: bmp.height, greyPixels: grey, greyLevels: levels.size, colorPixels: counts };
}`;

/** Decodes a PNG in the page and counts grey pixels/levels and pixels near each of `colors`. */
export async function pngStats(page: Page, png: Buffer, colors: Array<readonly [number, number, number]>, tolerance = 14): Promise<PixelStats> {
  const args = { b64: png.toString('base64'), colors: colors.map((c) => [c[0], c[1], c[2]]), tolerance };
  return page.evaluate(`(${PNG_STATS_SRC})(${JSON.stringify(args)})`) as Promise<PixelStats>;
}
