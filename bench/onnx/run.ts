// ONNX engine benchmark: per-stage time and peak RSS for each fixture model of
// ../shared/onnx-reference on a 512×512×300 CT made from the shared 3 mm CT (trilinear upsampling
// over the same extent). Each case runs in its own child process, so peak RSS is that case's alone.
// Usage: npx tsx bench/onnx/run.ts [case ...]   (cases: generic vista-auto vista-auto-g16 vista-point)
// Prints one JSON line per case and a Markdown table to paste into bench/RESULTS.md ("## onnx").
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNifti, worldToVoxel, voxelToWorld, type Vec3 } from '@vista3d/volume';
import { OnnxEngine } from '../../packages/segmentation/src/onnx/index.js';
import { REF, upsampleCt, vistaCard } from '../../packages/segmentation/test/onnx-fixtures.js';

const CT = fileURLToPath(new URL('../../../shared/data/totalseg_example_ct.nii.gz', import.meta.url));
const DIMS: Vec3 = [512, 512, 300];
const CASES = ['generic', 'vista-auto', 'vista-auto-g16', 'vista-point'] as const;
type Case = (typeof CASES)[number];

async function runCase(name: Case): Promise<void> {
  const small = await readNifti(CT);
  const ct = upsampleCt(small, DIMS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-onnx-'));
  let modelPath = `${REF}generic_unet.onnx`;
  let cardPath = `${REF}case_A.card.json`;
  if (name !== 'generic') {
    const card = vistaCard() as { model: { automatic: { slidingWindow: Record<string, unknown> } } };
    card.model.automatic.slidingWindow.classGroupSize = name === 'vista-auto-g16' ? 16 : 117;
    cardPath = join(dir, 'vista.json');
    writeFileSync(cardPath, JSON.stringify(card));
    modelPath = `${REF}vista_tiny_auto.onnx`;
  }
  const engine = new OnnxEngine({ kind: 'onnx', modelPath, cardPath, executionProviders: ['cpu'] });
  await engine.ready();
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = (): void => { peak = Math.max(peak, process.memoryUsage().rss); };
  const timer = setInterval(sample, 20);
  // Case ii's clicks (liver +, +, −), moved to the same world positions on the large CT.
  const clicks: Vec3[] = [[91 - 6, 62 - 5, 100 - 3], [104 - 6, 45 - 5, 95 - 3], [88 - 6, 51 - 5, 90 - 3]].map((p) =>
    worldToVoxel(ct.affine, ...voxelToWorld(small.affine, ...(p as Vec3))).map((v) => Math.round(v)) as Vec3);
  const request = name === 'vista-point'
    ? { classes: [], points: [{ classId: 1, points: clicks, pointLabels: [1, 1, 0] as Array<0 | 1> }], onProgress: sample }
    : { onProgress: sample };
  const t = performance.now();
  const out = await engine.segment(ct, request);
  const seconds = (performance.now() - t) / 1000;
  clearInterval(timer);
  sample();
  await engine.dispose();
  rmSync(dir, { recursive: true, force: true });
  const present = new Set(out.data).size;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ name, dims: ct.dims, seconds, stagesMs: engine.lastTimings, rssBeforeMb: before / 2 ** 20, peakRssMb: Math.max(peak, maxRss) / 2 ** 20, labelsPresent: present }));
}

const arg = process.argv[2] as Case | undefined;
if (arg && process.argv[3] === '--child') await runCase(arg);
else {
  const names = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : CASES) as Case[];
  const rows: string[] = [];
  for (const name of names) {
    const res = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), name, '--child'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = res.stdout.trim().split('\n').at(-1) ?? '';
    console.log(line || res.stderr);
    if (!line.startsWith('{')) continue;
    const r = JSON.parse(line) as { seconds: number; stagesMs: Record<string, number>; rssBeforeMb: number; peakRssMb: number };
    const s = r.stagesMs;
    const pre = Object.entries(s).filter(([k]) => k.startsWith('pre:')).map(([k, v]) => `${k.slice(4)} ${(v / 1000).toFixed(2)}`).join(', ');
    const net = s.network ?? 0;
    const loop = (s['sliding window'] ?? 0) + (s['click windows'] ?? 0);
    rows.push(`| ${name} | ${r.seconds.toFixed(1)} | ${pre} | ${(net / 1000).toFixed(1)} | ${((loop - net) / 1000).toFixed(1)} | ${((s.argmax ?? 0) / 1000).toFixed(2)} | ${((s.invert ?? 0) / 1000).toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${r.rssBeforeMb.toFixed(0)} |`);
  }
  console.log([
    '', `ONNX engine on a ${DIMS.join('×')} CT, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`, '',
    '| case | total s | preprocessing s | network s | window loop outside the network s (copy, blend) | argmax s (incl.) | inverse s | peak RSS MB | RSS before MB |',
    '|---|---|---|---|---|---|---|---|---|', ...rows,
  ].join('\n'));
}
