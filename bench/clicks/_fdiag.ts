import type { Vec3 } from '@vista3d/volume';
import { segmentClassFromClicks } from '../../packages/segmentation/src/cpu/click-strategy.js';
import { axisInfo } from '../../packages/segmentation/src/cpu/orientation.js';
import { LABELLED_CTS, loadLabelledCt } from './datasets.js';
import { deepestVoxel, toVec3, diceOf, nextClick, type Click } from './simulate.js';
import { upsample } from './speed.js';
const ids = process.argv[2].split(',').map(Number);
const { ct: small, ref: sref } = await loadLabelledCt(LABELLED_CTS[0]);
const dims: Vec3 = [512, 512, 300];
const big = upsample(small, dims); const bigRef = upsample(sref, dims);
for (const id of ids) for (const [ct, ref] of [[small, sref], [big, bigRef]] as const) {
  const n = ref.data.length; const m = new Uint8Array(n); for (let i = 0; i < n; i++) m[i] = ref.data[i] === id ? 1 : 0;
  const clicks: Click[] = [{ point: toVec3(deepestVoxel(m, ref.dims, ct.spacing)!.voxel, ref.dims), label: 1 }];
  const parts: string[] = [];
  let prev: Uint8Array | null = null;
  for (let k = 0; k < 3; k++) {
    const out = new Uint8Array(n);
    segmentClassFromClicks(ct, axisInfo(ct.affine), { classId: id, points: clicks.map((c) => c.point), labels: clicks.map((c) => c.label) }, out);
    let good = 0, bad = 0;
    if (prev) for (let i = 0; i < n; i++) if (prev[i] !== out[i]) { if ((out[i] !== 0) === (m[i] !== 0)) good++; else bad++; }
    const d = diceOf(m, out);
    parts.push(`${k ? (clicks[k].label ? '+' : '-') : ''}${d.dice.toFixed(2)} r${(d.predCount / d.refCount).toFixed(2)}${prev ? ` Δ${good}/${bad}` : ''} @${clicks[k].point.join(',')}`);
    prev = out;
    const nx = nextClick(m, out, ref.dims, ct.spacing); if (!nx) break; clicks.push(nx);
  }
  console.log(id, ct.dims.join('x'), parts.join(' | '));
}
