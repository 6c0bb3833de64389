// Click benchmark: the simulator of ./simulate.ts on every labelled CT of ../shared/data, over HTTP.
// Usage: npx tsx bench/clicks/run.ts [--url http://host:port] [--port 9411] [--only name,...] [--json out.json]
// Without --url it starts the backend (CPU engine, in-process) on --port (default 9411, range 9400-9499).
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { labelById } from '@vista3d/labels';
import { LABELLED_CTS, loadLabelledCt } from './datasets.js';
import { ctUpload, httpSegmenter, labelsOf, simulateLabel, summarise, type LabelRun, type Segmenter } from './simulate.js';

process.env.LOG_LEVEL ??= 'silent';
const { values } = parseArgs({ options: { url: { type: 'string' }, port: { type: 'string', default: '9411' }, only: { type: 'string' }, json: { type: 'string' }, clicks: { type: 'string', default: '5' }, direct: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } } });
const maxClicks = Number(values.clicks);

let url = values.url ?? '';
let close: (() => Promise<void>) | undefined;
if (!url && !values.direct) {
  const { buildServer } = await import('../../apps/backend/src/server.js');
  const { defaultConfig } = await import('../../apps/backend/src/config.js');
  const app = buildServer(defaultConfig({ engineWorker: false, allowPrivateImageAddresses: true }));
  await app.listen({ port: Number(values.port), host: '127.0.0.1' });
  await app.engineReady;
  url = `http://127.0.0.1:${Number(values.port)}`;
  close = () => app.close();
}
const info = values.direct ? { engine: { name: 'cpu (in-process)', version: '' } } : (await (await fetch(`${url}/v1/vista3d/info`)).json()) as { engine: { name: string; version: string } };
const log = (s: string): void => { if (!values.quiet) console.log(s); };

const only = values.only?.split(',');
const all: Array<LabelRun & { ct: string }> = [];
const fmt = (v: number, d = 2): string => v.toFixed(d);
for (const c of LABELLED_CTS.filter((c) => !only || only.includes(c.name))) {
  const { ct, ref } = await loadLabelledCt(c);
  let segment: Segmenter;
  if (values.direct) {
    // Tuning shortcut: the CPU engine in-process, no HTTP (not for the recorded tables).
    const { CpuEngine } = await import('../../packages/segmentation/src/cpu/engine.js');
    const engine = new CpuEngine();
    if (process.env.CLICK_OPTS) Object.assign((await import('../../packages/segmentation/src/cpu/interactive.js')).CLICK_DEFAULTS, JSON.parse(process.env.CLICK_OPTS));
    segment = async (classId, clicks, n) => {
      const t = performance.now();
      const out = await engine.segment(ct, { classes: [], points: [{ classId, points: clicks.map((c) => c.point), pointLabels: clicks.map((c) => c.label) }] });
      const mask = new Uint8Array(n);
      for (let i = 0; i < n; i++) mask[i] = out.data[i] === classId ? 1 : 0;
      const seconds = (performance.now() - t) / 1000;
      return { mask, seconds, serverSeconds: seconds };
    };
  } else segment = httpSegmenter(url, await ctUpload(ct));
  log(`\n### ${c.name} (${ct.dims.join('×')}, ${ct.spacing.map((s) => s.toFixed(2)).join('×')} mm)\n`);
  log(`| label | voxels | ${Array.from({ length: maxClicks }, (_, k) => `Dice ${k + 1}`).join(' | ')} | vol. ratio 1 | vol. ratio ${maxClicks} | s/prompt |`);
  log(`|---|---|${'---|'.repeat(maxClicks + 3)}`);
  for (const { id } of labelsOf(ref)) {
    const run = await simulateLabel(segment, ct, ref, id, maxClicks);
    all.push({ ...run, ct: c.name });
    const s = run.steps;
    const timed = s.filter((x) => x.seconds > 0);
    log(`| ${id} ${labelById(id)?.name ?? ''} | ${run.voxels} | ${s.map((x) => fmt(x.dice)).join(' | ')} | ${fmt(s[0].volumeRatio)} | ${fmt(s[s.length - 1].volumeRatio)} | ${fmt(timed.reduce((a, x) => a + x.seconds, 0) / Math.max(1, timed.length))} |`);
  }
}
const summary = summarise(all, maxClicks);
console.log(`\n### all ${all.length} structures ≥ 500 voxels — engine ${info.engine.name} ${info.engine.version}, ${cpus().length} cores, Node ${process.version}\n`);
console.log('| clicks | mean Dice | median Dice | mean vol. ratio | max vol. ratio | s/prompt (HTTP) |');
console.log('|---|---|---|---|---|---|');
for (const r of summary) console.log(`| ${r.clicks} | ${fmt(r.meanDice, 3)} | ${fmt(r.medianDice, 3)} | ${fmt(r.meanVolumeRatio)} | ${fmt(r.maxVolumeRatio)} | ${fmt(r.meanSeconds)} |`);
if (values.json) await writeFile(values.json, JSON.stringify({ engine: info.engine, runs: all, summary }, null, 1));
await close?.();
