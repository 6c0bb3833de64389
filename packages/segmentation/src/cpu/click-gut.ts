import type { LabelGroup } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { BoundedCache } from './bounded-cache.js';
import { blockFactor, boxHolds, cellOf, clickBoxBounds, readBoxMeans, type BoxMeans } from './click-box.js';
import { fillSliceHoles, geodesic, insideDistance2, keepConnected } from './click-geodesic.js';
import type { ClickStrategy, ClassClicks } from './click-strategy.js';
import { ctFingerprint } from './click-refine.js';
import { IntList } from './growable.js';
import { withGrid } from './grid-pool.js';
import { forRowRuns } from './row-runs.js';
import { CLICK_DEFAULTS, segmentFromClicks, type ClickOptions } from './interactive.js';
import type { AxisInfo } from './orientation.js';

/** VISTA3D ids of the hollow organs of the digestive tract. */
export const GUT_CLASSES = { esophagus: 11, stomach: 12, duodenum: 13, smallBowel: 19, colon: 62 } as const;
const GUT_IDS = new Set<number>(Object.values(GUT_CLASSES));

/**
 * Bowel gas: block-mean HU below this. Luminal gas is −1000 HU; a 3 mm cell that is mostly gas stays
 * well below −400, while fat (−100) and faeces (−150…0) stay above it.
 */
const GAS_HU = -400;
/**
 * Lung parenchyma is air with tissue and blood (−700…−850 HU mean); luminal gas is nearly pure air. A gas
 * component larger than LUNG_MIN_ML is lung, not bowel, when its mean is above LUNG_MEAN_HU and fewer
 * than LUNG_MAX_AIR of its cells are pure air (< PURE_AIR_HU): where ≈ 3 mm cells straddle a finer CT's
 * voxels the rim of a gas pocket averages with its wall and lifts its mean to that of lung (colon gas
 * −876 HU on the 3 mm CT, −825 on the same CT upsampled to 512×512×300), but its core stays pure air
 * (53–76 % of its cells, against 0–5 % in the lung bases of both grids).
 */
const LUNG_MEAN_HU = -860;
const LUNG_MIN_ML = 15;
const PURE_AIR_HU = -900;
const LUNG_MAX_AIR = 0.25;

export interface GutOptions {
  /** Options of the general algorithm for the first positive click's region. */
  general: Partial<ClickOptions>;
  /** Whether later positives get their own compact regions (`later`) and negatives cut locally. */
  split: boolean;
  later: Partial<ClickOptions>;
  /** Whether the click's region is extended along the lumen's gas (a gas-filled tube). */
  gasTube: boolean;
  /** Largest gap (mm) of non-gas (faeces, a fold, a collapsed segment) the lumen is followed across. */
  gapMm: number;
  /** Wall added around the lumen's gas (mm): the bowel wall is 1–3 mm thick, one working cell. */
  wallMm: number;
  /** Largest faecal/fluid cross-section (mm²) per slice filled inside the gas and wall. */
  maxHoleMm2: number;
  /** Half-size (mm) of the working box of the gas tube. */
  marginMm: number;
  /** A negative click removes what it reaches first within max(negMinMm, negReach × its depth in the result). */
  negReach: number;
  negMinMm: number;
}

/**
 * The colon is a tube of about 5–9 cm calibre framing the abdomen (caecum up to 9 cm, Cheng et al.'s
 * normal values), usually holding gas and faeces; a click inside follows it. Its first region runs
 * along the tube past a ±60 and a ±120 mm box (both labelled CTs: the growth stops at ±240 mm), so the
 * first box is ±150 mm: two box runs fewer per first click. (The small bowel's region often fits in
 * ±60 mm — the 512×512×300 CT — where a ±150 mm start made its click 5× slower.)
 */
const COLON: GutOptions = {
  general: { maxBalls: 150, reach: 24, alpha: 0.4, marginMm: 150 }, split: true, later: { k: 2, reach: 3 },
  gasTube: true, gapMm: 15, wallMm: 3, maxHoleMm2: 2500, marginMm: 250, negReach: 3, negMinMm: 20,
};
/** Small bowel: a 2.5–3 cm tube, several metres of loops: the region may run far from the click. */
const SMALL_BOWEL: GutOptions = { general: { maxBalls: 150, reach: 24, k: 2 }, split: false, later: {}, gasTube: false, gapMm: 0, wallMm: 0, maxHoleMm2: 0, marginMm: 0, negReach: 3, negMinMm: 20 };
/**
 * Stomach: a thick-walled sac lying on the spleen and the liver's left lobe, all of soft-tissue density
 * on non-contrast CT; their contact is narrow compared with the stomach's depth, so the leak cut opens
 * by 0.7 of the click's depth (the general 0.5 keeps the bridge) and the window is a little narrower.
 * A later positive click (a fundus or antrum part the first region missed) runs 2 of its depths, not 3:
 * at 3 the third click ran into the spleen (0.70 → 0.68 Dice on both labelled CTs; at 2, 0.70 → 0.78).
 */
const STOMACH: GutOptions = { general: { alpha: 0.7, k: 2.25, laterReach: 2 }, split: false, later: {}, gasTube: false, gapMm: 0, wallMm: 0, maxHoleMm2: 0, marginMm: 0, negReach: 3, negMinMm: 20 };
/**
 * Duodenum: a C-shaped tube about 25 cm long and 2.5 cm wide around the pancreatic head, beside the
 * gallbladder and the right kidney: the first region may run only 4 depths from the click (not 8), with
 * the stomach's stricter leak cut.
 */
const DUODENUM: GutOptions = { general: { reach: 4, alpha: 0.7, k: 2 }, split: false, later: {}, gasTube: false, gapMm: 0, wallMm: 0, maxHoleMm2: 0, marginMm: 0, negReach: 3, negMinMm: 20 };
const DEFAULT_GUT: GutOptions = { general: {}, split: false, later: {}, gasTube: false, gapMm: 0, wallMm: 0, maxHoleMm2: 0, marginMm: 0, negReach: 3, negMinMm: 20 };

export function gutOptions(classId: number): GutOptions {
  if (classId === GUT_CLASSES.colon) return COLON;
  if (classId === GUT_CLASSES.smallBowel) return SMALL_BOWEL;
  if (classId === GUT_CLASSES.stomach) return STOMACH;
  if (classId === GUT_CLASSES.duodenum) return DUODENUM;
  return DEFAULT_GUT;
}

/**
 * Clicks in the hollow organs (docs/segmentation-engines.md, "Gut clicks"): the general algorithm
 * gives the click's own region (wall, fluid, faeces around it); for the colon the lumen's gas, which is
 * a connected tube, is then followed from that region across short gaps, with a wall shell and the
 * faeces enclosed per slice; negative clicks cut the result by competitive geodesic growth.
 */
export function segmentGut(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number {
  const o = gutOptions(clicks.classId);
  if (!o.split) {
    const count = segmentFromClicks(ct, axes, clicks.points, clicks.labels, out, o.general);
    return addGasPockets(ct, axes, clicks, out, count);
  }
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) { out.fill(0); return 0; }
  const fp = ctFingerprint(ct);
  // The first click's region may run along the tube; later positives add the compact segment they are in.
  firstRegion(ct, axes, fp, clicks.classId, pos[0], o.general, out);
  if (pos.length > 1) {
    withGrid(out.length, (later) => {
      segmentFromClicks(ct, axes, pos.slice(1), pos.slice(1).map(() => 1), later, o.later);
      forRowRuns(later, ct.dims[0], (s, e) => { out.fill(1, s, e); });
    });
  }
  const { box, gas } = gasBox(ct, axes, fp, clicks.points, o);
  const posCells = pos.map((p) => cellOf(box, p));
  const base = cellsOfMask(out, ct.dims, box);
  const ext = o.gasTube ? gasTube(box, axes, gas, base, posCells, o) : new Uint8Array(base.length);
  if (neg.length > 0) {
    const keep = ext.slice();
    for (let i = 0; i < keep.length; i++) if (base[i] !== 0) keep[i] = 1;
    cutByNegatives(keep, box, posCells, neg.map((p) => cellOf(box, p)), o);
    for (let i = 0; i < keep.length; i++) {
      if (keep[i] === 0 && ext[i] !== 0) ext[i] = 0;
      // Removed from the positive regions too.
      base[i] = base[i] !== 0 || ext[i] !== 0 ? 1 - keep[i] : 0;
    }
    fillCells(base, box, ct.dims, out, 0);
  }
  fillCells(ext, box, ct.dims, out, 1);
  const [nx, ny] = ct.dims;
  for (const p of neg) out[p[0] + nx * (p[1] + ny * p[2])] = 0;
  for (const p of pos) out[p[0] + nx * (p[1] + ny * p[2])] = 1;
  let count = 0;
  forRowRuns(out, nx, (s, e) => { count += e - s; });
  return count;
}

/**
 * A later positive click's gas pocket: the bowel-gas components of a ±90 mm box around it, a wall of 4.5 mm
 * (the gastric wall is 3–5 mm, and the pocket's rim cells are part wall at 3 mm: 3 mm gave stomach 0.82 / 0.85
 * after 5 clicks, 4.5 mm 0.86 / 0.87, 7.5 mm lost on the gut group after 4) and the holes they enclose per slice.
 */
const POCKET: GutOptions = { ...DEFAULT_GUT, marginMm: 90, wallMm: 4.5, maxHoleMm2: 2500 };

/**
 * A later positive click on luminal gas of a gut class without a gas tube (stomach, duodenum, small
 * bowel): the general algorithm's window around a gas click is the gas alone and its reach a few of
 * its depths, so the fundus's gas cap or a gas-filled loop came a handful of voxels at a time. The
 * click's bowel-gas component (not outside air, not lung; a wall of ≥ −400 HU cells bounds it) is
 * added with a wall shell, unless a negative click lies in it.
 */
function addGasPockets(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array, count: number): number {
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1).slice(1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) return count;
  const fp = ctFingerprint(ct);
  let added = false;
  for (const p of pos) {
    const { box, gas } = gasBox(ct, axes, fp, [p], POCKET);
    const c = cellOf(box, p);
    const k = gas.label[c];
    if (k === 0 || gas.bowel[k] === 0) continue;
    if (neg.some((q) => boxHolds(box, q) && gas.label[cellOf(box, q)] === k)) continue;
    const n = gas.label.length;
    const pocket = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (gas.label[i] === k) pocket[i] = 1;
    fillCells(wallAndContents(pocket, box, axes, POCKET, null), box, ct.dims, out, 1);
    added = true;
  }
  if (!added) return count;
  const [nx, ny] = ct.dims;
  for (const q of neg) out[q[0] + nx * (q[1] + ny * q[2])] = 0;
  let total = 0;
  forRowRuns(out, nx, (a, b) => { total += b - a; });
  return total;
}

/** A full-resolution mask as its runs of set voxels: [start, end) pairs of voxel indices. */
function runsOf(mask: Uint8Array, nx: number): Int32Array {
  const runs = new IntList();
  forRowRuns(mask, nx, (s, e) => { runs.push(s); runs.push(e); });
  return runs.data.slice(0, runs.length);
}

/**
 * First positive clicks' regions (the general algorithm from that click alone, its runs), per CT
 * fingerprint, class, click and options: clicks 2..k of a colon would recompute the same region
 * (up to three boxes of ±240 mm, most of a click's time), which depends on nothing else. Oldest go first.
 */
const firstRegions = new BoundedCache<Int32Array>(32 * 2 ** 20, (runs) => runs.byteLength);

/** Empties the first regions and gas boxes kept (a benchmark or test that times a click must not time a cache hit). */
export function clearGutCaches(): void {
  firstRegions.clear();
  gasBoxes.clear();
}

/** out = the first click's region (cleared first); from the cache when this CT, class, click and options were seen. */
function firstRegion(ct: Volume, axes: AxisInfo, fp: string, classId: number, p: Vec3, options: Partial<ClickOptions>, out: Uint8Array): void {
  // The options as they will be used: the defaults are mutable (bench/clicks/tune.ts sets them).
  const key = `${fp}|${classId}|${p.join(',')}|${axes.siAxis}|${JSON.stringify({ ...CLICK_DEFAULTS, ...options })}`;
  const known = firstRegions.get(key);
  if (known !== undefined) {
    out.fill(0);
    for (let r = 0; r < known.length; r += 2) out.fill(1, known[r], known[r + 1]);
    return;
  }
  segmentFromClicks(ct, axes, [p], [1], out, options);
  const runs = runsOf(out, ct.dims[0]);
  firstRegions.set(key, runs);
}

/**
 * The colon's working box (±marginMm around all clicks: for a whole-abdomen margin the same box for
 * every click) and its bowel-gas components, per CT fingerprint and box; the last two are kept.
 */
const gasBoxes = new BoundedCache<{ box: BoxMeans; gas: BowelGas }>(2, () => 1);

function gasBox(ct: Volume, axes: AxisInfo, fp: string, points: readonly Vec3[], o: GutOptions): { box: BoxMeans; gas: BowelGas } {
  const f = blockFactor(ct, o.general.workMm ?? 3);
  const { lo, dims } = clickBoxBounds(ct, points, o.marginMm, f);
  const key = `${fp}|${axes.siAxis}|${f.join(',')}|${lo.join(',')}|${dims.join(',')}`;
  const known = gasBoxes.peek(key);
  if (known !== undefined) return known;
  // Gas and its components need the block means only, not the smoothed copy.
  const box = readBoxMeans(ct, points, o.marginMm, f);
  const entry = { box, gas: bowelGas(box, axes) };
  gasBoxes.set(key, entry);
  return entry;
}

/** Full-resolution voxels per cell along one axis of the box (cells at the volume's end are cut). */
function voxelsPerCell(box: BoxMeans, dims: Vec3, a: number): Int32Array {
  return Int32Array.from({ length: box.dims[a] }, (_v, c) => Math.max(0, Math.min(box.f[a], dims[a] - box.lo[a] - c * box.f[a])));
}

/** Sets (value 1) or clears (0) every voxel of the marked cells; a row's consecutive marked cells are filled as one run. */
function fillCells(cells: Uint8Array, box: BoxMeans, dims: Vec3, out: Uint8Array, value: 0 | 1): void {
  const [bx, by, bz] = box.dims;
  const [nx, ny] = dims;
  const { lo, f } = box;
  const [vy, vz] = [voxelsPerCell(box, dims, 1), voxelsPerCell(box, dims, 2)];
  const xEnd = Math.min(nx, lo[0] + bx * f[0]);
  for (let cz = 0; cz < bz; cz++) for (let cy = 0; cy < by; cy++) {
    const row = bx * (cy + by * cz);
    for (let cx = 0; cx < bx; cx++) {
      if (cells[row + cx] === 0) continue;
      const c0 = cx;
      while (cx + 1 < bx && cells[row + cx + 1] !== 0) cx++;
      const x0 = lo[0] + c0 * f[0];
      const x1 = Math.min(xEnd, lo[0] + (cx + 1) * f[0]);
      for (let k = 0; k < vz[cz]; k++) for (let j = 0; j < vy[cy]; j++) {
        const src = nx * (lo[1] + cy * f[1] + j + ny * (lo[2] + cz * f[2] + k));
        out.fill(value, src + x0, src + x1);
      }
    }
  }
}

/** Cells of the box holding at least half of their voxels in the (0/1) mask, from the mask's runs. */
function cellsOfMask(mask: Uint8Array, dims: Vec3, box: BoxMeans): Uint8Array {
  const n = box.dims[0] * box.dims[1] * box.dims[2];
  const [bx, by] = box.dims;
  const [nx, ny] = dims;
  const { lo, f } = box;
  const hits = new Uint16Array(n);
  const xEnd = Math.min(nx, lo[0] + bx * f[0]);
  const yEnd = Math.min(ny, lo[1] + by * f[1]);
  const zEnd = Math.min(dims[2], lo[2] + box.dims[2] * f[2]);
  forRowRuns(mask, nx, (s, e) => {
    const x = s % nx;
    const r = (s - x) / nx;
    const y = r % ny;
    const z = (r - y) / ny;
    if (y < lo[1] || y >= yEnd || z < lo[2] || z >= zEnd) return;
    const row = bx * (Math.floor((y - lo[1]) / f[1]) + by * Math.floor((z - lo[2]) / f[2]));
    const end = Math.min(xEnd, x + e - s);
    for (let i = Math.max(x, lo[0]); i < end; i++) hits[row + Math.floor((i - lo[0]) / f[0])]++;
  });
  const [vx, vy, vz] = [voxelsPerCell(box, dims, 0), voxelsPerCell(box, dims, 1), voxelsPerCell(box, dims, 2)];
  const cells = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const total = vx[i % bx] * vy[Math.floor(i / bx) % by] * vz[Math.floor(i / (bx * by))];
    cells[i] = total > 0 && 2 * hits[i] >= total ? 1 : 0;
  }
  return cells;
}

/** 6-connected components of a mask: label per cell (0 = none) and the count. */
function labelComponents(mask: Uint8Array, dims: Vec3): { label: Int32Array; count: number } {
  const [bx, by, bz] = dims;
  const sxy = bx * by;
  const label = new Int32Array(mask.length);
  const stack = new Int32Array(mask.length);
  let count = 0;
  for (let s = 0; s < mask.length; s++) {
    if (mask[s] === 0 || label[s] !== 0) continue;
    label[s] = ++count;
    let top = 0;
    stack[top++] = s;
    while (top > 0) {
      const v = stack[--top];
      const x = v % bx;
      const y = Math.floor(v / bx) % by;
      const z = Math.floor(v / sxy);
      // Neighbours inline: no closure allocated per popped cell.
      if (x > 0 && mask[v - 1] !== 0 && label[v - 1] === 0) { label[v - 1] = count; stack[top++] = v - 1; }
      if (x < bx - 1 && mask[v + 1] !== 0 && label[v + 1] === 0) { label[v + 1] = count; stack[top++] = v + 1; }
      if (y > 0 && mask[v - bx] !== 0 && label[v - bx] === 0) { label[v - bx] = count; stack[top++] = v - bx; }
      if (y < by - 1 && mask[v + bx] !== 0 && label[v + bx] === 0) { label[v + bx] = count; stack[top++] = v + bx; }
      if (z > 0 && mask[v - sxy] !== 0 && label[v - sxy] === 0) { label[v - sxy] = count; stack[top++] = v - sxy; }
      if (z < bz - 1 && mask[v + sxy] !== 0 && label[v + sxy] === 0) { label[v + sxy] = count; stack[top++] = v + sxy; }
    }
  }
  return { label, count };
}

/**
 * Gas components that are bowel: not outside air (touching an in-plane face of the scan) and not lung
 * (large, with the mean HU of parenchyma and few cells of pure air).
 */
interface BowelGas {
  /** Gas component per cell (0 = none). */
  label: Int32Array;
  /** Per component: 1 when it is bowel gas. */
  bowel: Uint8Array;
}

function bowelGas(box: BoxMeans, axes: AxisInfo): BowelGas {
  const n = box.hu.length;
  const gas = new Uint8Array(n);
  for (let i = 0; i < n; i++) gas[i] = box.hu[i] < GAS_HU ? 1 : 0;
  const { label, count } = labelComponents(gas, box.dims);
  const size = new Float64Array(count + 1);
  const sum = new Float64Array(count + 1);
  const outside = new Uint8Array(count + 1);
  const air = new Float64Array(count + 1);
  const [bx, by, bz] = box.dims;
  // Per axis, whether a cell at this position lies on an in-plane face of the scan (outside air
  // touches it); positions from the loop counters, not divisions per cell (half the box is gas).
  const face = [0, 1, 2].map((a) => Uint8Array.from({ length: box.dims[a] }, (_v, c) =>
    a !== axes.siAxis && ((c === 0 && box.atEdge[2 * a]) || (c === box.dims[a] - 1 && box.atEdge[2 * a + 1])) ? 1 : 0));
  const [fx, fy, fz] = face;
  for (let z = 0, i = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++, i++) {
    const k = label[i];
    if (k === 0) continue;
    size[k]++;
    sum[k] += box.hu[i];
    if (box.hu[i] < PURE_AIR_HU) air[k]++;
    if (fx[x] !== 0 || fy[y] !== 0 || fz[z] !== 0) outside[k] = 1;
  }
  const cellMl = (box.spacing[0] * box.spacing[1] * box.spacing[2]) / 1000;
  const bowel = new Uint8Array(count + 1);
  for (let k = 1; k <= count; k++) {
    const lung = size[k] * cellMl >= LUNG_MIN_ML && sum[k] / size[k] > LUNG_MEAN_HU && air[k] < LUNG_MAX_AIR * size[k];
    bowel[k] = outside[k] === 0 && !lung ? 1 : 0;
  }
  return { label, bowel };
}

/**
 * The lumen followed from the click's region: bowel-gas components touching it, then every bowel-gas
 * component within gapMm of those already taken (0-1 BFS: gas steps are free, other steps cost one
 * cell), plus a wall shell and, per slice, the holes the gas and wall enclose (faeces, fluid).
 */
function gasTube(box: BoxMeans, axes: AxisInfo, gas: BowelGas, base: Uint8Array, posCells: number[], o: GutOptions): Uint8Array {
  const n = box.hu.length;
  const { label, bowel } = gas;
  const [bx, by, bz] = box.dims;
  const sxy = bx * by;
  const step = Math.min(...box.spacing);
  const maxGap = Math.max(1, Math.round(o.gapMm / step));
  const dist = new Uint8Array(n).fill(255);
  // Deque of cells for the 0-1 BFS.
  const dq = new Int32Array(2 * n + 2);
  let head = n + 1;
  let tail = n + 1;
  const isGas = (v: number): boolean => label[v] !== 0 && bowel[label[v]] !== 0;
  for (let i = 0; i < n; i++) if (base[i] !== 0) { dist[i] = 0; dq[tail++] = i; }
  for (const c of posCells) if (dist[c] !== 0) { dist[c] = 0; dq[tail++] = c; }
  // One function for the whole search, not a closure allocated per popped cell.
  const relax = (d: number, w: number): void => {
    const nd = isGas(w) ? 0 : d + 1;
    if (nd > maxGap || nd >= dist[w]) return;
    dist[w] = nd;
    if (nd === 0) dq[--head] = w;
    else dq[tail++] = w;
  };
  while (head < tail) {
    const v = dq[head++];
    const d = dist[v];
    const x = v % bx;
    const y = Math.floor(v / bx) % by;
    const z = Math.floor(v / sxy);
    if (x > 0) relax(d, v - 1);
    if (x < bx - 1) relax(d, v + 1);
    if (y > 0) relax(d, v - bx);
    if (y < by - 1) relax(d, v + bx);
    if (z > 0) relax(d, v - sxy);
    if (z < bz - 1) relax(d, v + sxy);
  }
  const tube = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (dist[i] === 0 && isGas(i)) tube[i] = 1;
  const shell = wallAndContents(tube, box, axes, o, base);
  for (let i = 0; i < n; i++) if (base[i] !== 0) shell[i] = 0;
  void bz;
  return shell;
}

/**
 * The gas with its wall (cells within wallMm of it) and, per axial slice, what gas, wall and the
 * optional base region enclose up to maxHoleMm2 (faeces, fluid).
 */
function wallAndContents(gas: Uint8Array, box: BoxMeans, axes: AxisInfo, o: GutOptions, base: Uint8Array | null): Uint8Array {
  const shell = dilateCells(gas, box.dims, Math.max(1, Math.round(o.wallMm / Math.min(...box.spacing))));
  if (base) for (let i = 0; i < shell.length; i++) if (base[i] !== 0) shell[i] = 1;
  const pixel = box.spacing.filter((_s, a) => a !== axes.siAxis).reduce((a, b) => a * b, 1);
  fillSliceHoles(shell, box.dims, axes.siAxis, o.maxHoleMm2 / pixel);
  return shell;
}

/** Dilation by r cells (6-neighbour steps, a diamond). */
function dilateCells(mask: Uint8Array, dims: Vec3, r: number): Uint8Array {
  let cur = mask.slice();
  const [bx, by, bz] = dims;
  const sxy = bx * by;
  for (let k = 0; k < r; k++) {
    const next = cur.slice();
    for (let v = 0; v < cur.length; v++) {
      if (cur[v] === 0) continue;
      const x = v % bx;
      const y = Math.floor(v / bx) % by;
      const z = Math.floor(v / sxy);
      if (x > 0) next[v - 1] = 1;
      if (x < bx - 1) next[v + 1] = 1;
      if (y > 0) next[v - bx] = 1;
      if (y < by - 1) next[v + bx] = 1;
      if (z > 0) next[v - sxy] = 1;
      if (z < bz - 1) next[v + sxy] = 1;
    }
    cur = next;
  }
  return cur;
}

/**
 * Competitive geodesic growth inside the mask from every click (geodesic Voronoi, Bai & Sapiro 2007),
 * kept local: a negative click removes the cells it reaches before any positive click and within
 * negReach × its own depth in the mask (at least negMinMm) — the leak it sits in, not the far half of
 * a tube; what no positive click still reaches goes too.
 */
function cutByNegatives(mask: Uint8Array, box: BoxMeans, posCells: number[], negCells: number[], o: GutOptions): void {
  const n = mask.length;
  const fac = new Float32Array(n);
  for (let i = 0; i < n; i++) fac[i] = mask[i] !== 0 ? 1 : Infinity;
  for (const c of [...posCells, ...negCells]) fac[c] = 1;
  const fromPos = geodesic(box.dims, box.spacing, fac, posCells, Infinity, n).dist;
  const d2 = insideDistance2(mask, box.dims, box.spacing);
  for (const c of negCells) {
    const reach = Math.max(o.negMinMm, o.negReach * Math.sqrt(Math.min(d2[c], 1e8)));
    const fromNeg = geodesic(box.dims, box.spacing, fac, [c], reach, n).dist;
    for (let i = 0; i < n; i++) if (mask[i] !== 0 && fromNeg[i] <= fromPos[i]) mask[i] = 0;
  }
  keepConnected(mask, box.dims, posCells);
}

export const GUT_STRATEGY: ClickStrategy = {
  name: 'gut',
  handles: (classId: number, _group: LabelGroup) => GUT_IDS.has(classId),
  segment: segmentGut,
  // The colon lost (0.80 → 0.75 after 5 clicks on the 30-slice CT), and its box on a 512×512×300 CT is 40 M voxels.
  smooth: (classId: number) => classId !== GUT_CLASSES.colon,
};
