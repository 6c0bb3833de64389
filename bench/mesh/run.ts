// Mesh benchmark: every label of the real TotalSegmentator example segmentation (VISTA3D ids,
// 122×101×112 at 3 mm) through extraction, smoothing and decimation; then a full export.
// `npx tsx bench/mesh/run.ts` prints a table and appends/replaces the "## mesh" section of bench/RESULTS.md.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { edgeReport, exportMeshes, extractMeshes, labelBoxes, signedVolume, type ExtractMeshesOptions } from '@vista3d/mesh';
import { readNifti, voxelVolumeMl, writeFileAtomic } from '@vista3d/volume';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SEG = join(root, '..', 'shared', 'data', 'totalseg_example_ct_seg_fast_vista3d.nii.gz');

const vol = await readNifti(SEG);
const boxes = labelBoxes(vol);
const voxelMl = voxelVolumeMl(vol);
const configs: { name: string; options: ExtractMeshesOptions }[] = [
  { name: 'extract (σ 0.8 anti-aliasing, marching tetrahedra)', options: {} },
  { name: '+ Taubin 10 iterations (k_PB 0.1)', options: { smoothing: { iterations: 10, passBand: 0.1 } } },
  { name: '+ Taubin 10 + decimate to ≤ 20000 / label', options: { smoothing: { iterations: 10 }, targetTriangles: 20000 } },
  { name: '+ Taubin 10 + decimate to ≤ 5000 / label', options: { smoothing: { iterations: 10 }, targetTriangles: 5000 } },
];
const rows: string[] = [];
for (const { name, options } of configs) {
  const t0 = performance.now();
  const meshes = await extractMeshes(vol, options);
  const seconds = (performance.now() - t0) / 1000;
  const triangles = meshes.reduce((s, m) => s + m.indices.length / 3, 0);
  const watertight = meshes.filter((m) => {
    const r = edgeReport(m);
    return r.boundaryOrNonManifold + r.misoriented + r.degenerate === 0 && signedVolume(m) > 0;
  }).length;
  // mesh volume vs voxel-count volume for structures over 50 ml
  const big = meshes.filter((m) => boxes.find((b) => b.labelId === m.labelId)!.voxels * voxelMl > 50);
  const devs = big.map((m) => Math.abs(signedVolume(m) / 1000 / (boxes.find((b) => b.labelId === m.labelId)!.voxels * voxelMl) - 1));
  const medianDev = devs.sort((a, b) => a - b)[Math.floor(devs.length / 2)] ?? 0;
  const row = `| ${name} | ${meshes.length} | ${triangles} | ${watertight}/${meshes.length} | ${(medianDev * 100).toFixed(1)}% | ${seconds.toFixed(2)} |`;
  console.log(row);
  rows.push(row);
}

const out = await mkdtemp(join(tmpdir(), 'vista3d-mesh-bench-'));
const t0 = performance.now();
const { files } = await exportMeshes(SEG, out, { formats: ['glb', 'obj', 'stl', 'ply'], smoothing: { iterations: 10 }, targetTriangles: 20000 });
const exportSeconds = (performance.now() - t0) / 1000;
let bytes = 0;
for (const f of files) bytes += (await stat(f.path)).size;
await rm(out, { recursive: true, force: true });
const exportLine = `Full \`exportMeshes\` (all four formats, Taubin 10, ≤ 20000 triangles/label, read + extract + write ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB): **${exportSeconds.toFixed(1)} s**.`;
console.log(exportLine);

const section = [
  '## mesh',
  '',
  `\`npx tsx bench/mesh/run.ts\` — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}); all ${boxes.length} labels of`,
  '`shared/data/totalseg_example_ct_seg_fast_vista3d.nii.gz` (122×101×112, 3 mm). Single-threaded; times include extraction of every label.',
  '"watertight" = every edge in exactly two consistently oriented triangles and positive enclosed volume;',
  '"volume dev." = median |mesh volume / voxel-count volume − 1| over structures > 50 ml.',
  '',
  '| configuration | labels | triangles | watertight | volume dev. | seconds |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
  exportLine,
  '',
].join('\n');

const resultsPath = join(root, 'bench', 'RESULTS.md');
let text = '';
try {
  text = await readFile(resultsPath, 'utf8');
} catch {
  text = '# Benchmark results\n';
}
const start = text.search(/^## mesh\s*$/m);
if (start >= 0) {
  const rest = text.slice(start + 1);
  const next = rest.search(/^## /m);
  text = text.slice(0, start) + section + (next >= 0 ? '\n' + rest.slice(next) : '');
} else {
  text = text.replace(/\n*$/, '\n\n') + section;
}
await writeFileAtomic(resultsPath, new TextEncoder().encode(text));
console.log(`updated ${resultsPath}`);
