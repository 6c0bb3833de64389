import type { Vec3, Volume } from '@vista3d/volume';
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

/** Reads the box [centre ± marginMm] around all points (clamped to the volume). */
export function readClickBox(ct: Volume, points: readonly Vec3[], marginMm: number, f: Vec3): ClickBox {
  const { lo, dims, atEdge } = clickBoxBounds(ct, points, marginMm, f);
  const [bx, by, bz] = dims;
  const [nx, ny, nz] = ct.dims;
  const n = bx * by * bz;
  const sum = new Float32Array(n);
  const cnt = new Uint16Array(n);
  const xEnd = Math.min(nx, lo[0] + bx * f[0]);
  const data = ct.data;
  // Row by row, one cell's run of f[0] voxels at a time: one add per voxel into a local, one write per cell.
  for (let z = lo[2]; z < Math.min(nz, lo[2] + bz * f[2]); z++) {
    const cz = Math.floor((z - lo[2]) / f[2]);
    for (let y = lo[1]; y < Math.min(ny, lo[1] + by * f[1]); y++) {
      const row = bx * (Math.floor((y - lo[1]) / f[1]) + by * cz);
      const src = nx * (y + ny * z);
      for (let cx = 0, x = lo[0]; x < xEnd; cx++) {
        const end = Math.min(xEnd, x + f[0]);
        let acc = 0;
        for (let i = src + x; i < src + end; i++) acc += data[i];
        sum[row + cx] += acc;
        cnt[row + cx] += end - x;
        x = end;
      }
    }
  }
  const { slope, inter } = huScale(ct);
  for (let i = 0; i < n; i++) sum[i] = cnt[i] > 0 ? (sum[i] / cnt[i]) * slope + inter : -1024;
  return { lo, f, dims, spacing: ct.spacing.map((s, a) => s * f[a]) as Vec3, hu: sum, smooth: mean3(sum, dims), atEdge };
}

/** Separable 3×3×3 mean. */
export function mean3(src: Float32Array, dims: Vec3): Float32Array {
  let a = src.slice();
  let b = new Float32Array(src.length);
  const strides = [1, dims[0], dims[0] * dims[1]];
  for (let axis = 0; axis < 3; axis++) {
    const len = dims[axis];
    const s = strides[axis];
    for (let i = 0; i < a.length; i++) {
      const k = Math.floor(i / s) % len;
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

/** Cell index of a full-resolution voxel. */
export function cellOf(box: ClickBox, p: Vec3): number {
  const c = [0, 1, 2].map((a) => Math.min(box.dims[a] - 1, Math.max(0, Math.floor((p[a] - box.lo[a]) / box.f[a]))));
  return c[0] + box.dims[0] * (c[1] + box.dims[1] * c[2]);
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
