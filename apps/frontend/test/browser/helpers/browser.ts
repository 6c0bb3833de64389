// Headless Chromium (Debian's /usr/bin/chromium through playwright-core) with WebGL2 via SwiftShader,
// a fresh profile per run, in-page PNG pixel statistics for screenshot assertions, the viewer's
// Screenshot button, SHOTS=<dir> to keep screenshots and TIMING=1 phase timings.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  /**
   * per requested hue colour: pixels pointing the same way in RGB space (cosine > 0.995, not dark) —
   * shaded surfaces (meshes in 3D) vary in brightness, not in direction
   */
  huePixels: number[];
  /** per requested hue colour: the summed brightness (RGB length) of those pixels — drops as a surface fades */
  hueBrightness: number[];
}

/** In-page source: the base64 PNG `b64` decoded into `bmp` (its size) and `d` (its RGBA bytes). */
const DECODE_PNG_SRC = `const blob = await (await fetch('data:image/png;base64,' + b64)).blob();
  const bmp = await createImageBitmap(blob);
  const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;`;

/**
 * Runs in the page (kept as source text: the test tsconfig has no DOM types, and tsx would inject
 * helpers into a transpiled function): decodes a base64 PNG with createImageBitmap and counts pixels.
 */
const PNG_STATS_SRC = `async ({ b64, colors, tolerance, hues }) => {
  ${DECODE_PNG_SRC}
  const levels = new Set();
  let grey = 0;
  const counts = colors.map(() => 0);
  const t2 = tolerance * tolerance;
  const unit = hues.map(([r, g, b]) => { const n = Math.hypot(r, g, b); return [r / n, g / n, b / n]; });
  const hueCounts = hues.map(() => 0);
  const hueSums = hues.map(() => 0);
  for (let i = 0; i < d.length; i += 4) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    if (Math.abs(r - g) <= 3 && Math.abs(g - b) <= 3 && r > 12) { grey++; levels.add(r); }
    for (let k = 0; k < colors.length; k++) {
      const dr = r - colors[k][0], dg = g - colors[k][1], db = b - colors[k][2];
      if (dr * dr + dg * dg + db * db <= t2) counts[k]++;
    }
    const n = Math.hypot(r, g, b);
    if (n < 60) continue;
    for (let k = 0; k < unit.length; k++) if ((r * unit[k][0] + g * unit[k][1] + b * unit[k][2]) / n > 0.995) { hueCounts[k]++; hueSums[k] += n; }
  }
  return { width: bmp.width, height: bmp.height, greyPixels: grey, greyLevels: levels.size, colorPixels: counts, huePixels: hueCounts, hueBrightness: hueSums.map(Math.round) };
}`;

type Rgb = readonly [number, number, number];

/**
 * Decodes a PNG in the page and counts grey pixels/levels, pixels near each of `colors` and pixels of
 * the hue of each of `hues`.
 */
export async function pngStats(page: Page, png: Buffer, colors: Rgb[], tolerance = 14, hues: Rgb[] = []): Promise<PixelStats> {
  const rgb = (c: Rgb) => [c[0], c[1], c[2]];
  const args = { b64: png.toString('base64'), colors: colors.map(rgb), tolerance, hues: hues.map(rgb) };
  return page.evaluate(`(${PNG_STATS_SRC})(${JSON.stringify(args)})`) as Promise<PixelStats>;
}

/** Screenshots are kept here for a human look (`SHOTS=/tmp/dir`). */
export const SHOTS = process.env.SHOTS ?? '';

/** Saves a PNG under SHOTS (when set). */
export async function keepShot(name: string, png: Buffer): Promise<void> {
  if (SHOTS) await writeFile(join(SHOTS, `${name}.png`), png);
}

/** Clicks the viewer's Screenshot button (NiiVue saveScene) and returns the PNG it downloads. */
export async function viewerScreenshot(page: Page, name: string): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Screenshot' }).click()]);
  if (!download.suggestedFilename().endsWith('.png')) throw new Error(`screenshot download is not a PNG: ${download.suggestedFilename()}`);
  const png = await readFile((await download.path())!);
  await keepShot(name, png);
  return png;
}

/** Phase timings on stderr with TIMING=1 (to see where a slow machine spends the time). */
export function phaseTimer(): { reset: () => void; phase: (name: string) => void } {
  let t0 = Date.now();
  return {
    reset: () => { t0 = Date.now(); },
    phase: (name) => { if (process.env.TIMING) console.error(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${name}`); },
  };
}

const RECT_COUNTS_SRC = `async ({ b64, rects, color, tolerance }) => {
  ${DECODE_PNG_SRC}
  const t2 = tolerance * tolerance;
  return rects.map(([x0, y0, w, h]) => {
    let n = 0;
    for (let y = Math.max(0, Math.floor(y0)); y < Math.min(bmp.height, y0 + h); y++) {
      for (let x = Math.max(0, Math.floor(x0)); x < Math.min(bmp.width, x0 + w); x++) {
        const i = (y * bmp.width + x) * 4;
        const dr = d[i] - color[0], dg = d[i + 1] - color[1], db = d[i + 2] - color[2];
        if (dr * dr + dg * dg + db * db <= t2) n++;
      }
    }
    return n;
  });
}`;

/** Pixels within `tolerance` of `color` inside each rectangle [x, y, width, height] (image pixels). */
export async function rectCounts(page: Page, png: Buffer, rects: Array<[number, number, number, number]>, color: Rgb, tolerance = 14): Promise<number[]> {
  const args = { b64: png.toString('base64'), rects, color: [color[0], color[1], color[2]], tolerance };
  return page.evaluate(`(${RECT_COUNTS_SRC})(${JSON.stringify(args)})`) as Promise<number[]>;
}
