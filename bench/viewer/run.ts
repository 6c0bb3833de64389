// End-to-end benchmark of a 512×512×300 CT through the whole platform on loopback: write it as
// .nii.gz, segment it with a frontend job (image server → backend CPU engine → saved label map), then
// open it in the web viewer (headless Chromium + SwiftShader WebGL) and time until the CT and the
// label overlay are drawn. Prints one JSON line per step; `--write` appends a section to RESULTS.md.
// Usage: npx tsx bench/viewer/run.ts [--write]
import { appendFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { writeNifti } from '@vista3d/volume';
import { defaultConfig as backendConfig } from '../../apps/backend/src/config.js';
import { buildServer as buildBackend } from '../../apps/backend/src/server.js';
import { buildServer as buildImageServer } from '../../apps/image-server/src/server.js';
import { makeConfig } from '../../apps/frontend/src/server/config.js';
import { authConfigFromEnv } from '../../apps/frontend/src/server/auth/config.js';
import { buildServer as buildFrontend } from '../../apps/frontend/src/server/server.js';
import { buildWeb } from '../../apps/frontend/scripts/build-web.mjs';
import { launchBrowser } from '../../apps/frontend/test/browser/helpers/browser.js';
import { syntheticChest } from '../segment/synthetic.js';

process.env.LOG_LEVEL ??= 'silent';
const PATIENT = 'bench';
const SCAN = 'chest512';
const DIMS = (process.env.BENCH_DIMS ?? "512,512,300").split(",").map(Number) as [number, number, number];
const addr = (app: FastifyInstance): string => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const mb = (n: number): number => Math.round(n / 2 ** 20);

const rows: Array<[string, string]> = [];
function report(step: string, value: string, extra: Record<string, unknown> = {}): void {
  rows.push([step, value]);
  console.log(JSON.stringify({ step, value, ...extra }));
}

const dir = await mkdtemp(join(tmpdir(), 'v3d-bench-viewer-'));
const output = join(dir, 'output');
const started: FastifyInstance[] = [];
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
try {
  const ctPath = join(output, PATIENT, 'nifti', `${SCAN}.nii.gz`);
  await mkdir(join(output, PATIENT, 'nifti'), { recursive: true });
  await mkdir(join(dir, 'dicom'));
  let t = performance.now();
  await writeNifti(ctPath, syntheticChest(DIMS, [0.8, 0.8, 1]), { gzip: true, level: 1 });
  report('write synthetic CT (.nii.gz, level 1)', `${((performance.now() - t) / 1000).toFixed(2)} s, ${mb((await stat(ctPath)).size)} MB`);

  await buildWeb({ outdir: join(dir, 'web') });
  const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: output, dicomFolder: join(dir, 'dicom'), corsOrigins: ['*'], maxUploadBytes: 1 << 30, readOnly: false });
  await image.listen({ port: 0, host: '127.0.0.1' });
  started.push(image);
  const backend = buildBackend(backendConfig({ host: '127.0.0.1', port: 0, engine: 'cpu', allowPrivateImageAddresses: true }));
  await backend.listen({ port: 0, host: '127.0.0.1' });
  started.push(backend);
  const frontend = await buildFrontend(makeConfig({
    host: '127.0.0.1', port: 0, outputFolder: output, dicomFolder: join(dir, 'dicom'),
    vista3dServer: addr(backend), imageServer: addr(image), webRoot: join(dir, 'web'),
    auth: authConfigFromEnv({ AUTH_MODE: 'off' }, output),
  }));
  await frontend.listen({ port: 0, host: '127.0.0.1' });
  started.push(frontend);
  const base = addr(frontend);

  // Segmentation job: the backend fetches the CT from the image server, the frontend saves the result.
  t = performance.now();
  const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'segment', patient: PATIENT, scan: SCAN }) });
  const job = await res.json() as { id: string };
  let status = 'queued';
  while (status === 'queued' || status === 'running') {
    await new Promise((r) => setTimeout(r, 250));
    status = ((await (await fetch(`${base}/api/jobs/${job.id}`)).json()) as { status: string }).status;
  }
  if (status !== 'succeeded') throw new Error(`segmentation job ${status}`);
  report('segmentation job (fetch CT, CPU engine, save all.nii.gz + per-label files)', `${((performance.now() - t) / 1000).toFixed(2)} s`, { rssMb: mb(process.memoryUsage().rss) });

  browser = await launchBrowser();
  const page = browser.page;
  await browser.context.addInitScript("localStorage.setItem('vista3d.viewer.view', 'axial')");
  if (process.env.BENCH_TRACE) {
    // Logs every NiiVue call that re-uploads or recomputes GPU volume data, with its duration.
    await browser.context.addInitScript(`(() => { const t0 = performance.now(); const iv = setInterval(() => { const nv = window.vista3dViewer; if (!nv) return; clearInterval(iv);
      for (const m of ['updateGLVolume', 'refreshLayers', 'gradientGL', 'loadVolumes', 'addVolumeFromUrl', 'setColormapLabel', 'drawScene', 'setSliceType', 'setOpacity', 'loadMeshes', 'createEmptyDrawing']) { const f = nv[m]; if (typeof f !== 'function') continue;
        nv[m] = function (...a) { const s = performance.now(); const r = f.apply(this, a); const done = () => console.log('[nv] ' + m + ' at ' + ((s - t0) / 1000).toFixed(1) + ' s took ' + ((performance.now() - s)).toFixed(0) + ' ms'); if (r && typeof r.then === 'function') r.then(done, done); else done(); return r; }; } }, 1); })()`);
    page.on('console', (m) => { if (m.text().startsWith('[nv]')) console.log(m.text()); });
  }
  t = performance.now();
  await page.goto(`${base}/#/viewer/${PATIENT}/${SCAN}`);
  await page.waitForFunction('window.vista3dViewer && window.vista3dViewer.volumes.length >= 1', undefined, { timeout: 300_000, polling: 50 });
  report('viewer: CT loaded and drawn', `${((performance.now() - t) / 1000).toFixed(2)} s`);
  await page.waitForFunction('(() => { const nv = window.vista3dViewer; return nv.volumes.length === 2 && !document.querySelector(".canvas-overlay"); })()', undefined, { timeout: 300_000, polling: 50 });
  report('viewer: CT + label overlay drawn', `${((performance.now() - t) / 1000).toFixed(2)} s`);
  const draw = await page.evaluate('(() => { const nv = window.vista3dViewer; const n = 20; const s = performance.now(); for (let i = 0; i < n; i++) nv.drawScene(); return (performance.now() - s) / n; })()') as number;
  report('viewer: redraw (axial, SwiftShader)', `${draw.toFixed(1)} ms`);
} finally {
  await browser?.close();
  for (const s of started.reverse()) await s.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

if (process.argv.includes('--write')) {
  const section = [
    '', '## viewer', '',
    `Synthetic 512×512×300 int16 chest CT end to end on loopback, \`npx tsx bench/viewer/run.ts --write\`, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, Debian Chromium headless with SwiftShader (software WebGL), ${new Date().toISOString().slice(0, 10)}.`,
    '', '| step | result |', '|---|---|', ...rows.map(([s, v]) => `| ${s} | ${v} |`), '',
  ].join('\n');
  await appendFile(new URL('../RESULTS.md', import.meta.url), section);
}
