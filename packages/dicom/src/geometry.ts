import { allocate } from '@vista3d/volume';
import type { Mat4, Vec3, Volume } from '@vista3d/volume';
import type { DicomInstance } from './types.js';

/**
 * Exact stack geometry from the DICOM headers and the resampling that puts a tilted or unevenly
 * spaced stack on a regular, orthogonal grid. Frame: `row`, `col` (ImageOrientationPatient) and the
 * plane normal `n = row × col`, all in DICOM patient space (LPS). Slice s lies in the plane
 * `h = IPP_s·n`; inside it, its first pixel sits at `(a_s, b_s) = (IPP_s·row, IPP_s·col)`. A gantry
 * tilt shows as `a_s`/`b_s` drifting with the slice (a sheared stack); uneven gaps as unequal
 * steps of `h_s`.
 */
export interface StackGeometry {
  row: Vec3;
  col: Vec3;
  normal: Vec3;
  /** Distance between columns (PixelSpacing[1]) and between rows (PixelSpacing[0]), mm. */
  columnSpacing: number;
  rowSpacing: number;
  columns: number;
  rows: number;
  /** Per slice, sorted by h ascending: [a, b, h]. */
  slices: Vec3[];
}

export interface GeometryPlan {
  /** In-plane drift of the first pixel over the stack (mm): gantry tilt when > 0. */
  shearMm: number;
  /** Angle between the stacking direction and the plane normal, degrees. */
  tiltDeg: number;
  gaps: number[];
  uniformGaps: boolean;
  /** True when the raw stack is not a regular orthogonal grid and must be resampled. */
  needsResampling: boolean;
  /** Output grid in DICOM index order (columns, rows, slices) and slice gap. */
  dims: Vec3;
  gap: number;
  origin: { a: number; b: number; h: number };
}

const dot = (u: Vec3, v: Vec3): number => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];

export function stackGeometry(
  instances: DicomInstance[],
  pixelSpacing: [number, number],
  rows: number,
  columns: number,
): StackGeometry | null {
  const iop = instances[0]?.imageOrientationPatient;
  if (!iop || instances.some((i) => !i.imagePositionPatient)) return null;
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const col: Vec3 = [iop[3], iop[4], iop[5]];
  const normal: Vec3 = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]];
  const slices = instances
    .map((i) => {
      const p = i.imagePositionPatient!;
      return [dot(p, row), dot(p, col), dot(p, normal)] as Vec3;
    })
    .sort((x, y) => x[2] - y[2]);
  return { row, col, normal, rowSpacing: pixelSpacing[0], columnSpacing: pixelSpacing[1], rows, columns, slices };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * What the regular grid for a stack is. The output gap is the median acquired gap (a missing slice
 * or a stretch of wider gaps is filled by interpolation, never by stretching the grid); the in-plane
 * extent grows to hold every slice's shifted field of view.
 */
export function planGeometry(g: StackGeometry): GeometryPlan | null {
  const n = g.slices.length;
  if (n < 2) return null;
  const gaps: number[] = [];
  for (let s = 1; s < n; s++) gaps.push(g.slices[s]![2] - g.slices[s - 1]![2]);
  if (gaps.some((x) => x < 1e-4)) return null; // several slices at one position: not one stack
  const med = median(gaps);
  const minGap = Math.min(...gaps);
  const maxGap = Math.max(...gaps);
  const uniformGaps = maxGap - minGap <= Math.max(0.01, 0.01 * med);
  const as = g.slices.map((s) => s[0]);
  const bs = g.slices.map((s) => s[1]);
  const aMin = Math.min(...as);
  const bMin = Math.min(...bs);
  const aSpan = Math.max(...as) - aMin;
  const bSpan = Math.max(...bs) - bMin;
  const shearMm = Math.hypot(aSpan, bSpan);
  const height = g.slices[n - 1]![2] - g.slices[0]![2];
  const tiltDeg = (Math.atan2(shearMm, height) * 180) / Math.PI;
  // A drift under 1 % of a pixel over the whole stack is rounding in the headers.
  const sheared = shearMm > 0.01 * Math.min(g.rowSpacing, g.columnSpacing);
  const nk = uniformGaps ? n : Math.round(height / med) + 1;
  return {
    shearMm,
    tiltDeg,
    gaps,
    uniformGaps,
    needsResampling: sheared || !uniformGaps,
    dims: [g.columns + Math.ceil(aSpan / g.columnSpacing - 1e-6), g.rows + Math.ceil(bSpan / g.rowSpacing - 1e-6), nk],
    gap: nk > 1 ? height / (nk - 1) : med,
    origin: { a: aMin, b: bMin, h: g.slices[0]![2] },
  };
}

/** Patient-space (LPS) position of output grid index (c, r, k). */
export function gridPoint(g: StackGeometry, p: GeometryPlan, c: number, r: number, k: number): Vec3 {
  const a = p.origin.a + c * g.columnSpacing;
  const b = p.origin.b + r * g.rowSpacing;
  const h = p.origin.h + k * p.gap;
  return [0, 1, 2].map((x) => g.row[x]! * a + g.col[x]! * b + g.normal[x]! * h) as Vec3;
}

/** How the NIfTI voxel axes of a dcm2niix stack run relative to DICOM columns, rows and sorted slices. */
export interface AxisSigns {
  i: 1 | -1;
  j: 1 | -1;
  k: 1 | -1;
}

const toRas = (v: Vec3): Vec3 => [-v[0], -v[1], v[2]];

export function axisSigns(affine: Mat4, g: StackGeometry): AxisSigns {
  const axis = (c: number): Vec3 => [affine[0][c], affine[1][c], affine[2][c]];
  const sign = (x: number): 1 | -1 => (x < 0 ? -1 : 1);
  return { i: sign(dot(axis(0), toRas(g.row))), j: sign(dot(axis(1), toRas(g.col))), k: sign(dot(axis(2), toRas(g.normal))) };
}

/** RAS affine of the output grid, with the voxel axes running as `signs` (dcm2niix's habit, e.g. LAS). */
export function gridAffine(g: StackGeometry, p: GeometryPlan, signs: AxisSigns): Mat4 {
  const [nc, nr, nk] = p.dims;
  const o = toRas(gridPoint(g, p, signs.i > 0 ? 0 : nc - 1, signs.j > 0 ? 0 : nr - 1, signs.k > 0 ? 0 : nk - 1));
  const ci = toRas(g.row).map((v) => v * g.columnSpacing * signs.i);
  const cj = toRas(g.col).map((v) => v * g.rowSpacing * signs.j);
  const ck = toRas(g.normal).map((v) => v * p.gap * signs.k);
  return [
    [ci[0]!, cj[0]!, ck[0]!, o[0]],
    [ci[1]!, cj[1]!, ck[1]!, o[1]],
    [ci[2]!, cj[2]!, ck[2]!, o[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * Resamples the raw stack (dcm2niix's unresampled output: one NIfTI slice per DICOM slice) onto the
 * plan's grid: each output slice interpolates linearly between the two acquired planes around it,
 * each plane sampled bilinearly at its own in-plane shift (for a pure tilt only along the rows).
 * Outside every acquired field of view the value is `fill` (raw units).
 */
export function resampleStack(raw: Volume, g: StackGeometry, p: GeometryPlan, signs: AxisSigns, fill: number): Volume {
  const [C, R, S] = [g.columns, g.rows, g.slices.length];
  if (raw.dims[0] !== C || raw.dims[1] !== R || raw.dims[2] !== S || raw.frames !== 1) {
    throw new Error(`raw stack ${raw.dims.join('×')} does not match the ${C}×${R}×${S} DICOM slices`);
  }
  const [nc, nr, nk] = p.dims;
  const src = raw.data;
  const out = allocate(raw.datatype, nc * nr * nk);
  const integer = !(out instanceof Float32Array || out instanceof Float64Array);
  const plane = new Float64Array(nc * nr);
  const acc = new Float64Array(nc * nr);
  const rowIndex = (r: number): number => (signs.j > 0 ? r : R - 1 - r);
  const colIndex = (c: number): number => (signs.i > 0 ? c : C - 1 - c);

  // Samples acquired slice s at output in-plane indices into `plane`.
  const sampleSlice = (s: number): void => {
    const [a, b] = g.slices[s]!;
    const kRaw = signs.k > 0 ? s : S - 1 - s;
    const base = kRaw * C * R;
    const dc = (p.origin.a - a) / g.columnSpacing;
    const dr = (p.origin.b - b) / g.rowSpacing;
    for (let r = 0; r < nr; r++) {
      const y = r + dr;
      const y0 = Math.floor(y + 1e-9);
      const fy = Math.max(0, y - y0);
      for (let c = 0; c < nc; c++) {
        const x = c + dc;
        const x0 = Math.floor(x + 1e-9);
        const fx = Math.max(0, x - x0);
        let sum = 0;
        let wsum = 0;
        for (let yy = 0; yy < 2; yy++) {
          const wy = yy ? fy : 1 - fy;
          const ry = y0 + yy;
          if (wy < 1e-9 || ry < 0 || ry >= R) continue;
          const rowBase = base + rowIndex(ry) * C;
          for (let xx = 0; xx < 2; xx++) {
            const wx = xx ? fx : 1 - fx;
            const cx = x0 + xx;
            if (wx < 1e-9 || cx < 0 || cx >= C) continue;
            sum += wx * wy * src[rowBase + colIndex(cx)]!;
            wsum += wx * wy;
          }
        }
        // Half a pixel beyond the acquired edge still counts as inside (edge value), further is fill.
        plane[r * nc + c] = wsum > 0.5 - 1e-9 ? sum / wsum : fill;
      }
    }
  };

  let s = 0;
  for (let k = 0; k < nk; k++) {
    const h = p.origin.h + k * p.gap;
    while (s < S - 2 && g.slices[s + 1]![2] <= h) s++;
    const h0 = g.slices[s]![2];
    const h1 = g.slices[Math.min(s + 1, S - 1)]![2];
    const t = h1 > h0 ? Math.min(1, Math.max(0, (h - h0) / (h1 - h0))) : 0;
    acc.fill(0);
    for (const [slice, w] of [[s, 1 - t], [s + 1, t]] as const) {
      if (w < 1e-9 || slice >= S) continue;
      sampleSlice(slice);
      for (let q = 0; q < acc.length; q++) acc[q]! += w * plane[q]!;
    }
    const kOut = signs.k > 0 ? k : nk - 1 - k;
    for (let r = 0; r < nr; r++) {
      const jOut = signs.j > 0 ? r : nr - 1 - r;
      const dst = (kOut * nr + jOut) * nc;
      for (let c = 0; c < nc; c++) {
        const v = acc[r * nc + c]!;
        out[dst + (signs.i > 0 ? c : nc - 1 - c)] = integer ? Math.round(v) : v;
      }
    }
  }
  const affine = gridAffine(g, p, signs);
  return {
    dims: [nc, nr, nk],
    frames: 1,
    spacing: [g.columnSpacing, g.rowSpacing, p.gap],
    affine,
    datatype: raw.datatype,
    data: out,
    scl: { ...raw.scl },
    meta: { ...raw.meta, qformCode: raw.meta.qformCode || 1, sformCode: raw.meta.sformCode || 1, affineSource: 'sform' },
  };
}
