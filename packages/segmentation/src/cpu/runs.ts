import type { Vec3 } from '@vista3d/volume';
import { IntList } from './growable.js';

/**
 * Run-length connected-component labelling (6-connectivity) of a binary mask.
 *
 * Why runs: a CT row of 512 voxels holds a handful of foreground runs, so union-find over runs
 * needs a few MB instead of an Int32 label per voxel (315 MB for a 512×512×300 CT), and merging
 * is a linear sweep over overlapping runs of the row above (y-1) and the slice below (z-1).
 */
export interface Components {
  dims: Vec3;
  /** Run i covers x in [start[i], end[i]] (inclusive) of row rowOf[i] (row = y + ny·z). */
  start: Int32Array;
  end: Int32Array;
  rowOf: Int32Array;
  /** Runs of row r are rowOffset[r] .. rowOffset[r+1]-1. */
  rowOffset: Int32Array;
  /** Component of each run, 1..count. */
  label: Int32Array;
  count: number;
  /** Voxels per component (index 0 unused). */
  size: Float64Array;
}

/** The foreground runs of a mask, row by row (no labels): what a mask costs to keep as runs. */
export interface Runs {
  dims: Vec3;
  start: Int32Array;
  end: Int32Array;
  rowOf: Int32Array;
  rowOffset: Int32Array;
}

/**
 * Collects the runs of a mask row by row, in increasing row order (row = y + ny·z), so a pass that
 * computes a mask slice by slice can hand over its rows while they are in cache instead of writing
 * the mask and scanning it again.
 */
export class RunCollector {
  private readonly start = new IntList(1 << 12);
  private readonly end = new IntList(1 << 12);
  private readonly rowOf = new IntList(1 << 12);
  private readonly rowOffset: Int32Array;
  private next = 0;
  constructor(readonly dims: Vec3) {
    this.rowOffset = new Int32Array(dims[1] * dims[2] + 1);
  }

  /** Adds row r from src[offset .. offset + nx): nonzero is foreground. */
  addRow(r: number, src: Uint8Array, offset: number): void {
    const nx = this.dims[0];
    while (this.next <= r) this.rowOffset[this.next++] = this.start.length;
    let x = 0;
    while (x < nx) {
      while (x < nx && src[offset + x] === 0) x++;
      if (x >= nx) break;
      const s = x;
      while (x < nx && src[offset + x] !== 0) x++;
      this.start.push(s);
      this.end.push(x - 1);
      this.rowOf.push(r);
    }
  }

  /** Adds a run [s, e] to row r (rows in increasing order, runs within a row by increasing x). */
  addRun(r: number, s: number, e: number): void {
    while (this.next <= r) this.rowOffset[this.next++] = this.start.length;
    this.start.push(s);
    this.end.push(e);
    this.rowOf.push(r);
  }

  runs(): Runs {
    while (this.next < this.rowOffset.length) this.rowOffset[this.next++] = this.start.length;
    return { dims: this.dims, start: this.start.view(), end: this.end.view(), rowOf: this.rowOf.view(), rowOffset: this.rowOffset };
  }

  components(): Components {
    return labelRunList(this.runs());
  }
}

/** Voxel test for run extraction: mask[i] !== 0. */
export function componentsOfMask(mask: Uint8Array, dims: Vec3): Components {
  return labelRunList(runsOfMask(mask, dims));
}

export function runsOfMask(mask: Uint8Array, dims: Vec3): Runs {
  const c = new RunCollector(dims);
  const nx = dims[0];
  for (let r = 0; r < dims[1] * dims[2]; r++) c.addRow(r, mask, r * nx);
  return c.runs();
}

/** 6-connected components of a run list. */
export function labelRunList(r: Runs): Components {
  return labelRuns(r.dims, r.start, r.end, r.rowOf, r.rowOffset);
}

function labelRuns(dims: Vec3, start: Int32Array, end: Int32Array, rowOf: Int32Array, rowOffset: Int32Array): Components {
  const [, ny] = dims;
  const n = start.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) {
      if (ra < rb) parent[rb] = ra;
      else parent[ra] = rb;
    }
  };
  // Merge each row with its neighbour row: both run lists are sorted by x, so a two-pointer sweep.
  const mergeRows = (r: number, q: number): void => {
    let i = rowOffset[r];
    const iEnd = rowOffset[r + 1];
    let j = rowOffset[q];
    const jEnd = rowOffset[q + 1];
    while (i < iEnd && j < jEnd) {
      if (end[i] < start[j]) i++;
      else if (end[j] < start[i]) j++;
      else {
        union(i, j);
        if (end[i] < end[j]) i++;
        else j++;
      }
    }
  };
  const nRows = rowOffset.length - 1;
  for (let r = 0; r < nRows; r++) {
    if (rowOffset[r] === rowOffset[r + 1]) continue;
    const y = r % ny;
    if (y > 0) mergeRows(r, r - 1);
    if (r >= ny) mergeRows(r, r - ny);
  }
  const label = new Int32Array(n);
  let count = 0;
  const sizes: number[] = [0];
  for (let i = 0; i < n; i++) {
    const root = find(i);
    if (root === i) {
      label[i] = ++count;
      sizes.push(0);
    } else label[i] = label[root];
    sizes[label[i]] += end[i] - start[i] + 1;
  }
  return { dims, start, end, rowOf, rowOffset, label, count, size: Float64Array.from(sizes) };
}

/** Id of the largest component (0 if none). */
export function largestComponent(c: Components): number {
  let best = 0;
  for (let k = 1; k <= c.count; k++) if (best === 0 || c.size[k] > c.size[best]) best = k;
  return best;
}

/** Writes `value` into out for every voxel of a component where keep[label] is true. */
export function paintComponents(c: Components, keep: (label: number) => boolean, out: Uint8Array, value: number): void {
  const nx = c.dims[0];
  for (let i = 0; i < c.start.length; i++) {
    if (!keep(c.label[i])) continue;
    const base = c.rowOf[i] * nx;
    out.fill(value, base + c.start[i], base + c.end[i] + 1);
  }
}

export interface ComponentStats {
  size: number;
  /** Voxel-index centroid. */
  centroid: Vec3;
  min: Vec3;
  max: Vec3;
}

/** Per-component centroid and bounding box from the runs alone (no voxel pass). */
export function componentStats(c: Components): ComponentStats[] {
  const ny = c.dims[1];
  const stats: ComponentStats[] = [];
  for (let k = 0; k <= c.count; k++) {
    stats.push({ size: c.size[k], centroid: [0, 0, 0], min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] });
  }
  for (let i = 0; i < c.start.length; i++) {
    const s = stats[c.label[i]];
    const len = c.end[i] - c.start[i] + 1;
    const y = c.rowOf[i] % ny;
    const z = (c.rowOf[i] - y) / ny;
    s.centroid[0] += ((c.start[i] + c.end[i]) / 2) * len;
    s.centroid[1] += y * len;
    s.centroid[2] += z * len;
    if (c.start[i] < s.min[0]) s.min[0] = c.start[i];
    if (c.end[i] > s.max[0]) s.max[0] = c.end[i];
    if (y < s.min[1]) s.min[1] = y;
    if (y > s.max[1]) s.max[1] = y;
    if (z < s.min[2]) s.min[2] = z;
    if (z > s.max[2]) s.max[2] = z;
  }
  for (const s of stats) if (s.size > 0) for (let a = 0; a < 3; a++) s.centroid[a] /= s.size;
  return stats;
}

/**
 * Voxel count and coordinate sum along `axis` of a run list, optionally only over slices
 * z ∈ [zLo, zHi]; min/max coordinate with any voxel. Exact (integer sums), no voxel pass.
 */
export function runsProfile(r: Runs, axis: number, zLo = 0, zHi = Infinity): { count: number; sum: number; min: number; max: number } {
  const ny = r.dims[1];
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < r.start.length; i++) {
    const row = r.rowOf[i];
    const y = row % ny;
    const z = (row - y) / ny;
    if (z < zLo || z > zHi) continue;
    const len = r.end[i] - r.start[i] + 1;
    count += len;
    if (axis === 0) {
      sum += ((r.start[i] + r.end[i]) * len) / 2;
      if (r.start[i] < min) min = r.start[i];
      if (r.end[i] > max) max = r.end[i];
    } else {
      const c = axis === 1 ? y : z;
      sum += c * len;
      if (c < min) min = c;
      if (c > max) max = c;
    }
  }
  return { count, sum, min, max };
}

/** Voxels of a run list whose coordinate along `axis` lies in [lo, hi]. */
export function runsCountIn(r: Runs, axis: number, lo: number, hi: number): number {
  const ny = r.dims[1];
  let count = 0;
  for (let i = 0; i < r.start.length; i++) {
    if (axis === 0) {
      const a = Math.max(lo, r.start[i]);
      const b = Math.min(hi, r.end[i]);
      if (b >= a) count += b - a + 1;
      continue;
    }
    const row = r.rowOf[i];
    const y = row % ny;
    const c = axis === 1 ? y : (row - y) / ny;
    if (c >= lo && c <= hi) count += r.end[i] - r.start[i] + 1;
  }
  return count;
}

/** Paints the runs of axial slice z (rows z·ny … z·ny+ny−1) whose component passes `keep` into a
 *  slice buffer (nx × ny, x fastest). */
export function paintSlice(c: Components, keep: (label: number) => boolean, z: number, out: Uint8Array, value: number): void {
  const [nx, ny] = c.dims;
  const r0 = z * ny;
  for (let i = c.rowOffset[r0]; i < c.rowOffset[r0 + ny]; i++) {
    if (!keep(c.label[i])) continue;
    const base = (c.rowOf[i] - r0) * nx;
    out.fill(value, base + c.start[i], base + c.end[i] + 1);
  }
}
