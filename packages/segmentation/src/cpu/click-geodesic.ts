import type { Vec3 } from '@vista3d/volume';

/** Binary min-heap of cell indices keyed by float distances (lazy deletion: stale entries are skipped). */
class CellHeap {
  keys = new Float64Array(1024);
  cells = new Int32Array(1024);
  size = 0;

  push(key: number, cell: number): void {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2);
      k.set(this.keys);
      this.keys = k;
      const c = new Int32Array(this.size * 2);
      c.set(this.cells);
      this.cells = c;
    }
    let i = this.size++;
    const { keys, cells } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] <= key) break;
      keys[i] = keys[p];
      cells[i] = cells[p];
      i = p;
    }
    keys[i] = key;
    cells[i] = cell;
  }

  /** Removes the top; returns its cell (the key is in `topKey` before the call). */
  pop(): number {
    const { keys, cells } = this;
    const top = cells[0];
    const n = --this.size;
    if (n > 0) {
      const key = keys[n];
      const cell = cells[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && keys[c + 1] < keys[c]) c++;
        if (keys[c] >= key) break;
        keys[i] = keys[c];
        cells[i] = cells[c];
        i = c;
      }
      keys[i] = key;
      cells[i] = cell;
    }
    return top;
  }
}

export interface GeodesicResult {
  /** Cells in the order they were settled (non-decreasing distance). */
  order: Int32Array;
  count: number;
  /** Distance per settled cell (Infinity elsewhere). */
  dist: Float32Array;
}

/** Sets mask on every cell the geodesic growth from cell (through factor's finite cells) reaches within radiusMm. */
export function markReached(dims: Vec3, spacing: Vec3, factor: Float32Array, cell: number, radiusMm: number, mask: Uint8Array): void {
  const g = geodesic(dims, spacing, factor, [cell], radiusMm, mask.length);
  for (let t = 0; t < g.count; t++) mask[g.order[t]] = 1;
}

/**
 * Dijkstra from seeds over cells whose cost factor is finite: a step between 6-neighbours costs
 * its length (mm) × the mean of the two cells' factors. Stops at `limit` or after `maxCells`.
 */
export function geodesic(dims: Vec3, spacing: Vec3, factor: Float32Array, seeds: readonly number[], limit: number, maxCells: number, dist?: Float32Array): GeodesicResult {
  const [bx, by, bz] = dims;
  const sxy = bx * by;
  const n = factor.length;
  const d = dist ?? new Float32Array(n);
  d.fill(Infinity);
  const done = new Uint8Array(n);
  const order = new Int32Array(Math.min(n, maxCells));
  let count = 0;
  const heap = new CellHeap();
  for (const s of seeds) if (Number.isFinite(factor[s])) { d[s] = 0; heap.push(0, s); }
  const [wx, wy, wz] = spacing;
  // One function for the whole run, not a closure allocated per popped cell.
  const relax = (key: number, fv: number, w: number, len: number): void => {
    if (done[w] !== 0) return;
    const fw = factor[w];
    if (!(fw < Infinity)) return;
    // Keys as stored (float32), so the settled check compares like with like.
    const nd = Math.fround(key + len * 0.5 * (fv + fw));
    if (nd < d[w]) { d[w] = nd; heap.push(nd, w); }
  };
  while (heap.size > 0 && count < order.length) {
    const key = heap.keys[0];
    const v = heap.pop();
    if (done[v] !== 0 || key > d[v]) continue;
    if (key > limit) break;
    done[v] = 1;
    order[count++] = v;
    const fv = factor[v];
    const x = v % bx;
    const y = Math.floor(v / bx) % by;
    const z = Math.floor(v / sxy);
    if (x > 0) relax(key, fv, v - 1, wx);
    if (x < bx - 1) relax(key, fv, v + 1, wx);
    if (y > 0) relax(key, fv, v - bx, wy);
    if (y < by - 1) relax(key, fv, v + bx, wy);
    if (z > 0) relax(key, fv, v - sxy, wz);
    if (z < bz - 1) relax(key, fv, v + sxy, wz);
  }
  // Cells pushed but never settled keep a tentative distance: clear them.
  for (let i = 0; i < n; i++) if (done[i] === 0) d[i] = Infinity;
  return { order: order.subarray(0, count), count, dist: d };
}

/**
 * Fills, slice by slice across `axis`, the holes of a mask whose area is at most maxCells cells
 * (holes: background not 4-connected to the slice border).
 */
export function fillSliceHoles(mask: Uint8Array, dims: Vec3, axis: number, maxCells: number): void {
  const axes = [0, 1, 2].filter((a) => a !== axis);
  const strides = [1, dims[0], dims[0] * dims[1]];
  const [u, w] = axes;
  const nu = dims[u];
  const nw = dims[w];
  const su = strides[u];
  const sw = strides[w];
  const sa = strides[axis];
  const seen = new Uint8Array(nu * nw);
  const stack = new Int32Array(nu * nw);
  const members = new Int32Array(nu * nw);
  for (let k = 0; k < dims[axis]; k++) {
    const base = k * sa;
    seen.fill(0);
    for (let j = 0; j < nw; j++) for (let i = 0; i < nu; i++) {
      const p = i + nu * j;
      if (seen[p] !== 0 || mask[base + i * su + j * sw] !== 0) continue;
      // Flood this background component; note whether it reaches the border.
      let top = 0;
      let m = 0;
      let border = false;
      stack[top++] = p;
      seen[p] = 1;
      while (top > 0) {
        const q = stack[--top];
        members[m++] = q;
        const qi = q % nu;
        const qj = (q - qi) / nu;
        if (qi === 0 || qj === 0 || qi === nu - 1 || qj === nw - 1) border = true;
        // The four neighbours inline: a closure per popped cell cost about two thirds of the fill.
        const at = base + qi * su + qj * sw;
        if (qi > 0 && seen[q - 1] === 0 && mask[at - su] === 0) { seen[q - 1] = 1; stack[top++] = q - 1; }
        if (qi < nu - 1 && seen[q + 1] === 0 && mask[at + su] === 0) { seen[q + 1] = 1; stack[top++] = q + 1; }
        if (qj > 0 && seen[q - nu] === 0 && mask[at - sw] === 0) { seen[q - nu] = 1; stack[top++] = q - nu; }
        if (qj < nw - 1 && seen[q + nu] === 0 && mask[at + sw] === 0) { seen[q + nu] = 1; stack[top++] = q + nu; }
      }
      if (!border && m <= maxCells) for (let t = 0; t < m; t++) {
        const q = members[t];
        const qi = q % nu;
        mask[base + qi * su + ((q - qi) / nu) * sw] = 1;
      }
    }
  }
}

/** Keeps the 6-connected part of mask holding any seed. */
export function keepConnected(mask: Uint8Array, dims: Vec3, seeds: readonly number[]): void {
  const [bx, by, bz] = dims;
  const sxy = bx * by;
  const keep = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let top = 0;
  for (const s of seeds) if (mask[s] !== 0 && keep[s] === 0) { keep[s] = 1; stack[top++] = s; }
  while (top > 0) {
    const v = stack[--top];
    const x = v % bx;
    const y = Math.floor(v / bx) % by;
    const z = Math.floor(v / sxy);
    if (x > 0 && mask[v - 1] !== 0 && keep[v - 1] === 0) { keep[v - 1] = 1; stack[top++] = v - 1; }
    if (x < bx - 1 && mask[v + 1] !== 0 && keep[v + 1] === 0) { keep[v + 1] = 1; stack[top++] = v + 1; }
    if (y > 0 && mask[v - bx] !== 0 && keep[v - bx] === 0) { keep[v - bx] = 1; stack[top++] = v - bx; }
    if (y < by - 1 && mask[v + bx] !== 0 && keep[v + bx] === 0) { keep[v + bx] = 1; stack[top++] = v + bx; }
    if (z > 0 && mask[v - sxy] !== 0 && keep[v - sxy] === 0) { keep[v - sxy] = 1; stack[top++] = v - sxy; }
    if (z < bz - 1 && mask[v + sxy] !== 0 && keep[v + sxy] === 0) { keep[v + sxy] = 1; stack[top++] = v + sxy; }
  }
  mask.set(keep);
}

/**
 * 1-D lower envelope of parabolas (Felzenszwalb–Huttenlocher) on f, with sample spacing w; in place.
 * The samples are positions q0…q0+n−1 of their line (a part of it), so a part gives the same floats
 * as the whole line would where the rest of the line cannot win (see insideDistance2).
 */
function edt1d(f: Float64Array, n: number, w: number, v: Int32Array, z: Float64Array, out: Float64Array, q0: number): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (!(f[q] < Infinity)) continue;
    for (;;) {
      if (k < 0) { k = 0; v[0] = q; z[0] = -Infinity; z[1] = Infinity; break; }
      const p = v[k];
      const s = (f[q] + ((q0 + q) * w) ** 2 - (f[p] + ((q0 + p) * w) ** 2)) / (2 * w * (q - p));
      if (s <= z[k]) { k--; continue; }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
      break;
    }
  }
  if (k < 0) { out.fill(Infinity, 0, n); return; }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < (q0 + q) * w) k++;
    out[q] = (q - v[k]) ** 2 * w * w + f[v[k]];
  }
}

/**
 * Squared distance (mm²) from every cell inside the mask to the nearest cell outside it (the box
 * border is not a boundary). Computed on the cells [lo, hi) only: by default the mask's bounding box
 * and one cell around it, which gives the same floats as the whole box (outside it every cell is
 * outside the mask, and the nearest of those, at the margin, wins over the farther ones). A caller
 * that needs the distances only in a part of the box where every nearest outside cell lies may pass
 * that part (mask cells beyond it are left at Infinity).
 */
export function insideDistance2(mask: Uint8Array, dims: Vec3, spacing: Vec3, within?: { lo: Vec3; hi: Vec3 }): Float32Array {
  const n = mask.length;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = mask[i] !== 0 ? Infinity : 0;
  const { lo, hi } = within ?? maskBounds(mask, dims, 1);
  const out = new Float32Array(n);
  if (hi[0] <= lo[0]) return out;
  const strides = [1, dims[0], dims[0] * dims[1]];
  const len = Math.max(...dims);
  const f = new Float64Array(len);
  const o = new Float64Array(len);
  const v = new Int32Array(len);
  const z = new Float64Array(len + 1);
  for (let axis = 0; axis < 3; axis++) {
    const m = hi[axis] - lo[axis];
    const s = strides[axis];
    const others = [0, 1, 2].filter((a) => a !== axis);
    const [a1, a2] = others;
    for (let j = lo[a2]; j < hi[a2]; j++) for (let i = lo[a1]; i < hi[a1]; i++) {
      const base = i * strides[a1] + j * strides[a2] + lo[axis] * s;
      let inside = false;
      for (let q = 0; q < m; q++) { f[q] = d[base + q * s]; if (f[q] !== 0) inside = true; }
      // A line all outside the mask stays 0: regions are small in a box that is most of the CT.
      if (!inside) continue;
      edt1d(f, m, spacing[axis], v, z, o, lo[axis]);
      for (let q = 0; q < m; q++) d[base + q * s] = o[q];
    }
  }
  for (let i = 0; i < n; i++) out[i] = d[i];
  return out;
}

/** Bounding box [lo, hi) of a mask's set cells grown by `margin` cells (clamped); empty (hi ≤ lo) when none is set. */
export function maskBounds(mask: Uint8Array, dims: Vec3, margin: number): { lo: Vec3; hi: Vec3 } {
  const [bx, by, bz] = dims;
  const lo: Vec3 = [bx, by, bz];
  const hi: Vec3 = [0, 0, 0];
  for (let zz = 0, i = 0; zz < bz; zz++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++, i++) {
    if (mask[i] === 0) continue;
    if (x < lo[0]) lo[0] = x;
    if (x >= hi[0]) hi[0] = x + 1;
    if (y < lo[1]) lo[1] = y;
    if (y >= hi[1]) hi[1] = y + 1;
    if (zz < lo[2]) lo[2] = zz;
    hi[2] = zz + 1;
  }
  if (hi[0] === 0) return { lo: [0, 0, 0], hi: [0, 0, 0] };
  for (let a = 0; a < 3; a++) { lo[a] = Math.max(0, lo[a] - margin); hi[a] = Math.min(dims[a], hi[a] + margin); }
  return { lo, hi };
}
