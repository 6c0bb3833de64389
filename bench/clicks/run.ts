// Click benchmark: the simulator of ./simulate.ts on every labelled CT of ../shared/data, over HTTP.
// Usage: npx tsx bench/clicks/run.ts [--url http://host:port] [--port 9411] [--only name,...] [--json out.json]
// Without --url it starts the backend (CPU engine, in-process) on --port (default 9411, range 9400-9499).
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { labelById } from '@vista3d/labels';
import { LABELLED_CTS, loadLabelledCt } from './datasets.js';
import { ctUpload, labelsOf, simulateLabel, summarise, type LabelRun } from './simulate.js';

process.env.LOG_LEVEL ??= 'silent';
const { values } = parseArgs({ options: { url: { type: 'string' }, port: { type: 'string', default: '9411' }, only: { type: 'string' }, json: { type: 'string' }, clicks: { type: 'string', default: '5' } } });
const maxClicks = Number(values.clicks);

let url = values.url;
let close: (() => Promise<void>) | undefined;
if (!url) {
  const { buildServer } = await import('../../apps/backend/src/server.js');
  const { defaultConfig } = await import('../../apps/backend/src/config.js');
  const app = buildServer(defaultConfig({ engineWorker: false }));
  await app.listen({ port: Number(values.port), host: '127.0.0.1' });
  await app.engineReady;
  url = `http://127.0.0.1:${Number(values.port)}`;
  close = () => app.close();
}
const info = (await (await fetch(`${url}/v1/vista3d/info`)).json()) as { engine: { name: string; version: string } };

const only = values.only?.split(',');
const all: Array<LabelRun & { ct: string }> = [];
const fmt = (v: number, d = 2): string => v.toFixed(d);
for (const c of LABELLED_CTS.filter((c) => !only || only.includes(c.name))) {
  const { ct, ref } = await loadLabelledCt(c);
  const bytes = await ctUpload(ct);
  console.log(`\n### ${c.name} (${ct.dims.join('×')}, ${ct.spacing.map((s) => s.toFixed(2)).join('×')} mm)\n`);
  console.log(`| label | voxels | ${Array.from({ length: maxClicks }, (_, k) => `Dice ${k + 1}`).join(' | ')} | vol. ratio 1 | vol. ratio ${maxClicks} | s/prompt |`);
  console.log(`|---|---|${'---|'.repeat(maxClicks + 3)}`);
  for (const { id } of labelsOf(ref)) {
    const run = await simulateLabel(url, ct, bytes, ref, id, maxClicks);
    all.push({ ...run, ct: c.name });
    const s = run.steps;
    const timed = s.filter((x) => x.seconds > 0);
    console.log(`| ${id} ${labelById(id)?.name ?? ''} | ${run.voxels} | ${s.map((x) => fmt(x.dice)).join(' | ')} | ${fmt(s[0].volumeRatio)} | ${fmt(s[s.length - 1].volumeRatio)} | ${fmt(timed.reduce((a, x) => a + x.seconds, 0) / Math.max(1, timed.length))} |`);
  }
}
const summary = summarise(all, maxClicks);
console.log(`\n### all ${all.length} structures ≥ 500 voxels — engine ${info.engine.name} ${info.engine.version}, ${cpus().length} cores, Node ${process.version}\n`);
console.log('| clicks | mean Dice | median Dice | mean vol. ratio | max vol. ratio | s/prompt (HTTP) |');
console.log('|---|---|---|---|---|---|');
for (const r of summary) console.log(`| ${r.clicks} | ${fmt(r.meanDice, 3)} | ${fmt(r.medianDice, 3)} | ${fmt(r.meanVolumeRatio)} | ${fmt(r.maxVolumeRatio)} | ${fmt(r.meanSeconds)} |`);
if (values.json) await writeFile(values.json, JSON.stringify({ engine: info.engine, runs: all, summary }, null, 1));
await close?.();
