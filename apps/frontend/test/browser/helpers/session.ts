// The set-up the viewer's browser tests share: the real platform (helpers/services.ts), then a headless
// Chromium page on it with a default timeout, uncaught page errors collected and the viewer's view
// preset; `close()` stops both (also when the start failed half-way).
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, type phaseTimer } from './browser.js';
import { startPlatform, type Platform } from './services.js';

export interface BrowserSession {
  platform: Platform;
  page: Page;
  context: BrowserContext;
  /** Uncaught errors of the page (tests assert there are none). */
  pageErrors: string[];
  close(): Promise<void>;
}

export interface BrowserSessionOptions {
  /** Adds files to OUTPUT_FOLDER before the servers start. */
  prepare?: (output: string) => Promise<void>;
  /** Runs once the platform is up, before the browser starts (jobs, seeded versions, more files). */
  seed?: (platform: Platform) => Promise<void>;
  /** The page's default timeout: software WebGL on a loaded 2-core machine is slow. */
  timeoutMs: number;
  /** The viewer's view on every page load (axial renders fastest on a software GPU); unset: the app's default. */
  view?: 'axial' | 'coronal' | 'sagittal' | 'render' | 'multiplanar';
  /** Preset the view only while the page has stored none (a test that picks one keeps it over reloads). */
  keepChosenView?: boolean;
  /** Reset at the start; 'platform started' and 'browser started' phases (TIMING=1). */
  timer?: ReturnType<typeof phaseTimer>;
}

export async function startBrowserSession(options: BrowserSessionOptions): Promise<BrowserSession> {
  options.timer?.reset();
  const platform = await startPlatform(options.prepare);
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await platform.close();
  };
  try {
    options.timer?.phase('platform started');
    await options.seed?.(platform);
    browser = await launchBrowser();
    const { page, context } = browser;
    page.setDefaultTimeout(options.timeoutMs);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (options.view) {
      const preset = `localStorage.setItem('vista3d.viewer.view', ${JSON.stringify(options.view)})`;
      await context.addInitScript(options.keepChosenView ? `if (!localStorage.getItem('vista3d.viewer.view')) ${preset}` : preset);
    }
    options.timer?.phase('browser started');
    return { platform, page, context, pageErrors, close };
  } catch (err) {
    await close();
    throw err;
  }
}
