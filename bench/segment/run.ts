// CPU engine benchmark: seconds and peak RSS on the shared CT and on a synthetic 512×512×300 chest.
// Each case runs in a child process so peak memory is that case's alone.
// Usage: npx tsx bench/segment/run.ts            (all cases, appends "## segment" to bench/RESULTS.md)
import { spawnSync } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
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
  const out = await engine.segment(ct, { onProgress: () => { peak = Math.max(peak, process.memoryUsage().rss); } });
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  const counts = new Map<number, number>();
  for (const l of out.data) counts.set(l, (counts.get(l) ?? 0) + 1);
  console.log(JSON.stringify({ name, dims: ct.dims, seconds, peakRssMb: peak / 2 ** 20, rssBeforeMb: base / 2 ** 20, classes: Object.fromEntries(counts) }));
}

if (process.argv[2]) await runCase(process.argv[2]);
else {
  const rows: string[] = [];
  for (const name of ['real', 'synthetic512']) {
    const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
    const line = res.stdout.trim().split('\n').at(-1) ?? '';
    console.log(line || res.stderr);
    const r = JSON.parse(line) as { dims: number[]; seconds: number; peakRssMb: number; rssBeforeMb: number };
    rows.push(`| ${name} | ${r.dims.join('×')} | ${r.seconds.toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${r.rssBeforeMb.toFixed(0)} |`);
  }
  const existing = await readFile(new URL('../RESULTS.md', import.meta.url), 'utf8').catch(() => '');
  const section = [
    '', '## segment', '',
    `CPU engine (vista3d-cpu-classical, all automatic classes), \`npx tsx bench/segment/run.ts\`, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    'Peak RSS includes the CT itself (int32 real CT; int16 synthetic = 157 MB) sampled every 20 ms.', '',
    '| case | dims | seconds | peak RSS MB | RSS with CT loaded MB |', '|---|---|---|---|---|', ...rows, '',
  ].join('\n');
  await appendFile(new URL('../RESULTS.md', import.meta.url), (existing.endsWith('\n') || existing === '' ? '' : '\n') + section);
}
