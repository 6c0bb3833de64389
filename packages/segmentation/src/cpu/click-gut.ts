import type { LabelGroup } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { blockFactor, cellOf, readClickBox, type ClickBox } from './click-box.js';
import { fillSliceHoles, geodesic, insideDistance2, keepConnected } from './click-geodesic.js';
import type { ClickStrategy, ClassClicks } from './click-strategy.js';
import { segmentFromClicks, type ClickOptions } from './interactive.js';
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
 * Lung parenchyma is air with tissue and blood (−700…−850 HU mean); luminal gas is nearly pure air
 * (below −900 once a pocket is larger than a few cells). A gas component larger than LUNG_MIN_ML whose
 * mean is above LUNG_MEAN_HU is lung, not bowel.
 */
const LUNG_MEAN_HU = -860;
const LUNG_MIN_ML = 15;

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
 * normal values), usually holding gas and faeces; a click inside follows it.
 */
const COLON: GutOptions = {
  general: { maxBalls: 150, reach: 24, alpha: 0.4 }, split: true, later: { k: 2, reach: 3 },
  gasTube: true, gapMm: 15, wallMm: 3, maxHoleMm2: 2500, marginMm: 250, negReach: 3, negMinMm: 20,
};
/** Small bowel: a 2.5–3 cm tube, several metres of loops: the region may run far from the click. */
const SMALL_BOWEL: GutOptions = { general: { maxBalls: 150, reach: 24, k: 2 }, split: false, later: {}, gasTube: false, gapMm: 0, wallMm: 0, maxHoleMm2: 0, marginMm: 0, negReach: 3, negMinMm: 20 };
/**
 * Stomach: a thick-walled sac lying on the spleen and the liver's left lobe, all of soft-tissue density
 * on non-contrast CT; their contact is narrow compared with the stomach's depth, so the leak cut opens
 * by 0.7 of the click's depth (the general 0.5 keeps the bridge) and the window is a little narrower.
 */
const STOMACH: GutOptions = { general: { alpha: 0.7, k: 2.25 }, split: false, later: {}, gasTube: false, gapMm: 0, wallMm: 0, maxHoleMm2: 0, marginMm: 0, negReach: 3, negMinMm: 20 };
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
  if (!o.split) return segmentFromClicks(ct, axes, clicks.points, clicks.labels, out, o.general);
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) { out.fill(0); return 0; }
  // The first click's region may run along the tube; later positives add the compact segment they are in.
  segmentFromClicks(ct, axes, pos.slice(0, 1), [1], out, o.general);
  if (pos.length > 1) {
    const later = new Uint8Array(out.length);
    segmentFromClicks(ct, axes, pos.slice(1), pos.slice(1).map(() => 1), later, o.later);
    for (let i = 0; i < out.length; i++) out[i] |= later[i];
  }
  const box = readClickBox(ct, clicks.points, o.marginMm, blockFactor(ct, o.general.workMm ?? 3));
  const posCells = pos.map((p) => cellOf(box, p));
  const base = cellsOfMask(out, ct.dims, box);
  const ext = o.gasTube ? gasTube(box, axes, base, posCells, o) : new Uint8Array(base.length);
  if (neg.length > 0) {
    const keep = ext.slice();
    for (let i = 0; i < keep.length; i++) if (base[i] !== 0) keep[i] = 1;
    cutByNegatives(keep, box, posCells, neg.map((p) => cellOf(box, p)), o);
    for (let i = 0; i < keep.length; i++) {
      if (keep[i] === 0 && ext[i] !== 0) ext[i] = 0;
      // Removed from the positive regions too.
      base[i] = base[i] !== 0 || ext[i] !== 0 ? 1 - keep[i] : 0;
    }
    clearCells(base, box, ct.dims, out);
  }
  paintCells(ext, box, ct.dims, out);
  const [nx, ny] = ct.dims;
  for (const p of neg) out[p[0] + nx * (p[1] + ny * p[2])] = 0;
  for (const p of pos) out[p[0] + nx * (p[1] + ny * p[2])] = 1;
  let count = 0;
  for (let i = 0; i < out.length; i++) count += out[i];
  return count;
}

/** Cell of every full-resolution voxel of the box, per axis (the cell index is their sum). */
function cellIndex(box: ClickBox, dims: Vec3): { xs: Int32Array; ys: Int32Array; zs: Int32Array } {
  const axis = (a: number, stride: number): Int32Array => {
    const len = Math.max(0, Math.min(dims[a], box.lo[a] + box.dims[a] * box.f[a]) - box.lo[a]);
    return Int32Array.from({ length: len }, (_v, i) => stride * Math.floor(i / box.f[a]));
  };
  return { xs: axis(0, 1), ys: axis(1, box.dims[0]), zs: axis(2, box.dims[0] * box.dims[1]) };
}

/** Calls fn(cell, voxel) for every full-resolution voxel of the box. */
function forBoxVoxels(box: ClickBox, dims: Vec3, fn: (cell: number, voxel: number) => void): void {
  const { xs, ys, zs } = cellIndex(box, dims);
  const [nx, ny] = dims;
  const { lo } = box;
  for (let k = 0; k < zs.length; k++) for (let j = 0; j < ys.length; j++) {
    const row = zs[k] + ys[j];
    const src = nx * (lo[1] + j + ny * (lo[2] + k)) + lo[0];
    for (let i = 0; i < xs.length; i++) fn(row + xs[i], src + i);
  }
}

/** Clears every voxel of the marked cells. */
function clearCells(cells: Uint8Array, box: ClickBox, dims: Vec3, out: Uint8Array): void {
  forBoxVoxels(box, dims, (c, v) => { if (cells[c] !== 0) out[v] = 0; });
}

/** Sets every voxel of the marked cells. */
function paintCells(cells: Uint8Array, box: ClickBox, dims: Vec3, out: Uint8Array): void {
  forBoxVoxels(box, dims, (c, v) => { if (cells[c] !== 0) out[v] = 1; });
}

/** Cells of the box holding at least half of their voxels in the mask. */
function cellsOfMask(mask: Uint8Array, dims: Vec3, box: ClickBox): Uint8Array {
  const n = box.dims[0] * box.dims[1] * box.dims[2];
  const hits = new Uint16Array(n);
  const total = new Uint16Array(n);
  forBoxVoxels(box, dims, (c, v) => { total[c]++; hits[c] += mask[v]; });
  const cells = new Uint8Array(n);
  for (let i = 0; i < n; i++) cells[i] = total[i] > 0 && 2 * hits[i] >= total[i] ? 1 : 0;
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
 * (large and with the mean HU of parenchyma).
 */
function bowelGas(box: ClickBox, axes: AxisInfo): { label: Int32Array; bowel: Uint8Array } {
  const n = box.hu.length;
  const gas = new Uint8Array(n);
  for (let i = 0; i < n; i++) gas[i] = box.hu[i] < GAS_HU ? 1 : 0;
  const { label, count } = labelComponents(gas, box.dims);
  const size = new Float64Array(count + 1);
  const sum = new Float64Array(count + 1);
  const outside = new Uint8Array(count + 1);
  const [bx, by] = box.dims;
  const strides = [1, bx, bx * by];
  for (let i = 0; i < n; i++) {
    const k = label[i];
    if (k === 0) continue;
    size[k]++;
    sum[k] += box.hu[i];
    for (let a = 0; a < 3; a++) {
      if (a === axes.siAxis) continue;
      const c = Math.floor(i / strides[a]) % box.dims[a];
      if ((c === 0 && box.atEdge[2 * a]) || (c === box.dims[a] - 1 && box.atEdge[2 * a + 1])) outside[k] = 1;
    }
  }
  const cellMl = (box.spacing[0] * box.spacing[1] * box.spacing[2]) / 1000;
  const bowel = new Uint8Array(count + 1);
  for (let k = 1; k <= count; k++) {
    const lung = size[k] * cellMl >= LUNG_MIN_ML && sum[k] / size[k] > LUNG_MEAN_HU;
    bowel[k] = outside[k] === 0 && !lung ? 1 : 0;
  }
  return { label, bowel };
}

/**
 * The lumen followed from the click's region: bowel-gas components touching it, then every bowel-gas
 * component within gapMm of those already taken (0-1 BFS: gas steps are free, other steps cost one
 * cell), plus a wall shell and, per slice, the holes the gas and wall enclose (faeces, fluid).
 */
function gasTube(box: ClickBox, axes: AxisInfo, base: Uint8Array, posCells: number[], o: GutOptions): Uint8Array {
  const n = box.hu.length;
  const { label, bowel } = bowelGas(box, axes);
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
  // Wall shell: cells within wallMm of the gas.
  const wall = Math.max(1, Math.round(o.wallMm / step));
  const shell = dilateCells(tube, box.dims, wall);
  for (let i = 0; i < n; i++) if (base[i] !== 0) shell[i] = 1;
  const pixel = box.spacing.filter((_s, a) => a !== axes.siAxis).reduce((a, b) => a * b, 1);
  fillSliceHoles(shell, box.dims, axes.siAxis, o.maxHoleMm2 / pixel);
  for (let i = 0; i < n; i++) if (base[i] !== 0) shell[i] = 0;
  void bz;
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
function cutByNegatives(mask: Uint8Array, box: ClickBox, posCells: number[], negCells: number[], o: GutOptions): void {
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
};
