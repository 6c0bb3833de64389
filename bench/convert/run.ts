// Benchmark: `vista3d convert` (the compiled CLI, a whole process: start-up, header discovery,
// dcm2niix, read-back verification, geometry check, compression, atomic move) vs native dcm2niix
// run directly on the same series folder, interleaved in one run. Also the in-process library path
// and an up-to-date re-run. Median of N repeats.
// Run: node scripts/build-cli.mjs && npx tsx bench/convert/run.ts [repeats]
//   (replaces "## convert" in bench/RESULTS.md)
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertSeries, dcm2niixVersion, discoverSeries, findDcm2niix, findOnPath } from '../../packages/dicom/src/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DICOM = resolve(process.env.VISTA3D_SHARED_DATA ?? join(root, '../shared/data'), 'dicom');
const SERIES = ['philips_head_phantom_5mm', 'dcmqi_ct_3slice', 'tiny_ct_16x16x4'];
const CLI = join(root, 'packages/cli/bin/vista3d.mjs');
const repeats = Number(process.argv[2] ?? 7);

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const timed = (cmd: string, args: string[]): number => {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return (performance.now() - t) / 1000;
};

const bin = findDcm2niix();
if (!bin) throw new Error('dcm2niix not found');
const built = spawnSync(process.execPath, [join(root, 'scripts/build-cli.mjs')], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`build-cli failed: ${built.stderr}`);
const rows: string[] = [];
const work = await mkdtemp(join(tmpdir(), 'vista3d-bench-convert-'));
try {
  for (const name of SERIES) {
    const dir = join(DICOM, name);
    const native: number[] = [];
    const native3: number[] = [];
    const cli: number[] = [];
    const lib: number[] = [];
    const upToDate: number[] = [];
    let slices = 0;
    for (let r = 0; r < repeats; r++) {
      const out = join(work, `native-${name}-${r}`);
      await mkdir(out, { recursive: true });
      native.push(timed(bin, ['-z', 'y', '-b', 'y', '-ba', 'y', '-f', 'x', '-o', out, dir]));
      native3.push(timed(bin, ['-z', 'y', '-3', '-b', 'y', '-ba', 'y', '-f', 'y', '-o', out, dir]));
      const cliOut = join(work, `cli-${name}`);
      cli.push(timed(process.execPath, [CLI, 'convert', '--dicom', dir, '--output', cliOut, '--force', '--quiet', '--min-slices', '1']));
      upToDate.push(timed(process.execPath, [CLI, 'convert', '--dicom', dir, '--output', cliOut, '--quiet', '--min-slices', '1']));
      const t = performance.now();
      const [series] = await discoverSeries(dir);
      slices = series!.sliceCount;
      await convertSeries(series!, join(work, `lib-${name}`), { force: true });
      lib.push((performance.now() - t) / 1000);
    }
    const n = median(native);
    const c = median(cli);
    const line = `| ${name} | ${slices} | ${n.toFixed(3)} | ${median(native3).toFixed(3)} | ${c.toFixed(3)} | ${median(lib).toFixed(3)} | ${median(upToDate).toFixed(3)} | ${(c / n).toFixed(2)}× |`;
    console.log(line);
    rows.push(line);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const bare = median(Array.from({ length: 5 }, () => timed(process.execPath, ['-e', '0'])));
const section = [
  '## convert',
  '',
  `\`npx tsx bench/convert/run.ts ${repeats}\` — median of ${repeats} interleaved runs, seconds, ${cpus().length} cores, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, dcm2niix ${dcm2niixVersion(bin) ?? '?'}, ` +
    `${findOnPath('pigz') ? 'pigz' : 'no pigz (built-in zlib)'}; bare \`node -e 0\` took ${bare.toFixed(3)} s. The machine was shared with other work.`,
  'native = `dcm2niix -z y -b y -ba y` on the series folder (its default gzip level 6); native -3 = the same at level 3.',
  'CLI = `vista3d convert --force` as a process (compiled JS: start-up, header discovery, dcm2niix -z n, read-back',
  'verification of grid and HU range, geometry check — the tiny series is resampled to 165 slices —, gzip level 3 with',
  'pigz (files ~3 % larger than level 6), atomic move). library = discoverSeries + convertSeries in-process.',
  'up to date = a CLI re-run that finds the output current (process start-up + header discovery).',
  '',
  '| series | slices | native dcm2niix | native -3 | vista3d convert (CLI) | library | up-to-date re-run (CLI) | CLI / native |',
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
