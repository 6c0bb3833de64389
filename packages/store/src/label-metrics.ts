import type { Volume, VoxelArray } from '@vista3d/volume';
import { voxelVolumeMl } from '@vista3d/volume';
import { labelName } from './segmentation.js';

/** One label in the comparison of two label maps on the same grid. */
export interface LabelComparison {
  id: number;
  name: string;
  voxelsA: number;
  voxelsB: number;
  /** Voxels carrying this label in both maps. */
  overlap: number;
  /** 2|A∩B| / (|A|+|B|); 1 when the label is absent from both (never listed then). */
  dice: number;
  volumeMlA: number;
  volumeMlB: number;
  /** B − A, millilitres. */
  volumeDiffMl: number;
}

const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Per-label Dice and volume difference of two uint8 label maps (same grid, checked by the caller).
 * One pass over the voxels with a 256×256 joint histogram: no per-voxel allocation, and every
 * label's counts come out of the same pass.
 */
export function compareLabelMaps(a: Volume<Uint8Array>, b: Volume<Uint8Array>): LabelComparison[] {
  const n = a.data.length;
  if (b.data.length !== n) throw new Error(`label maps differ in size: ${n} vs ${b.data.length} voxels`);
  const joint = new Float64Array(256 * 256);
  const da = a.data;
  const db = b.data;
  for (let i = 0; i < n; i++) joint[(da[i]! << 8) | db[i]!]!++;
  const countA = new Float64Array(256);
  const countB = new Float64Array(256);
  for (let x = 0; x < 256; x++) {
    for (let y = 0; y < 256; y++) {
      const c = joint[(x << 8) | y]!;
      if (c === 0) continue;
      countA[x]! += c;
      countB[y]! += c;
    }
  }
  const ml = voxelVolumeMl(a);
  const out: LabelComparison[] = [];
  for (let id = 1; id < 256; id++) {
    const va = countA[id]!;
    const vb = countB[id]!;
    if (va === 0 && vb === 0) continue;
    const overlap = joint[(id << 8) | id]!;
    out.push({
      id,
      name: labelName(id),
      voxelsA: va,
      voxelsB: vb,
      overlap,
      dice: round((2 * overlap) / (va + vb), 6),
      volumeMlA: round(va * ml),
      volumeMlB: round(vb * ml),
      volumeDiffMl: round((vb - va) * ml),
    });
  }
  return out;
}

/** Intensity statistics of one label (HU when the CT's scaling is applied). */
export interface LabelIntensityStat {
  id: number;
  name: string;
  voxels: number;
  volumeMl: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

/**
 * Voxel count, volume and HU mean / SD (population) / min / max per label of `labels` over `ct`
 * (same grid). HU = raw · slope + inter of the CT. Sums are in float64 per label id (256 slots).
 */
export function labelIntensityStats(labels: Volume<Uint8Array>, ct: Volume<VoxelArray>): LabelIntensityStat[] {
  const n = labels.data.length;
  if (ct.data.length < n) throw new Error(`CT has ${ct.data.length} voxels, label map ${n}`);
  const count = new Float64Array(256);
  const sum = new Float64Array(256);
  const sumSq = new Float64Array(256);
  const min = new Float64Array(256).fill(Infinity);
  const max = new Float64Array(256).fill(-Infinity);
  const l = labels.data;
  const v = ct.data;
  for (let i = 0; i < n; i++) {
    const id = l[i]!;
    if (id === 0) continue;
    const x = v[i]!;
    count[id]!++;
    sum[id]! += x;
    sumSq[id]! += x * x;
    if (x < min[id]!) min[id] = x;
    if (x > max[id]!) max[id] = x;
  }
  const { slope, inter } = ct.scl;
  const s = slope === 0 ? 1 : slope;
  const ml = voxelVolumeMl(labels);
  const out: LabelIntensityStat[] = [];
  for (let id = 1; id < 256; id++) {
    const c = count[id]!;
    if (c === 0) continue;
    const meanRaw = sum[id]! / c;
    const varRaw = Math.max(0, sumSq[id]! / c - meanRaw * meanRaw);
    const lo = min[id]! * s + inter;
    const hi = max[id]! * s + inter;
    out.push({
      id,
      name: labelName(id),
      voxels: c,
      volumeMl: round(c * ml),
      mean: round(meanRaw * s + inter, 2),
      sd: round(Math.sqrt(varRaw) * Math.abs(s), 2),
      min: round(Math.min(lo, hi), 2),
      max: round(Math.max(lo, hi), 2),
    });
  }
  return out;
}
