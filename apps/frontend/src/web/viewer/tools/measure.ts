// Measurements on the CT grid: distance in mm between two voxels and ROI statistics (circle or
// rectangle on a slice, or a sphere) with HU mean / SD / min / max and area / volume. Pure functions.
import { planeAxes, type Axis, type Grid, type Vec3 } from './label-edit.js';

export type Mat4 = number[][];

/** World (mm) position of a voxel through the row-major 4×4 voxel→world affine. */
export function voxelToMm(affine: Mat4, p: Vec3): Vec3 {
  return [0, 1, 2].map((r) => affine[r]![0]! * p[0] + affine[r]![1]! * p[1] + affine[r]![2]! * p[2] + affine[r]![3]!) as Vec3;
}

/** Distance in mm between two voxel positions (fractional allowed). */
export function distanceMm(affine: Mat4, a: Vec3, b: Vec3): number {
  const pa = voxelToMm(affine, a);
  const pb = voxelToMm(affine, b);
  return Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]);
}

export type RoiShape =
  | { kind: 'circle'; axis: Axis; center: Vec3; radiusMm: number }
  | { kind: 'rectangle'; axis: Axis; corner1: Vec3; corner2: Vec3 }
  | { kind: 'sphere'; center: Vec3; radiusMm: number };

export interface RoiStats {
  voxels: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Area on the slice (circle/rectangle), mm². */
  areaMm2?: number;
  /** Volume (sphere; circle/rectangle: area × slice thickness), mL. */
  volumeMl: number;
}

/** Visits the voxel indices inside a shape (voxel centres inside, physical radius). */
export function roiIndices(grid: Grid, shape: RoiShape, visit: (index: number) => void): void {
  const [nx, ny] = grid.dims;
  const sp = grid.spacing;
  const lo: number[] = [];
  const hi: number[] = [];
  let inside: (x: number, y: number, z: number) => boolean;
  if (shape.kind === 'rectangle') {
    for (let a = 0; a < 3; a++) {
      const c1 = Math.round(shape.corner1[a]!);
      const c2 = Math.round(shape.corner2[a]!);
      lo[a] = a === shape.axis ? Math.round(shape.corner1[a]!) : Math.min(c1, c2);
      hi[a] = a === shape.axis ? lo[a]! : Math.max(c1, c2);
    }
    inside = () => true;
  } else {
    const c = shape.center;
    const sphere = shape.kind === 'sphere';
    const axis: number = shape.kind === 'circle' ? shape.axis : -1;
    for (let a = 0; a < 3; a++) {
      if (!sphere && a === axis) {
        lo[a] = hi[a] = Math.round(c[a]!);
      } else {
        const r = shape.radiusMm / sp[a]!;
        lo[a] = Math.ceil(c[a]! - r);
        hi[a] = Math.floor(c[a]! + r);
      }
    }
    const r2 = shape.radiusMm * shape.radiusMm;
    inside = (x, y, z) => {
      const d: number[] = [(x - c[0]) * sp[0], (y - c[1]) * sp[1], (z - c[2]) * sp[2]];
      if (!sphere) d[axis] = 0;
      return d[0]! * d[0]! + d[1]! * d[1]! + d[2]! * d[2]! <= r2 + 1e-9;
    };
  }
  for (let a = 0; a < 3; a++) {
    lo[a] = Math.max(0, lo[a]!);
    hi[a] = Math.min(grid.dims[a]! - 1, hi[a]!);
  }
  for (let z = lo[2]!; z <= hi[2]!; z++) for (let y = lo[1]!; y <= hi[1]!; y++) for (let x = lo[0]!; x <= hi[0]!; x++) {
    if (inside(x, y, z)) visit(x + nx * (y + ny * z));
  }
}

/** HU statistics inside a shape; `hu(i)` gives the HU of voxel index i. */
export function roiStats(grid: Grid, shape: RoiShape, hu: (index: number) => number): RoiStats {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  roiIndices(grid, shape, (i) => {
    const v = hu(i);
    n++;
    sum += v;
    sumSq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  });
  const mean = n ? sum / n : 0;
  const sd = n ? Math.sqrt(Math.max(0, sumSq / n - mean * mean)) : 0;
  const voxelMm3 = grid.spacing[0] * grid.spacing[1] * grid.spacing[2];
  const out: RoiStats = { voxels: n, mean, sd, min: n ? min : 0, max: n ? max : 0, volumeMl: (n * voxelMm3) / 1000 };
  if (shape.kind !== 'sphere') {
    const [u, v] = planeAxes(shape.axis);
    out.areaMm2 = n * grid.spacing[u] * grid.spacing[v];
  }
  return out;
}
