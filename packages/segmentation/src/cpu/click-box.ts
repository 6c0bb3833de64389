import type { Vec3, Volume } from '@vista3d/volume';
import { BoundedCache } from './bounded-cache.js';
import { ctFingerprint } from './click-refine.js';
import { huScale } from './hu.js';

/** A working box of the CT around the clicks, on a grid of cells of about `workMm` (block means). */
export interface ClickBox {
  /** Full-resolution voxel of the box's first cell; each cell covers f[a] voxels along axis a. */
  lo: Vec3;
  f: Vec3;
  dims: Vec3;
  /** Cell size (mm). */
  spacing: Vec3;
  /** Mean HU per cell (x fastest). */
  hu: Float32Array;
  /** 3×3×3 mean of `hu` (edges average what exists). */
  smooth: Float32Array;
  /** Faces that are the volume's own faces (nothing to grow into): [x-, x+, y-, y+, z-, z+]. */
  atEdge: boolean[];
}

/** Block factor per axis: fine CTs are worked on at about workMm, so a click costs what the structure's size in mm costs. */
export function blockFactor(ct: Pick<Volume, 'spacing' | 'dims'>, workMm: number): Vec3 {
  return ct.spacing.map((s, a) => Math.max(1, Math.min(Math.round(workMm / s), Math.floor(ct.dims[a] / 16)))) as Vec3;
}

/** The box [centre ± marginMm] around all points on the grid of f-voxel cells (clamped to the volume). */
export function clickBoxBounds(ct: Pick<Volume, 'spacing' | 'dims'>, points: readonly Vec3[], marginMm: number, f: Vec3): { lo: Vec3; dims: Vec3; atEdge: boolean[] } {
  const lo: Vec3 = [0, 0, 0];
  const dims: Vec3 = [0, 0, 0];
  const atEdge: boolean[] = [];
  for (let a = 0; a < 3; a++) {
    const m = Math.ceil(marginMm / ct.spacing[a]);
    let min = Infinity;
    let max = -Infinity;
    for (const p of points) { min = Math.min(min, p[a]); max = Math.max(max, p[a]); }
    const l = Math.max(0, min - m);
    lo[a] = l - (l % f[a]);
    const h = Math.min(ct.dims[a] - 1, max + m);
    dims[a] = Math.floor((h - lo[a]) / f[a]) + 1;
    atEdge.push(lo[a] === 0, lo[a] + dims[a] * f[a] >= ct.dims[a]);
  }
  return { lo, dims, atEdge };
}

/**
 * Block sums of a CT on the grid of f-voxel cells aligned at voxel 0 — every box's cells are cells of
 * it (box corners are multiples of f) — filled in lazily by tiles of TILE cells along x, one cell row
 * (y, z) each. A click's boxes (60, 120, 240 mm… while the region touches the box) and the clicks
 * after it then read the CT once instead of once per box. The sums are accumulated exactly as a box
 * read would (per cell: its rows in order, each row's run summed first), so the means are the same floats.
 */
interface CellGrid {
  f: Vec3;
  dims: Vec3;
  sum: Float32Array;
  cnt: Uint16Array;
  /** Per tile (x tile fastest, then cell row y, then z): 1 once summed. */
  done: Uint8Array;
  tilesX: number;
}

const TILE = 16;
/** Grids kept (bytes), per CT fingerprint and block factor; the oldest go first. */
const grids = new BoundedCache<CellGrid>(96 * 2 ** 20, (g) => 6 * g.sum.length);

/** Empties the grids (a benchmark or test that times a click on a CT not seen before). */
export function clearCellGrids(): void {
  grids.clear();
}

function cellGrid(ct: Volume, f: Vec3): CellGrid {
  const key = `${ctFingerprint(ct)}|${f.join(',')}`;
  const known = grids.get(key);
  if (known !== undefined) return known;
  const dims = ct.dims.map((d, a) => Math.ceil(d / f[a])) as Vec3;
  const n = dims[0] * dims[1] * dims[2];
  const tilesX = Math.ceil(dims[0] / TILE);
  const grid: CellGrid = { f, dims, sum: new Float32Array(n), cnt: new Uint16Array(n), done: new Uint8Array(tilesX * dims[1] * dims[2]), tilesX };
  grids.set(key, grid);
  return grid;
}

/** Sums the tiles of the grid that the box of cells [c0, c0 + dims) overlaps and that are not summed yet. */
function sumTiles(grid: CellGrid, ct: Volume, c0: Vec3, dims: Vec3): void {
  const [gx, gy] = grid.dims;
  const [nx, ny, nz] = ct.dims;
  const { f, sum, cnt, done, tilesX } = grid;
  const data = ct.data;
  const t0 = Math.floor(c0[0] / TILE);
  const t1 = Math.floor((c0[0] + dims[0] - 1) / TILE);
  const fx = f[0];
  for (let cz = c0[2]; cz < c0[2] + dims[2]; cz++) for (let cy = c0[1]; cy < c0[1] + dims[1]; cy++) {
    const cellRow = gx * (cy + gy * cz);
    const tiles = tilesX * (cy + gy * cz);
    // Each run of tiles not summed yet is read row by row across its whole width: long runs of
    // contiguous voxels, not a tile's few cells at a time.
    for (let t = t0; t <= t1; t++) {
      if (done[tiles + t] !== 0) continue;
      let te = t;
      while (te + 1 <= t1 && done[tiles + te + 1] === 0) te++;
      done.fill(1, tiles + t, tiles + te + 1);
      const xStart = t * TILE * fx;
      const xEnd = Math.min(nx, (te + 1) * TILE * fx);
      // Per cell: its rows in order, each row's run of fx voxels summed into a local first (the adds
      // a box read made, in its order, so the means are the same floats).
      for (let z = cz * f[2]; z < Math.min(nz, (cz + 1) * f[2]); z++) for (let y = cy * f[1]; y < Math.min(ny, (cy + 1) * f[1]); y++) {
        const src = nx * (y + ny * z);
        let c = cellRow + t * TILE;
        let acc = 0;
        let k = 0;
        for (let i = src + xStart; i < src + xEnd; i++) {
          acc += data[i];
          if (++k === fx) { sum[c] += acc; cnt[c] += fx; c++; acc = 0; k = 0; }
        }
        if (k > 0) { sum[c] += acc; cnt[c] += k; }
      }
      t = te;
    }
  }
}

/** A click box without its smoothed copy (what a step that reads only the block means needs). */
export type BoxMeans = Omit<ClickBox, 'smooth'>;

/** Reads the box [centre ± marginMm] around all points (clamped to the volume). */
export function readClickBox(ct: Volume, points: readonly Vec3[], marginMm: number, f: Vec3): ClickBox {
  const box = readBoxMeans(ct, points, marginMm, f);
  return { ...box, smooth: mean3(box.hu, box.dims) };
}

/** The block means of the box [centre ± marginMm] around all points (clamped to the volume). */
export function readBoxMeans(ct: Volume, points: readonly Vec3[], marginMm: number, f: Vec3): BoxMeans {
  const { lo, dims, atEdge } = clickBoxBounds(ct, points, marginMm, f);
  const [bx, by, bz] = dims;
  const n = bx * by * bz;
  const grid = cellGrid(ct, f);
  const c0 = lo.map((l, a) => l / f[a]) as Vec3;
  sumTiles(grid, ct, c0, dims);
  const [gx, gy] = grid.dims;
  const { slope, inter } = huScale(ct);
  const hu = new Float32Array(n);
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) {
    const src = c0[0] + gx * (c0[1] + y + gy * (c0[2] + z));
    const dst = bx * (y + by * z);
    for (let x = 0; x < bx; x++) {
      const c = grid.cnt[src + x];
      hu[dst + x] = c > 0 ? (grid.sum[src + x] / c) * slope + inter : -1024;
    }
  }
  return { lo, f, dims, spacing: ct.spacing.map((s, a) => s * f[a]) as Vec3, hu, atEdge };
}

/** Separable 3×3×3 mean. */
export function mean3(src: Float32Array, dims: Vec3): Float32Array {
  let a = src.slice();
  let b = new Float32Array(src.length);
  const strides = [1, dims[0], dims[0] * dims[1]];
  const [bx, by, bz] = dims;
  for (let axis = 0; axis < 3; axis++) {
    const len = dims[axis];
    const s = strides[axis];
    // The position along the axis from the loop counters, not a division per cell.
    for (let z = 0, i = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++, i++) {
      const k = axis === 0 ? x : axis === 1 ? y : z;
      let sum = a[i];
      let c = 1;
      if (k > 0) { sum += a[i - s]; c++; }
      if (k < len - 1) { sum += a[i + s]; c++; }
      b[i] = sum / c;
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

/**
 * Median block-mean HU of the cells in a cell's 3×3×3 neighbourhood (clamped to the box) that pass
 * `take` (given the cell index); NaN when none does.
 */
export function neighbourMedianHu(box: Pick<ClickBox, 'dims' | 'hu'>, cell: number, take: (i: number) => boolean): number {
  const [bx, by, bz] = box.dims;
  const c = [cell % bx, Math.floor(cell / bx) % by, Math.floor(cell / (bx * by))];
  const values: number[] = [];
  for (let z = Math.max(0, c[2] - 1); z <= Math.min(bz - 1, c[2] + 1); z++)
    for (let y = Math.max(0, c[1] - 1); y <= Math.min(by - 1, c[1] + 1); y++)
      for (let x = Math.max(0, c[0] - 1); x <= Math.min(bx - 1, c[0] + 1); x++) {
        const i = x + bx * (y + by * z);
        if (take(i)) values.push(box.hu[i]);
      }
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  return values[values.length >> 1];
}

/** Cell index of a full-resolution voxel. */
export function cellOf(box: Pick<ClickBox, 'lo' | 'f' | 'dims'>, p: Vec3): number {
  const c = [0, 1, 2].map((a) => Math.min(box.dims[a] - 1, Math.max(0, Math.floor((p[a] - box.lo[a]) / box.f[a]))));
  return c[0] + box.dims[0] * (c[1] + box.dims[1] * c[2]);
}

/** Whether a full-resolution voxel lies in the box's cells (cellOf clamps one outside to the nearest face). */
export function boxHolds(box: Pick<ClickBox, 'lo' | 'f' | 'dims'>, p: Vec3): boolean {
  return p.every((v, a) => v >= box.lo[a] && v < box.lo[a] + box.dims[a] * box.f[a]);
}

/** True when the mask touches a box face that is not the volume's own face. */
export function touchesOpenFace(mask: Uint8Array, box: ClickBox): boolean {
  const [bx, by, bz] = box.dims;
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) {
    const row = bx * (y + by * z);
    const faceYZ = (y === 0 && !box.atEdge[2]) || (y === by - 1 && !box.atEdge[3]) || (z === 0 && !box.atEdge[4]) || (z === bz - 1 && !box.atEdge[5]);
    for (let x = 0; x < bx; x++) {
      if (mask[row + x] === 0) continue;
      if (faceYZ || (x === 0 && !box.atEdge[0]) || (x === bx - 1 && !box.atEdge[1])) return true;
    }
  }
  return false;
}
