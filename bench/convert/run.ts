// Benchmark: our conversion path (discover headers + convertSeries: symlink folder, dcm2niix, verify,
// atomic move) vs native dcm2niix run directly on the same series folder. Median of N repeats.
// Run: npx tsx bench/convert/run.ts [repeats]   (appends/replaces "## convert" in bench/RESULTS.md)
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertSeries, dcm2niixVersion, discoverSeries, findDcm2niix } from '../../packages/dicom/src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DICOM = resolve(process.env.VISTA3D_SHARED_DATA ?? join(root, '../shared/data'), 'dicom');
const SERIES = ['philips_head_phantom_5mm', 'dcmqi_ct_3slice', 'tiny_ct_16x16x4'];
const repeats = Number(process.argv[2] ?? 5);

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const bin = findDcm2niix();
if (!bin) throw new Error('dcm2niix not found');
const rows: string[] = [];
const work = await mkdtemp(join(tmpdir(), 'vista3d-bench-convert-'));
try {
  for (const name of SERIES) {
    const dir = join(DICOM, name);
    const native: number[] = [];
    const discover: number[] = [];
    const ours: number[] = [];
    const oursNoVerify: number[] = [];
    const upToDate: number[] = [];
    let slices = 0;
    for (let r = 0; r < repeats; r++) {
      const out = join(work, `native-${name}-${r}`);
      spawnSync('mkdir', ['-p', out]);
      let t = performance.now();
      const res = spawnSync(bin, ['-z', 'y', '-b', 'y', '-f', 'x', '-o', out, dir], { encoding: 'utf8' });
      native.push((performance.now() - t) / 1000);
      if (res.status !== 0) throw new Error(`native dcm2niix failed on ${name}`);

      t = performance.now();
      const [series] = await discoverSeries(dir);
      discover.push((performance.now() - t) / 1000);
      slices = series!.sliceCount;
      await convertSeries(series!, join(work, `ours-${name}-${r}`), { force: true });
      ours.push((performance.now() - t) / 1000);

      t = performance.now();
      const [s2] = await discoverSeries(dir);
      await convertSeries(s2!, join(work, `ours-nv-${name}-${r}`), { force: true, verify: false });
      oursNoVerify.push((performance.now() - t) / 1000);

      t = performance.now();
      const [s3] = await discoverSeries(dir);
      await convertSeries(s3!, join(work, `ours-${name}-${r}`));
      upToDate.push((performance.now() - t) / 1000);
    }
    const n = median(native);
    const o = median(ours);
    const line = `| ${name} | ${slices} | ${n.toFixed(3)} | ${median(discover).toFixed(3)} | ${o.toFixed(3)} | ${median(oursNoVerify).toFixed(3)} | ${median(upToDate).toFixed(3)} | ${(o / n).toFixed(2)}× |`;
    console.log(line);
    rows.push(line);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const section = [
  '## convert',
  '',
  `\`npx tsx bench/convert/run.ts ${repeats}\` — median of ${repeats} runs, seconds, ${cpus().length} cores, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, dcm2niix ${dcm2niixVersion(bin) ?? '?'} (pigz compression).`,
  '"ours" = discoverSeries (header-only) + convertSeries (symlink folder, dcm2niix -z y -b y, read-back verification of',
  'grid and HU range, atomic move); "no verify" skips the read-back; "up to date" is a re-run that finds the output current.',
  '',
  '| series | slices | native dcm2niix | discover only | ours (discover+convert+verify) | ours, no verify | up-to-date re-run | ours / native |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
const resultsPath = join(root, 'bench/RESULTS.md');
let md = '';
try {
  md = await readFile(resultsPath, 'utf8');
} catch {
  md = '# Benchmark results\n';
}
const re = /^## convert\n[\s\S]*?(?=^## |(?![\s\S]))/m;
md = re.test(md) ? md.replace(re, `${section}\n`) : `${md.trimEnd()}\n\n${section}`;
await writeFile(resultsPath, md.endsWith('\n') ? md : `${md}\n`);
console.log(`\n${section}`);
