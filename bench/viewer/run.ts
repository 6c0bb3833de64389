// First draw of a CT in our web viewer against a bare NiiVue page loading the same file in the same
// headless Chromium (SwiftShader WebGL) on loopback, in one run: the shared 3 mm sample CT and a
// 512×512×300 CT made from it (nearest-neighbour upsampling), axial and multiplanar (with the 3D tile).
// Prints one JSON line per case; `--write` replaces the `## viewer` section of RESULTS.md.
// Usage: npx tsx bench/viewer/run.ts [--write] [--runs N] (default 3 runs for the sample, 1 for 512³)
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readNifti, writeNifti } from '@vista3d/volume';
import { buildServer as buildImageServer } from '../../apps/image-server/src/server.js';
import { makeConfig } from '../../apps/frontend/src/server/config.js';
import { authConfigFromEnv } from '../../apps/frontend/src/server/auth/config.js';
import { buildServer as buildFrontend } from '../../apps/frontend/src/server/server.js';
import { buildWeb } from '../../apps/frontend/scripts/build-web.mjs';
import { launchBrowser } from '../../apps/frontend/test/browser/helpers/browser.js';
import { SHARED_DATA } from '../clicks/datasets.js';
import { upsample } from '../clicks/speed.js';
import { buildBarePage, compareFirstDraw, type FirstDrawView } from './first-draw.js';

process.env.LOG_LEVEL ??= 'silent';
const PATIENT = 'bench';
const addr = (app: FastifyInstance): string => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const mb = (n: number): number => Math.round(n / 2 ** 20);
const argRuns = process.argv.indexOf('--runs');
const runsArg = argRuns > 0 ? Number(process.argv[argRuns + 1]) : undefined;

const dir = await mkdtemp(join(tmpdir(), 'v3d-bench-viewer-'));
const output = join(dir, 'output');
const started: FastifyInstance[] = [];
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
const rows: string[] = [];
try {
  const nifti = join(output, PATIENT, 'nifti');
  await mkdir(nifti, { recursive: true });
  await mkdir(join(dir, 'dicom'));
  await copyFile(join(SHARED_DATA, 'totalseg_example_ct.nii.gz'), join(nifti, 'sample.nii.gz'));
  const big = upsample(await readNifti(join(SHARED_DATA, 'totalseg_example_ct.nii.gz')), [512, 512, 300]);
  await writeNifti(join(nifti, 'ct512.nii.gz'), big, { gzip: true, level: 1 });
  const cases = [
    { scan: 'sample', what: `sample 3 mm (${(await readNifti(join(nifti, 'sample.nii.gz'))).dims.join('×')}, ${mb((await stat(join(nifti, 'sample.nii.gz'))).size)} MB)`, runs: runsArg ?? 3 },
    { scan: 'ct512', what: `512×512×300 from the sample (${mb((await stat(join(nifti, 'ct512.nii.gz'))).size)} MB .nii.gz)`, runs: runsArg ?? 1 },
  ];

  const web = join(dir, 'web');
  await buildWeb({ outdir: web });
  await buildBarePage(web);
  const image = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: output, dicomFolder: join(dir, 'dicom'), corsOrigins: ['*'], maxUploadBytes: 1 << 30, readOnly: false });
  await image.listen({ port: 0, host: '127.0.0.1' });
  started.push(image);
  // the viewer's first draw needs no segmentation backend: an unused loopback port stands in
  const frontend = await buildFrontend(makeConfig({
    host: '127.0.0.1', port: 0, outputFolder: output, dicomFolder: join(dir, 'dicom'),
    vista3dServer: 'http://127.0.0.1:9', imageServer: addr(image), webRoot: web, probeTimeoutMs: 500,
    auth: authConfigFromEnv({ AUTH_MODE: 'off' }, output),
  }));
  await frontend.listen({ port: 0, host: '127.0.0.1' });
  started.push(frontend);
  const base = addr(frontend);

  browser = await launchBrowser();
  for (const c of cases) {
    const ctUrl = `/images/output/${PATIENT}/nifti/${c.scan}.nii.gz`;
    for (const view of ['axial', 'multiplanar'] as FirstDrawView[]) {
      const r = await compareFirstDraw(browser.page, { base, patient: PATIENT, scan: c.scan, ctUrl, view, runs: c.runs, warmup: c.scan === 'sample' || view === 'axial', timeoutMs: 600_000 });
      const line = { ct: c.what, view, oursMs: Math.round(r.oursMs), bareMs: Math.round(r.bareMs), ratio: Number(r.ratio.toFixed(2)), ours: r.ours.map(Math.round), bare: r.bare.map(Math.round) };
      console.log(JSON.stringify(line));
      rows.push(`| ${c.what} | ${view} | ${(r.oursMs / 1000).toFixed(1)} s | ${(r.bareMs / 1000).toFixed(1)} s | ${r.ratio.toFixed(2)}× | ${r.ours.length} |`);
    }
  }
} finally {
  await browser?.close();
  for (const s of started.reverse()) await s.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

if (process.argv.includes('--write')) {
  const section = [
    '## viewer', '',
    `First draw (navigation start → first frame with the CT) in our viewer vs a bare NiiVue page (\`bench/viewer/bare-page.mjs\`: attach, then \`loadVolumes\`) for the same file in the same browser, \`npx tsx bench/viewer/run.ts --write\`, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), shared with other work while measured, Node ${process.version}, Debian Chromium headless with SwiftShader (software WebGL), ${new Date().toISOString().slice(0, 10)}. Medians of alternating runs (bare, ours) after a warm-up.`,
    '', '| CT | view | ours | bare NiiVue | ours / bare | runs |', '|---|---|---|---|---|---|', ...rows, '',
  ].join('\n');
  const path = new URL('../RESULTS.md', import.meta.url);
  const text = await readFile(path, 'utf8');
  const start = text.indexOf('## viewer\n');
  const end = start >= 0 ? text.indexOf('\n## ', start + 1) : -1;
  const next = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${end >= 0 ? text.slice(end) : ''}`;
  await writeFile(path, next);
}
