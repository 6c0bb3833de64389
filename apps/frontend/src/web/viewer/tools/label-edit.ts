// Label-map editing on typed arrays (x fastest, file voxel order): brush/eraser (disc on a slice or
// sphere), 2D flood fill, slice interpolation, and an undo/redo history of changed voxels. Pure
// functions; the caller refreshes the display.

export type Vec3 = [number, number, number];
export type Axis = 0 | 1 | 2;

export interface Grid {
  dims: Vec3;
  /** mm per voxel along each axis. */
  spacing: Vec3;
}

export interface PaintRules {
  /** Labels no tool may overwrite (or erase). */
  locked?: ReadonlySet<number>;
  /** Only voxels whose HU lies in [lo, hi] are painted (needs `hu`). */
  huRange?: [number, number] | null;
  hu?: (index: number) => number;
}

/** The voxels one action changed: indices and their values before and after. */
export interface EditRecord {
  indices: Int32Array;
  before: Uint8Array;
  after: Uint8Array;
}

/** Collects changes of one action (a stroke is many dabs), each voxel once with its first old value. */
export class EditRecorder {
  private readonly seen = new Map<number, number>();
  constructor(private readonly labels: Uint8Array) {}
  set(index: number, value: number): void {
    const old = this.labels[index]!;
    if (old === value) return;
    if (!this.seen.has(index)) this.seen.set(index, old);
    this.labels[index] = value;
  }
  get size(): number {
    return this.seen.size;
  }
  finish(): EditRecord | null {
    if (this.seen.size === 0) return null;
    const indices = Int32Array.from(this.seen.keys());
    const before = Uint8Array.from(this.seen.values());
    const after = new Uint8Array(indices.length);
    for (let i = 0; i < indices.length; i++) after[i] = this.labels[indices[i]!]!;
    return { indices, before, after };
  }
}

function allowed(labels: Uint8Array, i: number, value: number, rules: PaintRules): boolean {
  const cur = labels[i]!;
  if (rules.locked?.has(cur) && cur !== value) return false;
  if (value !== 0 && rules.huRange && rules.hu) {
    const h = rules.hu(i);
    if (h < rules.huRange[0] || h > rules.huRange[1]) return false;
  }
  return true;
}

/**
 * Paints `value` (0 = erase) in a disc of `radiusMm` around `center` on the slice through it
 * perpendicular to `axis`, or in a sphere when `sphere` is set. Physical radius: anisotropic voxels
 * give an elliptical footprint in voxels.
 */
export function paint(labels: Uint8Array, grid: Grid, center: Vec3, radiusMm: number, axis: Axis, value: number, sphere: boolean, rules: PaintRules, rec: EditRecorder): void {
  const [nx, ny, nz] = grid.dims;
  const r = [0, 1, 2].map((a) => (sphere || a !== axis ? Math.max(0, radiusMm / grid.spacing[a]!) : 0)) as Vec3;
  const lo = r.map((ra, a) => Math.max(0, Math.ceil(center[a]! - ra - 1e-9))) as Vec3;
  const hi = r.map((ra, a) => Math.min(grid.dims[a]! - 1, Math.floor(center[a]! + ra + 1e-9))) as Vec3;
  for (let z = lo[2]; z <= hi[2]; z++) {
    const dz = r[2] > 0 ? (z - center[2]) / r[2] : z === Math.round(center[2]) ? 0 : Infinity;
    for (let y = lo[1]; y <= hi[1]; y++) {
      const dy = r[1] > 0 ? (y - center[1]) / r[1] : y === Math.round(center[1]) ? 0 : Infinity;
      for (let x = lo[0]; x <= hi[0]; x++) {
        const dx = r[0] > 0 ? (x - center[0]) / r[0] : x === Math.round(center[0]) ? 0 : Infinity;
        if (dx * dx + dy * dy + dz * dz > 1 + 1e-9) continue;
        const i = x + nx * (y + ny * z);
        if (i < 0 || i >= nx * ny * nz) continue;
        if (allowed(labels, i, value, rules)) rec.set(i, value);
      }
    }
  }
}

/** In-plane axes (u, v) of a slice perpendicular to `axis`. */
export function planeAxes(axis: Axis): [Axis, Axis] {
  return axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
}

function strides(dims: Vec3): Vec3 {
  return [1, dims[0], dims[0] * dims[1]];
}

/**
 * Flood fill on one slice (4-connected): the region of the seed's label that contains the seed
 * becomes `value`. HU range and locks apply (a voxel outside them stops the fill).
 */
export function floodFill2D(labels: Uint8Array, grid: Grid, seed: Vec3, axis: Axis, value: number, rules: PaintRules, rec: EditRecorder): void {
  const [u, v] = planeAxes(axis);
  const st = strides(grid.dims);
  const nu = grid.dims[u];
  const nv = grid.dims[v];
  const base = seed[axis] * st[axis];
  const from = labels[base + seed[u] * st[u] + seed[v] * st[v]]!;
  if (from === value) return;
  const visited = new Uint8Array(nu * nv);
  const stack = new Int32Array(nu * nv);
  let top = 0;
  stack[top++] = seed[u] + nu * seed[v];
  visited[seed[u] + nu * seed[v]] = 1;
  while (top > 0) {
    const p = stack[--top]!;
    const pu = p % nu;
    const pv = (p - pu) / nu;
    const i = base + pu * st[u] + pv * st[v];
    if (labels[i] !== from || !allowed(labels, i, value, rules)) continue;
    rec.set(i, value);
    const next = [pu > 0 ? p - 1 : -1, pu < nu - 1 ? p + 1 : -1, pv > 0 ? p - nu : -1, pv < nv - 1 ? p + nu : -1];
    for (const q of next) {
      if (q < 0 || visited[q]) continue;
      visited[q] = 1;
      stack[top++] = q;
    }
  }
}

/** Signed distance (in voxels, chamfer 3-4 / 3) of a 2D mask: negative inside, positive outside. */
export function signedDistance2D(mask: Uint8Array, nu: number, nv: number): Float32Array {
  const inside = chamfer(mask, nu, nv, 1);
  const outside = chamfer(mask, nu, nv, 0);
  const out = new Float32Array(nu * nv);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] ? -(inside[i]! - 0.5) : outside[i]! - 0.5;
  return out;
}

/** Distance (in voxels) from each pixel whose mask ≠ `of` to … each pixel with mask === `of` gets its distance to the nearest other pixel. */
function chamfer(mask: Uint8Array, nu: number, nv: number, of: 0 | 1): Float32Array {
  const big = 1e9;
  const d = new Float32Array(nu * nv);
  for (let i = 0; i < d.length; i++) d[i] = (mask[i] ? 1 : 0) === of ? big : 0;
  const a = 1;
  const b = 4 / 3;
  for (let y = 0; y < nv; y++) {
    for (let x = 0; x < nu; x++) {
      const i = x + nu * y;
      let m = d[i]!;
      if (m === 0) continue;
      if (x > 0) m = Math.min(m, d[i - 1]! + a);
      if (y > 0) {
        m = Math.min(m, d[i - nu]! + a);
        if (x > 0) m = Math.min(m, d[i - nu - 1]! + b);
        if (x < nu - 1) m = Math.min(m, d[i - nu + 1]! + b);
      }
      d[i] = m;
    }
  }
  for (let y = nv - 1; y >= 0; y--) {
    for (let x = nu - 1; x >= 0; x--) {
      const i = x + nu * y;
      let m = d[i]!;
      if (m === 0) continue;
      if (x < nu - 1) m = Math.min(m, d[i + 1]! + a);
      if (y < nv - 1) {
        m = Math.min(m, d[i + nu]! + a);
        if (x < nu - 1) m = Math.min(m, d[i + nu + 1]! + b);
        if (x > 0) m = Math.min(m, d[i + nu - 1]! + b);
      }
      d[i] = m;
    }
  }
  return d;
}

/** The mask of `label` on slice `k` perpendicular to `axis`. */
export function sliceMask(labels: Uint8Array, dims: Vec3, axis: Axis, k: number, label: number): Uint8Array {
  const [u, v] = planeAxes(axis);
  const st = strides(dims);
  const nu = dims[u];
  const nv = dims[v];
  const out = new Uint8Array(nu * nv);
  const base = k * st[axis];
  for (let pv = 0; pv < nv; pv++) for (let pu = 0; pu < nu; pu++) if (labels[base + pu * st[u] + pv * st[v]] === label) out[pu + nu * pv] = 1;
  return out;
}

/** Slices (perpendicular to `axis`) that contain `label`. */
export function slicesWithLabel(labels: Uint8Array, dims: Vec3, axis: Axis, label: number): number[] {
  const st = strides(dims);
  const [u, v] = planeAxes(axis);
  const out: number[] = [];
  for (let k = 0; k < dims[axis]; k++) {
    const base = k * st[axis];
    let found = false;
    for (let pv = 0; pv < dims[v] && !found; pv++) for (let pu = 0; pu < dims[u]; pu++) if (labels[base + pu * st[u] + pv * st[v]] === label) { found = true; break; }
    if (found) out.push(k);
  }
  return out;
}

/**
 * Shape-based interpolation: between every pair of consecutive slices of `label` (perpendicular to
 * `axis`) with empty slices between them, each empty slice gets the label where the linear blend of
 * the two slices' signed distance maps is ≤ 0. Locks and the HU range apply. Returns slices filled.
 */
export function interpolateLabel(labels: Uint8Array, grid: Grid, axis: Axis, label: number, rules: PaintRules, rec: EditRecorder): number[] {
  const dims = grid.dims;
  const [u, v] = planeAxes(axis);
  const nu = dims[u];
  const nv = dims[v];
  const st = strides(dims);
  const present = slicesWithLabel(labels, dims, axis, label);
  const filled: number[] = [];
  for (let s = 0; s + 1 < present.length; s++) {
    const k0 = present[s]!;
    const k1 = present[s + 1]!;
    if (k1 - k0 < 2) continue;
    const d0 = signedDistance2D(sliceMask(labels, dims, axis, k0, label), nu, nv);
    const d1 = signedDistance2D(sliceMask(labels, dims, axis, k1, label), nu, nv);
    for (let k = k0 + 1; k < k1; k++) {
      const t = (k - k0) / (k1 - k0);
      const base = k * st[axis];
      for (let pv = 0; pv < nv; pv++) {
        for (let pu = 0; pu < nu; pu++) {
          const p = pu + nu * pv;
          if ((1 - t) * d0[p]! + t * d1[p]! > 0) continue;
          const i = base + pu * st[u] + pv * st[v];
          if (allowed(labels, i, label, rules)) rec.set(i, label);
        }
      }
      filled.push(k);
    }
  }
  return filled;
}

/** Undo/redo over EditRecords (bounded, oldest dropped first). */
export class EditHistory {
  private done: EditRecord[] = [];
  private undone: EditRecord[] = [];
  constructor(private readonly limit = 100) {}
  push(r: EditRecord): void {
    this.done.push(r);
    if (this.done.length > this.limit) this.done.shift();
    this.undone = [];
  }
  get canUndo(): boolean {
    return this.done.length > 0;
  }
  get canRedo(): boolean {
    return this.undone.length > 0;
  }
  get length(): number {
    return this.done.length;
  }
  undo(labels: Uint8Array): EditRecord | null {
    const r = this.done.pop();
    if (!r) return null;
    for (let i = 0; i < r.indices.length; i++) labels[r.indices[i]!] = r.before[i]!;
    this.undone.push(r);
    return r;
  }
  redo(labels: Uint8Array): EditRecord | null {
    const r = this.undone.pop();
    if (!r) return null;
    for (let i = 0; i < r.indices.length; i++) labels[r.indices[i]!] = r.after[i]!;
    this.done.push(r);
    return r;
  }
  clear(): void {
    this.done = [];
    this.undone = [];
  }
}

/** Voxel count per label id (256 slots). */
export function labelCounts(labels: Uint8Array): Float64Array {
  const h = new Float64Array(256);
  for (let i = 0; i < labels.length; i++) h[labels[i]!]!++;
  return h;
}
