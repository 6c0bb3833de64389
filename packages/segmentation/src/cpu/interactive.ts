import type { Vec3, Volume } from '@vista3d/volume';
import { squaredDistanceMm } from './edt.js';
import { flood } from './flood.js';
import { fillHolesSlicewise } from './holes.js';
import { toHu } from './hu.js';
import { morph } from './morphology.js';
import type { AxisInfo } from './orientation.js';

export interface ClickOptions {
  /** Half-size (mm) of the first working box around the clicks; doubled while the result touches it. */
  marginMm: number;
  /** Largest working box half-size (mm). */
  maxMarginMm: number;
  /** Radius (mm) of the neighbourhood that gives each click its intensity model. */
  modelRadiusMm: number;
  /** Window half-width = clamp(k·σ, min, max) around the click's median (smoothed HU). */
  k: number;
  minHalfHu: number;
  maxHalfHu: number;
  /** Leak cut: the region is opened by alpha × the click's depth (mm) and reconstructed. */
  alpha: number;
  /** Holes up to this area (mm²) per slice are filled (vessels in an organ, marrow in a bone). */
  maxHoleMm2: number;
  /** Marrow holes up to this area (mm²) per slice count as bone when the click is in marrow. */
  maxBoneHoleMm2: number;
  /** A click with at least this fraction of 26 rays meeting cortex within 35 mm is in a bone. */
  enclosedFraction: number;
  /** Working grid spacing (mm) for CTs finer than this (block means). */
  workMm: number;
  /** Largest region per click, in balls of the click's depth (nearest voxels first). */
  capFactor: number;
  /** Geodesic reach of the first positive click: this many times its depth (mm). */
  reach: number;
  /** Geodesic reach of later positive clicks (corrections are local). */
  laterReach: number;
}

export const CLICK_DEFAULTS: ClickOptions = {
  marginMm: 60, maxMarginMm: 400, modelRadiusMm: 4, k: 2.5, minHalfHu: 20, maxHalfHu: 200, alpha: 0.5, maxHoleMm2: 300, maxBoneHoleMm2: 2500, enclosedFraction: 0.7, capFactor: 20, workMm: 2.5, reach: 8, laterReach: 3,
};

/** A working box of the volume: origin, size, and the box's smoothed HU. */
interface Box {
  /** Full-resolution voxel of the box's first cell; each cell covers f[a] voxels along axis a. */
  lo: Vec3;
  f: Vec3;
  dims: Vec3;
  spacing: Vec3;
  /** 3×3×3 mean of HU (box-local, x fastest). */
  smooth: Float32Array;
  raw: Float32Array;
  /** Faces that are the volume's own faces (nothing to grow into): [x-, x+, y-, y+, z-, z+]. */
  atEdge: boolean[];
}

interface ClickModel {
  lo: number;
  hi: number;
  /** The click sits in marrow enclosed by cortex: grow bone (bright voxels + enclosed marrow). */
  bone: boolean;
}

const CORTEX_HU = 250;
const BONE_HU = 150;
const ENCLOSED_MM = 35;
/** 13 directions of a half 26-neighbourhood, both ways = 26 rays. */
const RAYS: Vec3[] = [];
for (let z = -1; z <= 1; z++) for (let y = -1; y <= 1; y++) for (let x = -1; x <= 1; x++) if (x || y || z) RAYS.push([x, y, z]);

/** Fraction of 26 rays from the click that meet cortex-bright voxels within ENCLOSED_MM. */
function enclosedByCortex(box: Box, c: Vec3): number {
  const [bx, by, bz] = box.dims;
  let hits = 0;
  for (const d of RAYS) {
    const stepMm = Math.hypot(d[0] * box.spacing[0], d[1] * box.spacing[1], d[2] * box.spacing[2]);
    for (let t = 1; t * stepMm <= ENCLOSED_MM; t++) {
      const x = c[0] + t * d[0];
      const y = c[1] + t * d[1];
      const z = c[2] + t * d[2];
      if (x < 0 || y < 0 || z < 0 || x >= bx || y >= by || z >= bz) break;
      if (box.raw[x + bx * (y + by * z)] >= CORTEX_HU) { hits++; break; }
    }
  }
  return hits / RAYS.length;
}

/**
 * Interactive segmentation from positive/negative clicks (see docs/segmentation-engines.md, "Clicks").
 * Each positive click gets its own intensity model (median and MAD of the smoothed HU around it)
 * and grows a connected region inside its window; the region is opened by a ball of radius
 * alpha × the click's depth (distance transform, mm) and reconstructed from the part holding the
 * click, which cuts the thin bridges through which region growing leaks into neighbours. Negative
 * clicks claim, by geodesic distance inside the grown union, the part of it nearer to them than to
 * any positive click (a geodesic Voronoi split). Positive clicks are always in the result. All work
 * happens in a box around the clicks that grows while the result touches its faces.
 */
export function segmentFromClicks(
  ct: Volume,
  axes: AxisInfo,
  points: readonly Vec3[],
  labels: ReadonlyArray<0 | 1>,
  out: Uint8Array,
  options: Partial<ClickOptions> = {},
): number {
  const o = { ...CLICK_DEFAULTS, ...options };
  out.fill(0);
  const pos = points.filter((_p, i) => labels[i] === 1);
  const neg = points.filter((_p, i) => labels[i] === 0);
  if (pos.length === 0) return 0;
  let margin = o.marginMm;
  for (;;) {
    const box = makeBox(ct, points, margin, o.workMm);
    const models: ClickModel[] = [];
    // Cells taken by negative clicks: the full-resolution boundary pass must not give them back.
    const claimed = new Uint8Array(box.raw.length);
    const mask = segmentInBox(box, pos, neg, axes, o, models, claimed);
    const touches = touchesOpenFace(mask, box);
    if (!touches || margin >= o.maxMarginMm || box.atEdge.every(Boolean)) {
      // Boundary cells are decided voxel by voxel at full resolution by the clicks' HU windows.
      const accept = (hu: number): boolean => models.some((m) => (m.bone ? hu >= BONE_HU : hu >= m.lo && hu <= m.hi));
      let count = writeBack(mask, claimed, box, ct, out, accept);
      const [nx, ny] = ct.dims;
      for (const p of pos) {
        const v = p[0] + nx * (p[1] + ny * p[2]);
        if (out[v] === 0) { out[v] = 1; count++; }
      }
      return count;
    }
    margin *= 2;
  }
}

function makeBox(ct: Volume, points: readonly Vec3[], marginMm: number, workMm: number): Box {
  // Fine CTs are worked on at about workMm (block means): the cost per click then depends on the
  // size of the structure in mm, not on the scanner's matrix.
  const f = ct.spacing.map((s, a) => Math.max(1, Math.min(Math.round(workMm / s), Math.floor(ct.dims[a] / 16)))) as Vec3;
  const lo: Vec3 = [0, 0, 0];
  const dims: Vec3 = [0, 0, 0];
  const atEdge: boolean[] = [];
  for (let a = 0; a < 3; a++) {
    const m = Math.ceil(marginMm / ct.spacing[a]);
    const cs = points.map((p) => p[a]);
    const l = Math.max(0, Math.min(...cs) - m);
    lo[a] = l - (l % f[a]);
    const h = Math.min(ct.dims[a] - 1, Math.max(...cs) + m);
    dims[a] = Math.floor((h - lo[a]) / f[a]) + 1;
    atEdge.push(lo[a] === 0, lo[a] + dims[a] * f[a] >= ct.dims[a]);
  }
  const [bx, by, bz] = dims;
  const [nx, ny, nz] = ct.dims;
  const sum = new Float32Array(bx * by * bz);
  const cnt = new Uint16Array(bx * by * bz);
  const xEnd = Math.min(nx, lo[0] + bx * f[0]);
  const cellOfX = cellIndex(lo[0], xEnd, f[0]);
  const data = ct.data;
  for (let z = lo[2]; z < Math.min(nz, lo[2] + bz * f[2]); z++) {
    const cz = Math.floor((z - lo[2]) / f[2]);
    for (let y = lo[1]; y < Math.min(ny, lo[1] + by * f[1]); y++) {
      const row = bx * (Math.floor((y - lo[1]) / f[1]) + by * cz);
      const src = nx * (y + ny * z) + lo[0];
      for (let i = 0; i < cellOfX.length; i++) {
        const c = row + cellOfX[i];
        sum[c] += data[src + i];
        cnt[c]++;
      }
    }
  }
  const raw = sum;
  for (let i = 0; i < raw.length; i++) raw[i] = cnt[i] > 0 ? toHu(ct, raw[i] / cnt[i]) : -1024;
  return { lo, f, dims, spacing: ct.spacing.map((s, a) => s * f[a]) as Vec3, raw, smooth: boxMean(raw, dims), atEdge };
}

/**
 * The structure's depth as seen from a click: the largest distance to its boundary (mm) within
 * max(the click's own depth + 6 mm, 20 mm) of it, so a click near a vessel or an edge still sees the organ.
 */
function localDepth(d2: Float32Array, box: Box, seed: number): number {
  const [bx, by, bz] = box.dims;
  const sx = seed % bx;
  const sy = Math.floor(seed / bx) % by;
  const sz = Math.floor(seed / (bx * by));
  const rMm = Math.max(Math.sqrt(d2[seed]) + 6, 20);
  const r = box.spacing.map((s) => Math.ceil(rMm / s));
  let best = d2[seed];
  for (let z = Math.max(0, sz - r[2]); z <= Math.min(bz - 1, sz + r[2]); z++)
    for (let y = Math.max(0, sy - r[1]); y <= Math.min(by - 1, sy + r[1]); y++)
      for (let x = Math.max(0, sx - r[0]); x <= Math.min(bx - 1, sx + r[0]); x++) {
        const v = d2[x + bx * (y + by * z)];
        if (v <= best) continue;
        const e = ((x - sx) * box.spacing[0]) ** 2 + ((y - sy) * box.spacing[1]) ** 2 + ((z - sz) * box.spacing[2]) ** 2;
        if (e <= rMm * rMm) best = v;
      }
  return Math.sqrt(best);
}

/** Box cell of each full-resolution x in [from, to). */
function cellIndex(from: number, to: number, f: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => Math.floor(i / f));
}

/** Separable 3×3×3 mean (edges average what exists). */
function boxMean(src: Float32Array, dims: Vec3): Float32Array {
  let a = src.slice();
  let b = new Float32Array(src.length);
  const stride = [1, dims[0], dims[0] * dims[1]];
  for (let axis = 0; axis < 3; axis++) {
    const n = dims[axis];
    const s = stride[axis];
    for (let i = 0; i < a.length; i++) {
      const k = Math.floor(i / s) % n;
      let sum = a[i];
      let c = 1;
      if (k > 0) { sum += a[i - s]; c++; }
      if (k < n - 1) { sum += a[i + s]; c++; }
      b[i] = sum / c;
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

function boxIndex(box: Box, p: Vec3): number {
  const c = [0, 1, 2].map((a) => Math.floor((p[a] - box.lo[a]) / box.f[a]));
  return c[0] + box.dims[0] * (c[1] + box.dims[1] * c[2]);
}

/** Median and MAD of the smoothed HU in a small ball around the click → the click's HU window. */
function clickModel(box: Box, p: Vec3, o: ClickOptions): ClickModel {
  const [bx, by, bz] = box.dims;
  const c = [0, 1, 2].map((a) => Math.floor((p[a] - box.lo[a]) / box.f[a]));
  const r = box.spacing.map((s) => Math.max(1, Math.round(o.modelRadiusMm / s)));
  const values: number[] = [];
  for (let z = Math.max(0, c[2] - r[2]); z <= Math.min(bz - 1, c[2] + r[2]); z++)
    for (let y = Math.max(0, c[1] - r[1]); y <= Math.min(by - 1, c[1] + r[1]); y++)
      for (let x = Math.max(0, c[0] - r[0]); x <= Math.min(bx - 1, c[0] + r[0]); x++) {
        const d = ((x - c[0]) * box.spacing[0]) ** 2 + ((y - c[1]) * box.spacing[1]) ** 2 + ((z - c[2]) * box.spacing[2]) ** 2;
        if (d <= Math.max(o.modelRadiusMm, Math.max(...box.spacing)) ** 2) values.push(box.smooth[x + bx * (y + by * z)]);
      }
  values.sort((a, b) => a - b);
  const med = values[Math.floor(values.length / 2)];
  const dev = values.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
  const sigma = 1.4826 * dev[Math.floor(dev.length / 2)];
  const half = Math.min(o.maxHalfHu, Math.max(o.minHalfHu, o.k * sigma));
  // Bone: the cortex is brighter than the marrow clicked; air: emptier than the parenchyma.
  const hi = med >= BONE_HU ? Infinity : med + half;
  const lo = med <= -400 ? -Infinity : med - half;
  const bone = med < CORTEX_HU && med > -200 && enclosedByCortex(box, c as Vec3) >= o.enclosedFraction;
  return { lo, hi, bone };
}

function segmentInBox(box: Box, pos: readonly Vec3[], neg: readonly Vec3[], axes: AxisInfo, o: ClickOptions, models: ClickModel[], claimed: Uint8Array): Uint8Array {
  const n = box.raw.length;
  const union = new Uint8Array(n);
  const region = new Uint8Array(n);
  const minStep = Math.min(...box.spacing);
  pos.forEach((p, k) => {
    const seed = boxIndex(box, p);
    const m = clickModel(box, p, o);
    models.push(m);
    region.fill(0);
    const { smooth, raw } = box;
    const pixelMm2 = box.spacing.filter((_s, a) => a !== axes.siAxis).reduce((a, b) => a * b, 1);
    if (m.bone) {
      // Cortex and dense trabeculae, with the marrow they enclose (per slice), from the click.
      const bright = new Uint8Array(n);
      for (let i = 0; i < n; i++) bright[i] = smooth[i] >= BONE_HU || raw[i] >= BONE_HU + 50 ? 1 : 0;
      const inPlane = [0, 1, 2].filter((a) => a !== axes.siAxis);
      const tmp = new Uint8Array(n);
      morph(bright, box.dims, 1, 'dilate', tmp, inPlane);
      morph(bright, box.dims, 1, 'erode', tmp, inPlane);
      fillHolesSlicewise(bright, box.dims, axes.siAxis, 1, o.maxBoneHoleMm2 / pixelMm2);
      flood(box.dims, [seed], (v) => v === seed || bright[v] !== 0, region);
    } else {
      flood(box.dims, [seed], (v) => v === seed || (smooth[v] >= m.lo && smooth[v] <= m.hi) || (raw[v] >= m.lo && raw[v] <= m.hi), region);
    }
    fillHolesSlicewise(region, box.dims, axes.siAxis, 1, o.maxHoleMm2 / pixelMm2);
    const d2 = squaredDistanceMm(region, box.dims, box.spacing, false);
    const depth = Math.max(localDepth(d2, box, seed), 2 * minStep);
    // Size prior from the click's depth: at most capFactor balls of that radius (tubes and sheets
    // are several balls long; a leak into the neighbourhood is many).
    const ballVoxels = ((4 / 3) * Math.PI * depth ** 3) / (box.spacing[0] * box.spacing[1] * box.spacing[2]);
    geodesicBall(region, box, seed, (k === 0 ? o.reach : o.laterReach) * depth, o.capFactor * ballVoxels);
    cutLeaks(region, d2, box, seed, o.alpha);
    for (let i = 0; i < n; i++) union[i] |= region[i];
  });
  if (neg.length > 0) geodesicSplit(union, box, pos.map((p) => boxIndex(box, p)), neg.map((p) => boxIndex(box, p)), claimed);
  for (const p of pos) union[boxIndex(box, p)] = 1;
  return union;
}

/**
 * Opening by reconstruction with a ball of radius alpha·depth(seed): keeps the part of the region
 * that is reachable from the seed through passages at least that wide, plus its margin.
 */
function cutLeaks(region: Uint8Array, d2: Float32Array, box: Box, seed: number, alpha: number): void {
  const depth = Math.sqrt(d2[seed]);
  const minStep = Math.max(...box.spacing);
  if (depth < 1.5 * minStep) return;
  const r = Math.max(alpha * depth, minStep);
  const core = new Uint8Array(region.length);
  const r2 = r * r;
  const kept = flood(box.dims, [seed], (v) => region[v] !== 0 && d2[v] >= r2, core);
  if (kept <= 0) return;
  // Distance from the core; voxels of the region within r (+ one voxel) of it are kept.
  for (let i = 0; i < core.length; i++) core[i] = core[i] === 0 ? 1 : 0;
  const toCore = squaredDistanceMm(core, box.dims, box.spacing, false);
  const reach = (r + minStep) ** 2;
  for (let i = 0; i < region.length; i++) if (region[i] !== 0 && toCore[i] > reach) region[i] = 0;
  // Reconnect: only what is 6-connected to the seed.
  const connected = new Uint8Array(region.length);
  flood(box.dims, [seed], (v) => region[v] !== 0, connected);
  region.set(connected);
}

/**
 * Keeps the voxels of the region within a geodesic distance (mm, 6-connected steps weighted by the
 * spacing, Dial's bucket queue) of the seed.
 */
function geodesicBall(region: Uint8Array, box: Box, seed: number, limitMm: number, maxVoxels = Infinity): void {
  const [bx, by, bz] = box.dims;
  const sxy = bx * by;
  const unit = Math.min(...box.spacing) / 2;
  const cost = box.spacing.map((s) => Math.max(1, Math.round(s / unit)));
  const limit = Math.ceil(limitMm / unit);
  const dist = new Int32Array(region.length).fill(-1);
  const buckets: number[][] = [[seed]];
  dist[seed] = 0;
  let taken = 0;
  let last = limit;
  for (let d = 0; d < buckets.length && d <= limit; d++) {
    const bucket = buckets[d];
    if (!bucket) continue;
    if (taken > maxVoxels) { last = d - 1; break; }
    for (let q = 0; q < bucket.length; q++) {
      const v = bucket[q];
      if (dist[v] !== d) continue;
      taken++;
      const x = v % bx;
      const y = Math.floor(v / bx) % by;
      const z = Math.floor(v / sxy);
      const relax = (w: number, c: number): void => {
        if (region[w] === 0) return;
        const nd = d + c;
        if (nd > limit || (dist[w] >= 0 && dist[w] <= nd)) return;
        dist[w] = nd;
        (buckets[nd] ??= []).push(w);
      };
      if (x > 0) relax(v - 1, cost[0]);
      if (x < bx - 1) relax(v + 1, cost[0]);
      if (y > 0) relax(v - bx, cost[1]);
      if (y < by - 1) relax(v + bx, cost[1]);
      if (z > 0) relax(v - sxy, cost[2]);
      if (z < bz - 1) relax(v + sxy, cost[2]);
    }
    buckets[d] = [];
  }
  for (let i = 0; i < region.length; i++) if (dist[i] < 0 || dist[i] > last) region[i] = 0;
}

/** Multi-source BFS inside the mask: voxels reached first from a negative seed are removed. */
function geodesicSplit(mask: Uint8Array, box: Box, pos: number[], neg: number[], claimed: Uint8Array): void {
  const [bx, by, bz] = box.dims;
  const sxy = bx * by;
  const owner = new Int8Array(mask.length); // 0 unvisited, 1 positive, 2 negative
  const queue = new Int32Array(mask.length);
  let tail = 0;
  // Negatives first: a voxel as near to an outside click as to an inside one is outside.
  for (const s of neg) if (mask[s] !== 0 && owner[s] === 0) { owner[s] = 2; queue[tail++] = s; }
  for (const s of pos) if (owner[s] === 0) { owner[s] = 1; queue[tail++] = s; }
  for (let head = 0; head < tail; head++) {
    const v = queue[head];
    const x = v % bx;
    const y = Math.floor(v / bx) % by;
    const z = Math.floor(v / sxy);
    const visit = (w: number): void => {
      if (owner[w] === 0 && mask[w] !== 0) { owner[w] = owner[v]; queue[tail++] = w; }
    };
    if (x > 0) visit(v - 1);
    if (x < bx - 1) visit(v + 1);
    if (y > 0) visit(v - bx);
    if (y < by - 1) visit(v + bx);
    if (z > 0) visit(v - sxy);
    if (z < bz - 1) visit(v + sxy);
  }
  for (let i = 0; i < mask.length; i++) {
    mask[i] = owner[i] === 1 ? 1 : 0;
    if (owner[i] === 2) claimed[i] = 1;
  }
}

function touchesOpenFace(mask: Uint8Array, box: Box): boolean {
  const [bx, by, bz] = box.dims;
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) {
    const row = bx * (y + by * z);
    for (let x = 0; x < bx; x++) {
      if (mask[row + x] === 0) continue;
      if ((x === 0 && !box.atEdge[0]) || (x === bx - 1 && !box.atEdge[1])) return true;
      if ((y === 0 && !box.atEdge[2]) || (y === by - 1 && !box.atEdge[3])) return true;
      if ((z === 0 && !box.atEdge[4]) || (z === bz - 1 && !box.atEdge[5])) return true;
    }
  }
  return false;
}

function writeBack(mask: Uint8Array, claimed: Uint8Array, box: Box, ct: Volume, out: Uint8Array, accept: (hu: number) => boolean): number {
  const [bx, by, bz] = box.dims;
  const [nx, ny, nz] = ct.dims;
  const { lo, f } = box;
  const refine = f.some((k) => k > 1);
  // Cells whose 6-neighbourhood is not all in or all out.
  const edge = new Uint8Array(mask.length);
  if (refine) {
    for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) {
      const c = x + bx * (y + by * z);
      const m = mask[c];
      if ((x > 0 && mask[c - 1] !== m) || (x < bx - 1 && mask[c + 1] !== m) || (y > 0 && mask[c - bx] !== m) || (y < by - 1 && mask[c + bx] !== m)
        || (z > 0 && mask[c - bx * by] !== m) || (z < bz - 1 && mask[c + bx * by] !== m)) edge[c] = 1;
    }
    // One more cell around (diagonal neighbours of a change), never into negative clicks' cells.
    morph(edge, box.dims, 1, 'dilate');
    for (let c = 0; c < edge.length; c++) if (claimed[c] !== 0) edge[c] = 0;
  }
  let count = 0;
  const zEnd = Math.min(nz, lo[2] + bz * f[2]);
  const yEnd = Math.min(ny, lo[1] + by * f[1]);
  const xEnd = Math.min(nx, lo[0] + bx * f[0]);
  const cellOfX = cellIndex(lo[0], xEnd, f[0]);
  const data = ct.data;
  for (let z = lo[2]; z < zEnd; z++) {
    const cz = Math.floor((z - lo[2]) / f[2]);
    for (let y = lo[1]; y < yEnd; y++) {
      const row = bx * (Math.floor((y - lo[1]) / f[1]) + by * cz);
      const dst = nx * (y + ny * z) + lo[0];
      for (let i = 0; i < cellOfX.length; i++) {
        const c = row + cellOfX[i];
        const inside = edge[c] !== 0 ? accept(toHu(ct, data[dst + i])) : mask[c] !== 0;
        if (inside) { out[dst + i] = 1; count++; }
      }
    }
  }
  return count;
}
