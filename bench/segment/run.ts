// CPU engine benchmark: seconds and peak RSS on the shared CT and on a synthetic 512×512×300 chest.
// Each case runs in a child process so peak memory is that case's alone.
// Usage: npx tsx bench/segment/run.ts            (all cases, appends "## segment" to bench/RESULTS.md)
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readNifti, type Volume } from '@vista3d/volume';
import { createEngine } from '../../packages/segmentation/src/index.js';
import { syntheticChest } from './synthetic.js';

const CT = fileURLToPath(new URL('../../../shared/data/totalseg_example_ct.nii.gz', import.meta.url));

async function runCase(name: string): Promise<void> {
  const ct: Volume = name === 'real' ? await readNifti(CT) : syntheticChest([512, 512, 300], [0.8, 0.8, 1]);
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const engine = await createEngine({ kind: 'cpu' });
  const t = performance.now();
  const stages: Record<string, number> = {};
  let last = { stage: 'start', at: performance.now() };
  const out = await engine.segment(ct, {
    onProgress: (_f, stage) => {
      peak = Math.max(peak, process.memoryUsage().rss);
      const now = performance.now();
      stages[last.stage] = (now - last.at) / 1000;
      last = { stage, at: now };
    },
  });
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  const counts = new Map<number, number>();
  for (const l of out.data) counts.set(l, (counts.get(l) ?? 0) + 1);
  // The yardstick: one streaming pass over the CT (a 4096-bin HU histogram), best of 3.
  let histSeconds = Infinity;
  for (let r = 0; r < 3; r++) {
    const h = new Float64Array(4096);
    const t0 = performance.now();
    const d = ct.data;
    for (let i = 0; i < d.length; i++) h[Math.min(4095, Math.max(0, (d[i] + 1024) | 0))]++;
    histSeconds = Math.min(histSeconds, (performance.now() - t0) / 1000);
  }
  console.log(JSON.stringify({ name, dims: ct.dims, seconds, histSeconds, stages, peakRssMb: peak / 2 ** 20, rssBeforeMb: base / 2 ** 20, classes: Object.fromEntries(counts) }));
}

if (process.argv[2]) await runCase(process.argv[2]);
else {
  const rows: string[] = [];
  for (const name of ['real', 'synthetic512']) {
    const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
    const line = res.stdout.trim().split('\n').at(-1) ?? '';
    console.log(line || res.stderr);
    const r = JSON.parse(line) as { dims: number[]; seconds: number; histSeconds: number; peakRssMb: number; rssBeforeMb: number };
    rows.push(`| ${name} | ${r.dims.join('×')} | ${r.seconds.toFixed(2)} | ${r.histSeconds.toFixed(3)} | ${(r.seconds / r.histSeconds).toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.rssBeforeMb.toFixed(0)} |`);
  }
  const existing = await readFile(new URL('../RESULTS.md', import.meta.url), 'utf8').catch(() => '');
  const section = [
    '', '## segment', '',
    `CPU engine (vista3d-cpu-classical, all automatic classes), \`npx tsx bench/segment/run.ts\`, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    'Peak RSS includes the CT itself (int32 real CT; int16 synthetic = 157 MB) sampled every 20 ms.',
    '"histogram pass" = one streaming pass over the same CT (4096-bin HU histogram, best of 3); "passes" = engine time / that.', '',
    '| case | dims | seconds | histogram pass s | passes (ratio) | peak RSS MB | RSS with CT loaded MB |', '|---|---|---|---|---|---|---|', ...rows, '',
  ].join('\n');
  // Replace this benchmark's own section (up to the next "## "), keep the others.
  const start = existing.indexOf('\n## segment\n');
  const next = start < 0 ? -1 : existing.indexOf('\n## ', start + 5);
  const updated = start < 0 ? existing + section : existing.slice(0, start) + section + (next < 0 ? '' : existing.slice(next));
  await writeFile(new URL('../RESULTS.md', import.meta.url), updated);
}
