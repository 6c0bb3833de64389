import type { Vec3, Volume } from '@vista3d/volume';
import { blockFactor, cellOf, readClickBox, touchesOpenFace, type ClickBox } from './click-box.js';
import { fillSliceHoles, geodesic, insideDistance2, keepConnected, maskBounds } from './click-geodesic.js';
import { pinClicks } from './click-pin.js';
import { IntList } from './growable.js';
import { huScale } from './hu.js';
import type { AxisInfo } from './orientation.js';

export interface ClickOptions {
  /** Half-size (mm) of the first working box around the clicks; doubled while the result touches it. */
  marginMm: number;
  maxMarginMm: number;
  /** Working grid (mm) for CTs finer than this (block means). */
  workMm: number;
  /** Radius (mm) of the neighbourhood that gives each click its intensity model. */
  modelRadiusMm: number;
  /** Window half-width = clamp(k·σ, min, max) around the click's median (smoothed HU). */
  k: number;
  minHalfHu: number;
  maxHalfHu: number;
  /** Competition between clicks: step cost 1 + competeWeight·(deviation from the click's model / half-width)². */
  competeWeight: number;
  /** Geodesic reach of the first positive click, in multiples of its depth (mm). */
  reach: number;
  /** Geodesic reach of later positive clicks (corrections are more local). */
  laterReach: number;
  /** Largest region per click, in balls of the click's depth. */
  maxBalls: number;
  /** The same for a click in a bone (a bone leaks into its neighbour through the joint). */
  boneBalls: number;
  /** Leak cut: the region is opened by alpha × the click's depth (mm) and reconstructed. */
  alpha: number;
  /** The same for a click in a bone (thin processes and laminae belong to it). */
  boneAlpha: number;
  /** A click with at least this fraction of 26 rays meeting cortex within 35 mm is in a bone. */
  enclosedFraction: number;
  /** Holes up to this area (mm²) per slice are filled (vessels in an organ, marrow in a bone). */
  maxHoleMm2: number;
  maxBoneHoleMm2: number;
  /**
   * A later positive click's window reaches no lower than min(the first click's lower edge, this) (HU) when the
   * click's own median lies at or above that floor; unset, no floor. Solid organs hold no fat: a later click on a
   * fat-valued border voxel must not open its organ to fat.
   */
  laterFloorHu?: number;
}

export const CLICK_DEFAULTS: ClickOptions = {
  marginMm: 60, maxMarginMm: 400, workMm: 3, modelRadiusMm: 4, k: 2.5, minHalfHu: 20, maxHalfHu: 40, competeWeight: 0,
  reach: 8, laterReach: 3, maxBalls: 20, boneBalls: 10, maxHoleMm2: 300, maxBoneHoleMm2: 2500, alpha: 0.5, boneAlpha: 0.3, enclosedFraction: 0.7,
};

/** Smoothed HU from which a cell is bone (cortex, dense trabeculae). */
export const BONE_HU = 150;

export interface Model {
  mu: number;
  half: number;
  lo: number;
  hi: number;
  bone: boolean;
}

/**
 * Interactive segmentation from positive/negative clicks (docs/segmentation-engines.md, "Clicks"):
 * every positive click grows its own region by geodesic distance (Dijkstra, step cost rising with
 * the deviation from the click's own intensity model, nothing outside its window), bounded by its
 * depth (reach, volume) and cut where the growth front narrows and widens again (a leak through a
 * passage). The union of the positive regions is then split between all clicks by competitive
 * geodesic growth: the part reached first from a negative click is removed. Positive clicks are
 * always kept; the same clicks always give the same result, so each new click refines the previous one.
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
  const f = blockFactor(ct, o.workMm);
  let margin = o.marginMm;
  for (;;) {
    const box = readClickBox(ct, points, margin, f);
    const { mask, models, claimed, reachMm } = segmentInBox(box, pos, neg, axes, o);
    if (!touchesOpenFace(mask, box) || margin >= o.maxMarginMm || box.atEdge.every(Boolean)) {
      // The windows as flat bounds: accept runs once per voxel of the border cells.
      const bounds = Float64Array.from(models.flatMap((m) => [m.lo, m.hi]));
      const accept = (hu: number): boolean => {
        for (let w = 0; w < bounds.length; w += 2) if (hu >= bounds[w] && hu <= bounds[w + 1]) return true;
        return false;
      };
      return pinClicks(out, ct.dims, writeBack(mask, claimed, box, ct, out, accept), points, labels);
    }
    // Doubled, but never beyond the clicks' geodesic reach (the regions cannot run further).
    margin = Math.min(o.maxMarginMm, 2 * margin, Math.max(1.25 * margin, reachMm + 3 * Math.max(...box.spacing)));
  }
}

export function clickModel(box: ClickBox, cell: number, o: ClickOptions): Model {
  const [bx, by, bz] = box.dims;
  const c = [cell % bx, Math.floor(cell / bx) % by, Math.floor(cell / (bx * by))];
  const rMm = Math.max(o.modelRadiusMm, Math.max(...box.spacing));
  const r = box.spacing.map((s) => Math.floor(rMm / s));
  const values: number[] = [];
  for (let z = Math.max(0, c[2] - r[2]); z <= Math.min(bz - 1, c[2] + r[2]); z++)
    for (let y = Math.max(0, c[1] - r[1]); y <= Math.min(by - 1, c[1] + r[1]); y++)
      for (let x = Math.max(0, c[0] - r[0]); x <= Math.min(bx - 1, c[0] + r[0]); x++) {
        const d = ((x - c[0]) * box.spacing[0]) ** 2 + ((y - c[1]) * box.spacing[1]) ** 2 + ((z - c[2]) * box.spacing[2]) ** 2;
        if (d <= rMm * rMm) values.push(box.smooth[x + bx * (y + by * z)]);
      }
  values.sort((a, b) => a - b);
  const mu = values[Math.floor(values.length / 2)];
  const dev = values.map((v) => Math.abs(v - mu)).sort((a, b) => a - b);
  const sigma = 1.4826 * dev[Math.floor(dev.length / 2)];
  const half = Math.min(o.maxHalfHu, Math.max(o.minHalfHu, o.k * sigma));
  return { mu, half, lo: mu <= -400 ? -Infinity : mu - half, hi: mu + half, bone: false };
}

/** Bright cells with the marrow they enclose (per axial slice). */
export function boneCells(box: ClickBox, axes: AxisInfo, o: ClickOptions): Uint8Array {
  const n = box.hu.length;
  const bright = new Uint8Array(n);
  for (let i = 0; i < n; i++) bright[i] = box.smooth[i] >= BONE_HU || box.hu[i] >= BONE_HU + 50 ? 1 : 0;
  // In-plane closing (3×3): a cortex broken by one cell at CT resolution still encloses its marrow.
  const tmp = new Uint8Array(n);
  squareInPlane(bright, tmp, box.dims, axes.siAxis, true);
  squareInPlane(tmp, bright, box.dims, axes.siAxis, false);
  const pixel = box.spacing.filter((_s, a) => a !== axes.siAxis).reduce((a, b) => a * b, 1);
  fillSliceHoles(bright, box.dims, axes.siAxis, o.maxBoneHoleMm2 / pixel);
  return bright;
}

/** 3×3 in-plane dilation (or erosion) of src into dst. */
function squareInPlane(src: Uint8Array, dst: Uint8Array, dims: Vec3, siAxis: number, dilate: boolean): void {
  const strides = [1, dims[0], dims[0] * dims[1]];
  const [u, w] = [0, 1, 2].filter((a) => a !== siAxis);
  const su = strides[u];
  const sw = strides[w];
  const target = dilate ? 1 : 0;
  for (let i = 0; i < src.length; i++) {
    const iu = Math.floor(i / su) % dims[u];
    const iw = Math.floor(i / sw) % dims[w];
    let hit = src[i] === target;
    for (let dw = -1; dw <= 1 && !hit; dw++) for (let du = -1; du <= 1 && !hit; du++) {
      const a = iu + du;
      const b = iw + dw;
      // Outside the box counts as neither (keeps the box border from eroding).
      if (a < 0 || b < 0 || a >= dims[u] || b >= dims[w]) continue;
      if (src[i + du * su + dw * sw] === target) hit = true;
    }
    dst[i] = hit ? target : 1 - target;
  }
}

/**
 * The structure's depth as seen from a click: the largest distance to the window's border (mm)
 * within max(the click's own depth + 6 mm, 20 mm) of it, so a click beside a vessel still sees the organ.
 */
function localDepth(d2: Float32Array, box: ClickBox, seed: number): number {
  const [bx, by, bz] = box.dims;
  const sx = seed % bx;
  const sy = Math.floor(seed / bx) % by;
  const sz = Math.floor(seed / (bx * by));
  const own = Math.sqrt(Math.min(d2[seed], 1e8));
  const rMm = Math.max(own + 6, 20);
  const r = box.spacing.map((s) => Math.ceil(rMm / s));
  let best = Math.min(d2[seed], 1e8);
  for (let z = Math.max(0, sz - r[2]); z <= Math.min(bz - 1, sz + r[2]); z++)
    for (let y = Math.max(0, sy - r[1]); y <= Math.min(by - 1, sy + r[1]); y++)
      for (let x = Math.max(0, sx - r[0]); x <= Math.min(bx - 1, sx + r[0]); x++) {
        const v = Math.min(d2[x + bx * (y + by * z)], 1e8);
        if (v <= best) continue;
        const e = ((x - sx) * box.spacing[0]) ** 2 + ((y - sy) * box.spacing[1]) ** 2 + ((z - sz) * box.spacing[2]) ** 2;
        if (e <= rMm * rMm) best = v;
      }
  return Math.min(Math.sqrt(best), 80);
}

/** One positive click's own region in a box: what segmentInBox grew from it, its model and reach. */
interface GrownRegion {
  cells: Int32Array;
  model: Model;
  reachMm: number;
}

/**
 * Each positive click's region depends only on the box, the click and the options, not on the other
 * clicks: a box that is read once and kept (the organ strategy's, click-organ-grid.ts) grows each
 * click once, and a later click grows only itself instead of every click again. Held as long as the box;
 * only boxes registered with keepRegionsOf, since a box read afresh per call is never asked again.
 */
const grownRegions = new WeakMap<ClickBox, Map<string, GrownRegion>>();
const MAX_REGIONS_PER_BOX = 8;

/** Registers a box that its reader keeps: segmentInBox then keeps each click's region with it. */
export function keepRegionsOf(box: ClickBox): void {
  if (!grownRegions.has(box)) grownRegions.set(box, new Map());
}

export function segmentInBox(box: ClickBox, pos: readonly Vec3[], neg: readonly Vec3[], axes: AxisInfo, o: ClickOptions): { mask: Uint8Array; models: Model[]; claimed: Uint8Array; reachMm: number } {
  const n = box.hu.length;
  const union = new Uint8Array(n);
  const region = new Uint8Array(n);
  const cellVol = box.spacing[0] * box.spacing[1] * box.spacing[2];
  const minStep = Math.min(...box.spacing);
  const pixel = box.spacing.filter((_s, a) => a !== axes.siAxis).reduce((a, b) => a * b, 1);
  const models: Model[] = [];
  let bone: Uint8Array | null = null;
  const dist = new Float32Array(n);
  const fac = new Float32Array(n);
  const posCells = pos.map((p) => cellOf(box, p));
  const { smooth, hu } = box;
  let reachMm = 0;
  const known = grownRegions.get(box);
  const optionsKey = known ? `${axes.siAxis}|${JSON.stringify(o)}` : '';
  posCells.forEach((seed, k) => {
    // A later click's window depends on the first click's when it has a floor.
    const floorKey = k > 0 && o.laterFloorHu !== undefined ? `|${models[0].lo}` : '';
    const key = `${seed}|${k === 0 ? 1 : 0}|${optionsKey}${floorKey}`;
    const seen = known?.get(key);
    if (seen !== undefined) {
      models.push({ ...seen.model });
      reachMm = Math.max(reachMm, seen.reachMm);
      for (let i = 0; i < seen.cells.length; i++) union[seen.cells[i]] = 1;
      return;
    }
    const m = clickModel(box, seed, o);
    // In a bone: on bright bone tissue, or in marrow that cortex encloses (in its slice, or from most directions).
    // The bone cells (a closing and a hole fill of the whole box) only for a click that can be in one:
    // most clicks, all in soft tissue or gas, never need them.
    const maybeBone = m.mu >= BONE_HU || (m.mu > -200 && enclosedByCortex(box, seed) >= o.enclosedFraction);
    const boneMask = maybeBone ? (bone ??= boneCells(box, axes, o)) : null;
    m.bone = boneMask !== null && boneMask[seed] !== 0;
    if (m.mu >= BONE_HU) m.hi = Infinity;
    if (m.bone) { m.lo = Math.min(m.lo, BONE_HU); m.hi = Infinity; }
    // Not for a click whose own neighbourhood lies below the floor: that is where the user says the organ is (the
    // hand-drawn liver of the 3-slice CT holds −80 to −100 HU parts; with the floor its clicks there froze it).
    const floor = o.laterFloorHu === undefined ? -Infinity : Math.min(models[0]?.lo ?? -Infinity, o.laterFloorHu);
    if (k > 0 && !m.bone && !models[0].bone && m.mu >= floor) m.lo = Math.max(m.lo, floor);
    models.push(m);
    // The click's window, grown from the click (bone: bright tissue and the marrow it encloses).
    const boneWindow = m.bone ? boneMask : null;
    for (let i = 0; i < n; i++) {
      const inside = boneWindow !== null ? boneWindow[i] !== 0 : (smooth[i] >= m.lo && smooth[i] <= m.hi) || (hu[i] >= m.lo && hu[i] <= m.hi);
      fac[i] = inside || i === seed ? 1 : Infinity;
    }
    region.fill(0);
    for (let i = 0; i < n; i++) region[i] = fac[i] < Infinity ? 1 : 0;
    keepConnected(region, box.dims, [seed]);
    fillSliceHoles(region, box.dims, axes.siAxis, o.maxHoleMm2 / pixel);
    const d2 = insideDistance2(region, box.dims, box.spacing);
    const depth = Math.max(localDepth(d2, box, seed), 2 * minStep);
    reachMm = Math.max(reachMm, (k === 0 ? o.reach : o.laterReach) * depth);
    // Size prior from the click's depth: at most maxBalls balls of that radius, nearest first, within reach.
    const ball = ((4 / 3) * Math.PI * depth ** 3) / cellVol;
    for (let i = 0; i < n; i++) fac[i] = region[i] !== 0 ? 1 : Infinity;
    const g = geodesic(box.dims, box.spacing, fac, [seed], (k === 0 ? o.reach : o.laterReach) * depth, Math.max(64, Math.ceil((m.bone ? o.boneBalls : o.maxBalls) * ball)), dist);
    region.fill(0);
    for (let i = 0; i < g.count; i++) region[g.order[i]] = 1;
    cutLeaks(region, d2, box, seed, m.bone ? o.boneAlpha : o.alpha);
    if (!known) {
      for (let i = 0; i < n; i++) union[i] |= region[i];
      return;
    }
    const cells = new IntList();
    for (let i = 0; i < n; i++) if (region[i] !== 0) { union[i] = 1; cells.push(i); }
    known.set(key, { cells: cells.data.slice(0, cells.length), model: { ...m }, reachMm: (k === 0 ? o.reach : o.laterReach) * depth });
    // Only the latest regions of a box are kept (a liver click's is ≈ 1 MB; the kept boxes hold ≈ 7 livers).
    if (known.size > MAX_REGIONS_PER_BOX) known.delete(known.keys().next().value as string);
  });
  for (const s of posCells) union[s] = 1;
  const claimed = new Uint8Array(n);
  if (neg.length > 0) {
    const negCells = neg.map((p) => cellOf(box, p));
    const negModels = negCells.map((c) => clickModel(box, c, o));
    competeInside(union, claimed, box, posCells, models, negCells, negModels, o);
    keepConnected(union, box.dims, posCells);
    for (const s of posCells) union[s] = 1;
  }
  return { mask: union, models, claimed, reachMm };
}

/**
 * Opening by reconstruction with a ball of radius alpha·depth(seed): keeps the part of the region
 * reachable from the seed through passages at least that wide, plus its margin — the thin bridges
 * through which region growing leaks into a neighbour are cut.
 */
function cutLeaks(region: Uint8Array, d2: Float32Array, box: ClickBox, seed: number, alpha: number): void {
  const depth = Math.sqrt(Math.min(d2[seed], 1e8));
  const step = Math.max(...box.spacing);
  if (depth < 1.5 * step) return;
  const r = Math.max(alpha * depth, step);
  const core = new Uint8Array(region.length);
  for (let i = 0; i < core.length; i++) core[i] = region[i] !== 0 && d2[i] >= r * r ? 1 : 0;
  keepConnected(core, box.dims, [seed]);
  if (core[seed] === 0) return;
  for (let i = 0; i < core.length; i++) core[i] = core[i] === 0 ? 1 : 0;
  // Only the region's cells are read, and the core lies in the region: its bounding box holds every
  // nearest core cell, so the distances are computed there alone (same floats).
  const toCore = insideDistance2(core, box.dims, box.spacing, maskBounds(region, box.dims, 0));
  const reach = (r + Math.min(...box.spacing)) ** 2;
  for (let i = 0; i < region.length; i++) if (region[i] !== 0 && toCore[i] > reach) region[i] = 0;
  keepConnected(region, box.dims, [seed]);
}

const CORTEX_HU = 250;
const ENCLOSED_MM = 35;
/** 26 rays from a click. */
const RAYS: Vec3[] = [];
for (let z = -1; z <= 1; z++) for (let y = -1; y <= 1; y++) for (let x = -1; x <= 1; x++) if (x || y || z) RAYS.push([x, y, z]);

/** Fraction of the 26 rays from the click that meet cortex-bright cells within ENCLOSED_MM. */
function enclosedByCortex(box: ClickBox, cell: number): number {
  const [bx, by, bz] = box.dims;
  const c = [cell % bx, Math.floor(cell / bx) % by, Math.floor(cell / (bx * by))];
  let hits = 0;
  for (const d of RAYS) {
    const stepMm = Math.hypot(d[0] * box.spacing[0], d[1] * box.spacing[1], d[2] * box.spacing[2]);
    for (let t = 1; t * stepMm <= ENCLOSED_MM; t++) {
      const x = c[0] + t * d[0];
      const y = c[1] + t * d[1];
      const z = c[2] + t * d[2];
      if (x < 0 || y < 0 || z < 0 || x >= bx || y >= by || z >= bz) break;
      if (box.hu[x + bx * (y + by * z)] >= CORTEX_HU) { hits++; break; }
    }
  }
  return hits / RAYS.length;
}

/**
 * Competitive geodesic growth inside the mask from all clicks at once, each with its own model;
 * cells first reached from a negative click leave the mask.
 */
export function competeInside(mask: Uint8Array, claimed: Uint8Array, box: ClickBox, posCells: number[], posModels: Model[], negCells: number[], negModels: Model[], o: ClickOptions): void {
  const seeds = [...negCells, ...posCells];
  const models = [...negModels, ...posModels];
  const negative = seeds.map((_s, i) => i < negCells.length);
  const n = mask.length;
  const best = new Float32Array(n).fill(Infinity);
  const owner = new Int8Array(n).fill(-1);
  const dist = new Float32Array(n);
  seeds.forEach((s, i) => {
    const m = models[i];
    const fac = new Float32Array(n);
    for (let v = 0; v < n; v++) {
      if (mask[v] === 0 && v !== s) { fac[v] = Infinity; continue; }
      const dev = m.bone ? 0 : Math.min(2, Math.abs(box.smooth[v] - m.mu) / m.half);
      fac[v] = 1 + o.competeWeight * dev * dev;
    }
    const g = geodesic(box.dims, box.spacing, fac, [s], Infinity, n, dist);
    for (let t = 0; t < g.count; t++) {
      const v = g.order[t];
      // Negatives first: a tie goes to the outside.
      if (dist[v] < best[v] || (dist[v] === best[v] && negative[i])) { best[v] = dist[v]; owner[v] = i; }
    }
  });
  for (let v = 0; v < n; v++) if (owner[v] >= 0 && negative[owner[v]]) { mask[v] = 0; claimed[v] = 1; }
}

export function writeBack(mask: Uint8Array, claimed: Uint8Array, box: ClickBox, ct: Volume, out: Uint8Array, accept: (hu: number) => boolean): number {
  const [bx, by, bz] = box.dims;
  const [nx, ny, nz] = ct.dims;
  const { lo, f } = box;
  const refine = f.some((k) => k > 1);
  // Cells on either side of the region's border are decided voxel by voxel by the clicks' windows, to
  // put the border where the intensity changes inside a cell (partial volume) — never those a negative
  // click claimed. Only those cells: widening the band to their 26 neighbours, as before, let every
  // result grow by up to two cells into tissue of the same density (a muscle into its neighbour, the
  // femur into the pelvis) on fine CTs only — mean 1-click Dice 0.54 → 0.57 on the 512×512×300 CT.
  const edge = new Uint8Array(mask.length);
  if (refine) {
    const sxy = bx * by;
    for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) {
      const c = x + bx * (y + by * z);
      if (claimed[c] !== 0) continue;
      const m = mask[c];
      if ((x > 0 && mask[c - 1] !== m) || (x < bx - 1 && mask[c + 1] !== m) || (y > 0 && mask[c - bx] !== m) || (y < by - 1 && mask[c + bx] !== m)
        || (z > 0 && mask[c - sxy] !== m) || (z < bz - 1 && mask[c + sxy] !== m)) edge[c] = 1;
    }
  }
  // Per cell row (y, z), the cells [from, to) that are set or decided voxel by voxel: the rest of a
  // box that is most of the CT costs nothing at full resolution.
  const from = new Int32Array(by * bz).fill(bx);
  const to = new Int32Array(by * bz);
  for (let r = 0; r < by * bz; r++) for (let cx = 0; cx < bx; cx++) {
    const c = r * bx + cx;
    if (mask[c] === 0 && edge[c] === 0) continue;
    if (from[r] === bx) from[r] = cx;
    to[r] = cx + 1;
  }
  const { slope, inter } = huScale(ct);
  let count = 0;
  const zEnd = Math.min(nz, lo[2] + bz * f[2]);
  const yEnd = Math.min(ny, lo[1] + by * f[1]);
  const xEnd = Math.min(nx, lo[0] + bx * f[0]);
  const data = ct.data;
  // Cell by cell along each row: inside cells fill their run, edge cells decide voxel by voxel.
  for (let z = lo[2]; z < zEnd; z++) {
    const cz = Math.floor((z - lo[2]) / f[2]);
    for (let y = lo[1]; y < yEnd; y++) {
      const r = Math.floor((y - lo[1]) / f[1]) + by * cz;
      const row = bx * r;
      const dst = nx * (y + ny * z);
      for (let cx = from[r], x = lo[0] + cx * f[0]; cx < to[r] && x < xEnd; cx++) {
        const end = Math.min(xEnd, x + f[0]);
        const c = row + cx;
        if (edge[c] !== 0) {
          for (let v = dst + x; v < dst + end; v++) if (accept(data[v] * slope + inter)) { out[v] = 1; count++; }
        } else if (mask[c] !== 0) {
          out.fill(1, dst + x, dst + end);
          count += end - x;
        }
        x = end;
      }
    }
  }
  return count;
}
