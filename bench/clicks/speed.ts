// Seconds per click on a 512×512×300 CT made from the shared abdomen CT (nearest-neighbour upsampling
// of totalseg_example_ct, 3 mm → 0.71×0.59×1.12 mm), clicks from the simulator's protocol.
// Usage: npx tsx bench/clicks/speed.ts [id,...] (default: a spread of organs, vessels, bones, muscles)
import { cpus } from 'node:os';
import type { Vec3, Volume } from '@vista3d/volume';
import { CpuEngine } from '../../packages/segmentation/src/cpu/engine.js';
import { LABELLED_CTS, loadLabelledCt } from './datasets.js';
import { nextClick, deepestVoxel, toVec3, type Click } from './simulate.js';

export function upsample<T extends Volume>(v: T, dims: Vec3): T {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = v.dims;
  const data = new (v.data.constructor as new (n: number) => T['data'])(nx * ny * nz);
  const ix = Int32Array.from({ length: nx }, (_, x) => Math.min(sx - 1, Math.floor(((x + 0.5) * sx) / nx)));
  for (let z = 0; z < nz; z++) {
    const k = Math.min(sz - 1, Math.floor(((z + 0.5) * sz) / nz));
    for (let y = 0; y < ny; y++) {
      const j = Math.min(sy - 1, Math.floor(((y + 0.5) * sy) / ny));
      const src = sx * (j + sy * k);
      const dst = nx * (y + ny * z);
      for (let x = 0; x < nx; x++) data[dst + x] = v.data[src + ix[x]];
    }
  }
  const f = [sx / nx, sy / ny, sz / nz];
  const spacing = v.spacing.map((s, a) => s * f[a]) as Vec3;
  const affine = v.affine.map((row) => [...row]) as Volume['affine'];
  for (let r = 0; r < 3; r++) {
    for (let a = 0; a < 3; a++) affine[r][a] *= f[a];
    // Voxel centres: new voxel 0 sits at old index (0.5·f − 0.5).
    for (let a = 0; a < 3; a++) affine[r][3] += v.affine[r][a] * (0.5 * f[a] - 0.5);
  }
  return { ...v, dims, spacing, affine, data };
}

export async function clickTimes(ids: number[], clicks = 3): Promise<Array<{ id: number; seconds: number[]; dice: number[] }> & { warmSeconds: number }> {
  const { ct: small, ref: smallRef } = await loadLabelledCt(LABELLED_CTS[0]);
  const dims: Vec3 = [512, 512, 300];
  const ct = upsample(small, dims);
  const ref = upsample(smallRef, dims);
  const engine = new CpuEngine();
  const n = ct.data.length;
  // A server that has answered once: its whole-grid buffers (grid-pool.ts) are mapped. The first
  // prompt after a start pays their first touch (about 0.2 s per 79 MB buffer on the 2-core EPYC).
  const warm = performance.now();
  const centre: Vec3 = [dims[0] >> 1, dims[1] >> 1, dims[2] >> 1];
  await engine.segment(ct, { classes: [], points: [{ classId: 3, points: [centre, [centre[0] + 4, centre[1], centre[2]]], pointLabels: [1, 1] }] });
  const warmSeconds = (performance.now() - warm) / 1000;
  const rows = [];
  for (const id of ids) {
    const refMask = new Uint8Array(n);
    for (let i = 0; i < n; i++) refMask[i] = ref.data[i] === id ? 1 : 0;
    const first = deepestVoxel(refMask, dims, ct.spacing);
    if (!first) continue;
    const list: Click[] = [{ point: toVec3(first.voxel, dims), label: 1 }];
    const seconds: number[] = [];
    const dice: number[] = [];
    for (let k = 0; k < clicks; k++) {
      const t = performance.now();
      const out = await engine.segment(ct, { classes: [], points: [{ classId: id, points: list.map((c) => c.point), pointLabels: list.map((c) => c.label) }] });
      seconds.push((performance.now() - t) / 1000);
      const mask = new Uint8Array(n);
      let a = 0; let b = 0; let both = 0;
      for (let i = 0; i < n; i++) {
        mask[i] = out.data[i] === id ? 1 : 0;
        a += refMask[i]; b += mask[i]; both += refMask[i] & mask[i];
      }
      dice.push((2 * both) / (a + b));
      const next = nextClick(refMask, mask, dims, ct.spacing);
      if (!next) break;
      list.push(next);
    }
    rows.push({ id, seconds, dice });
  }
  return Object.assign(rows, { warmSeconds });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`512×512×300, ${cpus().length} cores, Node ${process.version}`);
  const rows = await clickTimes(process.argv[2] ? process.argv[2].split(',').map(Number) : [1, 3, 6, 34, 95, 106]);
  console.log(`(warm-up prompt, 2 clicks, first after start: ${rows.warmSeconds.toFixed(2)} s)`);
  console.log('| label | s/click (1, 2, 3) | Dice (1, 2, 3) |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.id} | ${r.seconds.map((s) => s.toFixed(2)).join(', ')} | ${r.dice.map((d) => d.toFixed(2)).join(', ')} |`);
}
