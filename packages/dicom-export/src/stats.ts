import { labelById } from '@vista3d/labels';
import type { Volume } from '@vista3d/volume';
import type { SegmentationProvenance } from './common.js';
import { ExportError } from './common.js';
import type { LabelMap } from './presence.js';

export interface LabelStatistics {
  labelId: number;
  name: string;
  voxels: number;
  volumeMl: number;
  /** HU over the label's voxels (null without a CT). */
  hu: { mean: number; sd: number; min: number; max: number } | null;
  /** Voxel bounding box, inclusive: [i0, j0, k0], [i1, j1, k1]. */
  bbox: { min: [number, number, number]; max: [number, number, number] };
  /** Bounding box size in mm along the voxel axes. */
  extentMm: [number, number, number];
  /** The label reaches the first or last voxel of some axis: the structure may continue outside the scan. */
  touchesBorder: boolean;
  /** For paired organs ("left x"/"right x"): left volume / right volume; null when the other side is absent or not paired. */
  leftRightRatio: number | null;
}

export interface StatisticsReport {
  dims: [number, number, number];
  spacingMm: [number, number, number];
  voxelMl: number;
  provenance: SegmentationProvenance | null;
  labels: LabelStatistics[];
}

/**
 * Per-label statistics of a label map in one pass (plus the CT's HU when given, on the same grid):
 * voxels, volume, HU mean/SD/min/max, bounding box, border contact, left/right ratio of paired organs.
 */
export function segmentationStatistics(labels: LabelMap, ct: Volume | null, provenance?: SegmentationProvenance): StatisticsReport {
  const [nx, ny, nz] = labels.dims;
  if (ct && (ct.dims[0] !== nx || ct.dims[1] !== ny || ct.dims[2] !== nz)) {
    throw new ExportError(`CT grid ${ct.dims.join('×')} differs from the segmentation's ${labels.dims.join('×')}`, 'GRID');
  }
  const a = labels.affine;
  const spacing = [0, 1, 2].map((c) => Math.hypot(a[0][c]!, a[1][c]!, a[2][c]!)) as [number, number, number];
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  const slot = new Map<number, number>();
  const acc: Array<{ n: number; sum: number; sq: number; min: number; max: number; box: Int32Array }> = [];
  const d = labels.data;
  const hu = ct?.data;
  const slope = ct ? ct.scl.slope || 1 : 1;
  const inter = ct ? ct.scl.inter : 0;
  let last = -1;
  let cur: (typeof acc)[number] | undefined;
  let v = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        const l = d[v]!;
        if (l === 0) continue;
        if (l !== last) {
          let s = slot.get(l);
          if (s === undefined) {
            s = acc.length;
            slot.set(l, s);
            acc.push({ n: 0, sum: 0, sq: 0, min: Infinity, max: -Infinity, box: Int32Array.from([i, j, k, i, j, k]) });
          }
          cur = acc[s]!;
          last = l;
        }
        const c = cur!;
        c.n++;
        const b = c.box;
        if (i < b[0]!) b[0] = i;
        if (j < b[1]!) b[1] = j;
        if (i > b[3]!) b[3] = i;
        if (j > b[4]!) b[4] = j;
        b[5] = k;
        if (hu) {
          const h = hu[v]! * slope + inter;
          c.sum += h;
          c.sq += h * h;
          if (h < c.min) c.min = h;
          if (h > c.max) c.max = h;
        }
      }
    }
  }
  const r = (x: number, n = 3): number => Number(x.toFixed(n));
  const out: LabelStatistics[] = [...slot.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([labelId, s]) => {
      const c = acc[s]!;
      const b = c.box;
      const mean = c.n ? c.sum / c.n : 0;
      return {
        labelId,
        name: labelById(labelId)?.name ?? `label ${labelId}`,
        voxels: c.n,
        volumeMl: r(c.n * voxelMl),
        hu: hu ? { mean: r(mean, 2), sd: r(Math.sqrt(Math.max(0, c.sq / c.n - mean * mean)), 2), min: r(c.min, 2), max: r(c.max, 2) } : null,
        bbox: { min: [b[0]!, b[1]!, b[2]!], max: [b[3]!, b[4]!, b[5]!] },
        extentMm: [0, 1, 2].map((ax) => r((b[3 + ax]! - b[ax]! + 1) * spacing[ax]!, 2)) as [number, number, number],
        touchesBorder: b[0] === 0 || b[1] === 0 || b[2] === 0 || b[3] === nx - 1 || b[4] === ny - 1 || b[5] === nz - 1,
        leftRightRatio: null,
      };
    });
  const byName = new Map(out.map((s) => [s.name, s]));
  for (const s of out) {
    const m = /^(left|right) (.+)$/.exec(s.name);
    if (!m) continue;
    const other = byName.get(`${m[1] === 'left' ? 'right' : 'left'} ${m[2]}`);
    if (!other) continue;
    const [left, right] = m[1] === 'left' ? [s, other] : [other, s];
    s.leftRightRatio = r(left.voxels / right.voxels, 4);
  }
  return { dims: [nx, ny, nz], spacingMm: spacing.map((x) => r(x, 4)) as [number, number, number], voxelMl, provenance: provenance ?? null, labels: out };
}

const CSV_COLUMNS = [
  'label_id', 'name', 'voxels', 'volume_ml', 'hu_mean', 'hu_sd', 'hu_min', 'hu_max',
  'bbox_i0', 'bbox_j0', 'bbox_k0', 'bbox_i1', 'bbox_j1', 'bbox_k1', 'extent_x_mm', 'extent_y_mm', 'extent_z_mm',
  'touches_border', 'left_right_ratio',
];

/** The report as CSV (one row per label; RFC 4180 quoting). */
export function statisticsCsv(report: StatisticsReport): string {
  const q = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = report.labels.map((s) =>
    [
      s.labelId, s.name, s.voxels, s.volumeMl, s.hu?.mean, s.hu?.sd, s.hu?.min, s.hu?.max,
      ...s.bbox.min, ...s.bbox.max, ...s.extentMm, s.touchesBorder, s.leftRightRatio,
    ].map(q).join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}
