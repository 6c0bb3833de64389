import type { SourceSeriesRecord } from '@vista3d/dicom';
import type { Mat4, Vec3 } from '@vista3d/volume';

/**
 * How the label map's voxel grid is laid out as DICOM frames: one frame per k slice, frame column c
 * and row r map to voxel i = flipX ? nx−1−c : c, j = flipY ? ny−1−r : r. Flips are chosen so the
 * frame's row/column directions agree with the source series' ImageOrientationPatient, i.e. a frame on
 * an unresampled scan has exactly the source slice's pixel grid (dcm2niix stores rows flipped).
 */
export interface FrameGrid {
  dims: Vec3;
  columns: number;
  rows: number;
  flipX: boolean;
  flipY: boolean;
  /** ImageOrientationPatient of every frame (LPS). */
  orientation: [number, number, number, number, number, number];
  /** [row spacing, column spacing] mm (DICOM PixelSpacing order). */
  pixelSpacing: [number, number];
  sliceSpacing: number;
  /** Unit slice normal (row × column) in LPS. */
  normal: Vec3;
  /** LPS ↔ voxel: the label map's affine converted from RAS to LPS. */
  lps: Mat4;
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: Vec3): number => Math.sqrt(dot(a, a));
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
/** DICOM decimal strings carry at most 16 characters; 6 decimals keep micrometre precision. */
export const round6 = (v: number): number => Math.round(v * 1e6) / 1e6 + 0;

export function rasToLps(affine: Mat4): Mat4 {
  return [
    affine[0].map((v) => -v) as Mat4[0],
    affine[1].map((v) => -v) as Mat4[1],
    [...affine[2]] as Mat4[2],
    [...affine[3]] as Mat4[3],
  ];
}

export function frameGrid(dims: Vec3, affine: Mat4, sourceOrientation: SourceSeriesRecord['imageOrientationPatient']): FrameGrid {
  const lps = rasToLps(affine);
  const axis = (c: number): Vec3 => [lps[0][c]!, lps[1][c]!, lps[2][c]!];
  const ui = axis(0);
  const uj = axis(1);
  const uk = axis(2);
  const si = norm(ui);
  const sj = norm(uj);
  let flipX = false;
  let flipY = false;
  if (sourceOrientation) {
    const row: Vec3 = [sourceOrientation[0], sourceOrientation[1], sourceOrientation[2]];
    const col: Vec3 = [sourceOrientation[3], sourceOrientation[4], sourceOrientation[5]];
    flipX = dot(ui, row) < 0;
    flipY = dot(uj, col) < 0;
  }
  const r = scale(ui, (flipX ? -1 : 1) / si);
  const c = scale(uj, (flipY ? -1 : 1) / sj);
  const n = cross(r, c);
  return {
    dims,
    columns: dims[0],
    rows: dims[1],
    flipX,
    flipY,
    orientation: [...r, ...c].map(round6) as FrameGrid['orientation'],
    pixelSpacing: [round6(sj), round6(si)],
    sliceSpacing: round6(Math.abs(dot(uk, n))),
    normal: n,
    lps,
  };
}

/** LPS position of the first transmitted pixel (row 0, column 0) of frame k. */
export function framePosition(g: FrameGrid, k: number): Vec3 {
  const i = g.flipX ? g.dims[0] - 1 : 0;
  const j = g.flipY ? g.dims[1] - 1 : 0;
  const m = g.lps;
  return [0, 1, 2].map((a) => round6(m[a]![0] * i + m[a]![1] * j + m[a]![2] * k + m[a]![3])) as Vec3;
}

/**
 * How one frame relates to the acquired slices:
 * - 'same': the frame is an acquired slice (same plane and pixel grid);
 * - 'same-plane': same plane, pixel grid shifted or resized (gantry tilt corrected);
 * - 'between': the frame plane lies between acquired slices (resampled to an even grid): it
 *   references the nearest acquired slices on either side.
 */
export interface FrameReference {
  kind: 'same' | 'same-plane' | 'between' | 'outside';
  slices: Array<{ sopInstanceUid: string; distanceMm: number }>;
  description: string;
}

export function frameReferences(g: FrameGrid, source: SourceSeriesRecord): FrameReference[] {
  const heights = source.slices.map((s) => ({ s, h: dot(s.position, g.normal) })).sort((a, b) => a.h - b.h);
  const tol = Math.max(0.01, 0.01 * g.sliceSpacing);
  const sameGrid =
    source.rows === g.rows &&
    source.columns === g.columns &&
    !!source.pixelSpacing &&
    Math.abs(source.pixelSpacing[0] - g.pixelSpacing[0]) < 1e-4 &&
    Math.abs(source.pixelSpacing[1] - g.pixelSpacing[1]) < 1e-4;
  const out: FrameReference[] = [];
  for (let k = 0; k < g.dims[2]; k++) {
    const p = framePosition(g, k);
    const h = dot(p, g.normal);
    const hit = heights.find((x) => Math.abs(x.h - h) <= tol);
    if (hit) {
      const d = [0, 1, 2].map((a) => p[a]! - hit.s.position[a]!) as Vec3;
      const shift = norm(d);
      const same = sameGrid && shift <= tol;
      out.push({
        kind: same ? 'same' : 'same-plane',
        slices: [{ sopInstanceUid: hit.s.sopInstanceUid, distanceMm: 0 }],
        description: same
          ? 'frame is the referenced slice: same plane and pixel grid'
          : `frame lies in the plane of the referenced slice; pixel grid resampled (origin shifted ${shift.toFixed(2)} mm: gantry tilt corrected or grid resized)`,
      });
      continue;
    }
    const below = [...heights].reverse().find((x) => x.h < h);
    const above = heights.find((x) => x.h > h);
    const near = [below, above].filter((x): x is NonNullable<typeof x> => !!x);
    out.push({
      kind: below && above ? 'between' : 'outside',
      slices: near.map((x) => ({ sopInstanceUid: x.s.sopInstanceUid, distanceMm: Math.abs(x.h - h) })),
      description:
        below && above
          ? `frame plane resampled between the referenced acquired slices (${Math.abs(below.h - h).toFixed(2)} and ${Math.abs(above.h - h).toFixed(2)} mm away, linear interpolation)`
          : 'frame plane outside the acquired slices; references the nearest one',
    });
  }
  return out;
}
