// Volume I/O benchmark: write and read a synthetic 512×512×300 int16 CT as .nii.gz and .nii,
// reporting seconds, MB/s of voxel data and the process's peak RSS above the baseline.
// Run: npx tsx bench/volume/run.ts
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVolumeLike, identity, readNifti, readNiftiHeader, writeNifti, type Volume } from '@vista3d/volume';

const [NX, NY, NZ] = [512, 512, 300];

function syntheticCt(): Volume<Int16Array> {
  const meta = { description: 'synthetic', qformCode: 1, sformCode: 1, affineSource: 'sform' as const, xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 };
  const vol = createVolumeLike<Int16Array>({ dims: [NX, NY, NZ], spacing: [0.8, 0.8, 1], affine: identity(), meta }, 'int16');
  const d = vol.data;
  // Air outside an elliptical body of soft tissue with noise: compresses like a real CT, not like zeros.
  let seed = 1;
  for (let z = 0, i = 0; z < NZ; z++) for (let y = 0; y < NY; y++) for (let x = 0; x < NX; x++, i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const inside = ((x - 256) / 220) ** 2 + ((y - 256) / 160) ** 2 < 1;
    d[i] = (inside ? 40 : -1000) + (seed % 41) - 20;
  }
  return vol;
}

let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
async function measure<T>(label: string, bytes: number, fn: () => Promise<T>): Promise<T> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  peak = base;
  const t0 = performance.now();
  const out = await fn();
  const s = (performance.now() - t0) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(`${label.padEnd(34)} ${s.toFixed(2).padStart(6)} s  ${(bytes / 1e6 / s).toFixed(0).padStart(5)} MB/s  peak RSS +${((peak - base) / 1e6).toFixed(0)} MB`);
  return out;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-volume-'));
try {
  const ct = syntheticCt();
  const bytes = ct.data.byteLength;
  console.log(`volume ${NX}×${NY}×${NZ} int16 = ${(bytes / 1e6).toFixed(0)} MB of voxels; node ${process.version}`);
  await measure('write .nii.gz (level 6)', bytes, () => writeNifti(join(dir, 'ct6.nii.gz'), ct));
  await measure('write .nii.gz (level 1)', bytes, () => writeNifti(join(dir, 'ct1.nii.gz'), ct, { level: 1 }));
  await measure('write .nii', bytes, () => writeNifti(join(dir, 'ct.nii'), ct));
  console.log(`sizes: level 6 ${((await stat(join(dir, 'ct6.nii.gz'))).size / 1e6).toFixed(0)} MB, level 1 ${((await stat(join(dir, 'ct1.nii.gz'))).size / 1e6).toFixed(0)} MB`);
  await measure('read header only (.nii.gz)', 352, () => readNiftiHeader(join(dir, 'ct6.nii.gz')));
  await measure('read .nii.gz (streaming gunzip)', bytes, () => readNifti(join(dir, 'ct6.nii.gz')));
  await measure('read .nii', bytes, () => readNifti(join(dir, 'ct.nii')));
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
