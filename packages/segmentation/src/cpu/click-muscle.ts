// Clicks on a muscle (docs/segmentation-engines.md, "Muscle clicks"): geodesic growth on the ≈ 3 mm grid
// whose step cost rises with fat content and the HU gradient (fat planes between muscles are only partly
// visible), with fat, bone and the other side of the body as barriers and steps along the body axis
// cheaper (muscles run along it), stopped where the region grows slowest within the muscle's typical
// adult volume clipped to the field of view; later clicks compete as geodesic seeds.
import { labelById } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { blockFactor, cellOf, neighbourMedianHu, readClickBox, type ClickBox } from './click-box.js';
import { geodesic } from './click-geodesic.js';
import type { ClassClicks, ClickStrategy } from './click-strategy.js';
import { bodyMidlineIndex, sideOf } from './click-side.js';
import { writeBack } from './interactive.js';
import { pinClicks } from './click-pin.js';
import type { AxisInfo } from './orientation.js';

/** Typical adult muscle: volume (mL) and length along the body axis (mm). */
interface MusclePrior {
  volumeMl: number;
  lengthMm: number;
}

/**
 * Typical adult volumes and lengths (MRI volumetry of the lower limb, Handsfield et al. 2014,
 * J Biomech 47:631; lumbar paraspinal cross-sections of 20–30 cm² per side over a spine of ≈ 50 cm).
 * Only the upper bound of a click's region comes from these (clipped to the field of view).
 */
const PRIORS: Array<[RegExp, MusclePrior]> = [
  [/gluteus maximus/, { volumeMl: 850, lengthMm: 220 }],
  [/gluteus medius/, { volumeMl: 360, lengthMm: 160 }],
  [/gluteus minimus/, { volumeMl: 120, lengthMm: 110 }],
  [/iliopsoas/, { volumeMl: 480, lengthMm: 400 }],
  [/autochthon/, { volumeMl: 900, lengthMm: 500 }],
  [/quadriceps/, { volumeMl: 1900, lengthMm: 420 }],
  [/sartorius/, { volumeMl: 160, lengthMm: 500 }],
  [/thigh/, { volumeMl: 1000, lengthMm: 380 }],
];
const DEFAULT_PRIOR: MusclePrior = { volumeMl: 500, lengthMm: 300 };

export interface MuscleOptions {
  /** Step cost: 1 + dark·(how far a cell is below the click's level towards fat)² + grad·(local HU gradient / 50)². */
  dark: number;
  grad: number;
  /** The smallest region, as a fraction of the prior's upper bound. */
  minFraction: number;
  /** The upper bound, in multiples of the prior (clipped to the field of view). */
  maxFraction: number;
  /** Width (in ln distance) over which the growth rate is measured. */
  window: number;
  /** In-plane half-size (mm) of the working box around the clicks. */
  planeMm: number;
  /** A cell is fat (a barrier) below level + cut·(fat − level). */
  cut: number;
  /** Step length along the body axis, relative to its mm (muscles run along it). */
  siScale: number;
  /** A later positive click reaches this fraction of the first one's stop distance. */
  laterReach: number;
  /**
   * Positive clicks own a core: a cell goes to a negative click only if nearer to it by this fraction
   * of the negative's own distance from the positives (a weighted geodesic Voronoi split).
   */
  core: number;
}

export const MUSCLE_DEFAULTS: MuscleOptions = { dark: 40, grad: 40, minFraction: 0.4, maxFraction: 1, window: 0.15, planeMm: 70, cut: 0.5, siScale: 0.3, laterReach: 0.85, core: 0.6 };

/** Fat (HU) — the planes between muscles; bone from BONE_HU (cortex, trabeculae). */
const FAT_HU = -100;
const BONE_HU = 150;

function priorOf(classId: number): MusclePrior {
  const name = labelById(classId)?.name ?? '';
  return PRIORS.find(([re]) => re.test(name))?.[1] ?? DEFAULT_PRIOR;
}

/** The midline is the centroid of tissue above this (HU) in the click's slice. */
const MIDLINE_TISSUE_HU = -300;

/** Median raw cell HU around a cell (3×3×3), soft tissue only (40 HU when there is none). */
function levelAt(box: ClickBox, cell: number): number {
  const level = neighbourMedianHu(box, cell, (i) => box.hu[i] > FAT_HU / 2 && box.hu[i] < BONE_HU);
  return Number.isNaN(level) ? 40 : level;
}

/** Per-cell step-cost factor (Infinity: fat, bone, air, the wrong side). */
function muscleFactor(box: ClickBox, level: number, lrAxis: number, keepBelow: number, keepAbove: number, o: MuscleOptions): Float32Array {
  const [bx, by] = box.dims;
  const strides = [1, bx, bx * by];
  const n = box.hu.length;
  const { hu, smooth } = box;
  const fatCut = level + o.cut * (FAT_HU - level);
  const span = Math.max(20, level - fatCut);
  const fac = new Float32Array(n);
  const sl = strides[lrAxis];
  const len = box.dims[lrAxis];
  for (let i = 0; i < n; i++) {
    const h = hu[i];
    const k = Math.floor(i / sl) % len;
    if (h < fatCut || smooth[i] >= BONE_HU || h >= BONE_HU + 50 || k < keepAbove || k > keepBelow) { fac[i] = Infinity; continue; }
    let g = 0;
    for (let a = 0; a < 3; a++) {
      const s = strides[a];
      const q = Math.floor(i / s) % box.dims[a];
      const lo = q > 0 ? hu[i - s] : h;
      const hi = q < box.dims[a] - 1 ? hu[i + s] : h;
      g = Math.max(g, Math.abs(hi - lo) / 2);
    }
    const dark = Math.max(0, level - h) / span;
    fac[i] = 1 + o.dark * dark * dark + o.grad * (g / 50) ** 2;
  }
  return fac;
}

interface MuscleGrowth {
  box: ClickBox;
  /** Step lengths (mm, the body axis shortened). */
  steps: Vec3;
  fac: Float32Array;
  posCells: number[];
  negCells: number[];
  /** The first click's growth order and distances (the click alone: it sets how far every click reaches). */
  order: Int32Array;
  dist: Float32Array;
  count: number;
  minCells: number;
  maxCells: number;
  /** The first click's growth reached every cell it could (barriers all round) before its cap. */
  exhausted: boolean;
  level: number;
  /** The left–right axis and the cells kept along it (this side of the midline), for later clicks' step costs. */
  lr: number;
  keepBelow: number;
  keepAbove: number;
}

/** The working box, the step costs and the first click's geodesic growth; the caller picks how far. */
function growMuscle(ct: Volume, axes: AxisInfo, clicks: ClassClicks, o: MuscleOptions): MuscleGrowth | null {
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) return null;
  const prior = priorOf(clicks.classId);
  const si = axes.siAxis;
  const lr = axes.lrAxis;
  // Box: ±planeMm in the plane, along the body axis ±0.6 of the muscle's length (the first click is
  // taken as its belly's middle; later clicks carry the box with them).
  const extra = Math.max(0, Math.ceil((0.6 * prior.lengthMm - o.planeMm) / ct.spacing[si]));
  const reach = pos.flatMap((p) => {
    const up = [...p] as Vec3;
    const down = [...p] as Vec3;
    up[si] = Math.min(ct.dims[si] - 1, p[si] + extra);
    down[si] = Math.max(0, p[si] - extra);
    return [up, down];
  });
  const f = blockFactor(ct, 3);
  const box = readClickBox(ct, [...clicks.points, ...reach], o.planeMm, f);
  // The side from the name: cells beyond the midline (towards the other side) are out.
  const side = sideOf(clicks.classId);
  let keepAbove = 0;
  let keepBelow = box.dims[lr] - 1;
  if (side !== 0) {
    const mid = (bodyMidlineIndex(ct, axes, pos[0], MIDLINE_TISSUE_HU) - box.lo[lr]) / box.f[lr];
    // Towards the patient's right is +towardsRight along the LR axis.
    const rightIsUp = axes.towardsRight * side > 0;
    if (rightIsUp) keepAbove = Math.max(0, Math.ceil(mid)); else keepBelow = Math.min(box.dims[lr] - 1, Math.floor(mid));
  }
  const posCells = pos.map((p) => cellOf(box, p));
  const negCells = neg.map((p) => cellOf(box, p));
  const level = levelAt(box, posCells[0]);
  const fac = muscleFactor(box, level, lr, keepBelow, keepAbove, o);
  for (const c of posCells) if (!(fac[c] < Infinity)) fac[c] = 1;
  const cellMl = (box.spacing[0] * box.spacing[1] * box.spacing[2]) / 1000;
  // The part of the muscle in the field of view, taking the first click as the middle of its belly
  // (where a muscle is thickest) and its cross-section as even along its length.
  const below = (pos[0][si] + 0.5) * ct.spacing[si];
  const above = (ct.dims[si] - pos[0][si] - 0.5) * ct.spacing[si];
  const half = prior.lengthMm / 2;
  const visible = (Math.min(half, below) + Math.min(half, above)) / prior.lengthMm;
  const maxMl = o.maxFraction * prior.volumeMl * visible;
  const maxCells = Math.max(8, Math.ceil(maxMl / cellMl));
  const steps = box.spacing.map((s, a) => (a === si ? s * o.siScale : s)) as Vec3;
  const cap = Math.ceil(maxCells * 1.05);
  const g = geodesic(box.dims, steps, fac, [posCells[0]], Infinity, cap);
  return { box, steps, fac, posCells, negCells, order: g.order, dist: g.dist, count: g.count, minCells: Math.ceil(o.minFraction * maxCells), maxCells, exhausted: g.count < cap, level, lr, keepBelow, keepAbove };
}

/**
 * Where to stop: the volume in [min, max] at which the region grows slowest relative to its
 * geodesic radius (d ln V / d ln t smallest) — the front stands at fat planes and bone all round.
 */
function stableCount(g: MuscleGrowth, o: MuscleOptions): number {
  const { order, dist, count } = g;
  const hi = Math.min(count, g.maxCells);
  const lo = Math.min(hi, Math.max(1, g.minCells));
  if (hi <= lo) return hi;
  let best = hi;
  let bestRate = Infinity;
  // Candidates on a log grid of volumes.
  for (let v = lo; v <= hi; v = Math.max(v + 1, Math.floor(v * 1.02))) {
    const t = dist[order[v - 1]];
    if (!(t > 0)) continue;
    const t2 = t * Math.exp(o.window);
    // Volume at t2.
    let a = v;
    let b = count;
    while (a < b) {
      const m = (a + b) >> 1;
      if (dist[order[m]] <= t2) a = m + 1; else b = m;
    }
    // Past the grown cells: unknown when the growth was cut at its cap, none when the region ran out of cells.
    if (a >= count && !g.exhausted) break;
    const rate = Math.log(a / v) / o.window;
    if (rate < bestRate) { bestRate = rate; best = v; }
  }
  return best;
}

/** The stop distance of the first click (stableCount's volume). */
function stableDistance(g: MuscleGrowth, o: MuscleOptions): number {
  const k = stableCount(g, o);
  return k > 0 ? g.dist[g.order[k - 1]] : 0;
}

/**
 * Seeded competition: the first positive click reaches (geodesically) as far as its stable region,
 * later ones laterReach of that, each through step costs from its own tissue level; a cell nearer to a
 * negative click, by the negative's lead, than to every positive one is out. Positive click voxels are always in, negative ones always out.
 */
export function segmentMuscle(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array, options: Partial<MuscleOptions> = {}): number {
  const o = { ...MUSCLE_DEFAULTS, ...options };
  out.fill(0);
  const g = growMuscle(ct, axes, clicks, o);
  if (!g) return 0;
  const { box, steps, fac, posCells, negCells } = g;
  const n = fac.length;
  const limit = stableDistance(g, o);
  let dPos = g.dist;
  if (posCells.length > 1) {
    // Later positive clicks reach less far (a correction is local): each grows on its own, the nearest wins.
    const own = new Float32Array(n);
    dPos = g.dist.slice();
    for (let k = 1; k < posCells.length; k++) {
      // Each with its own tissue level: a muscle's fatty or denser part where the first click's level called it fat.
      const fk = muscleFactor(box, levelAt(box, posCells[k]), g.lr, g.keepBelow, g.keepAbove, o);
      fk[posCells[k]] = 1;
      geodesic(box.dims, steps, fk, [posCells[k]], o.laterReach * limit, n, own);
      for (let v = 0; v < n; v++) if (own[v] < dPos[v]) dPos[v] = own[v];
    }
  }
  const claimed = new Uint8Array(n);
  const mask = new Uint8Array(n);
  let dNeg: Float32Array | null = null;
  if (negCells.length > 0) {
    const nf = fac.slice();
    for (const c of negCells) nf[c] = 1;
    // Each negative with its own lead, the nearest (lead included) wins.
    dNeg = new Float32Array(n).fill(Infinity);
    const one = new Float32Array(n);
    for (const c of negCells) {
      const lead = o.core * Math.min(dPos[c], limit);
      geodesic(box.dims, steps, nf, [c], limit, n, one);
      for (let v = 0; v < n; v++) if (one[v] + lead < dNeg[v]) dNeg[v] = one[v] + lead;
    }
  }
  for (let v = 0; v < n; v++) {
    if (dNeg !== null && dNeg[v] < Infinity && dNeg[v] <= dPos[v]) { claimed[v] = 1; continue; }
    if (dPos[v] <= limit) mask[v] = 1;
  }
  for (const c of posCells) { mask[c] = 1; claimed[c] = 0; }
  const fatCut = g.level + o.cut * (FAT_HU - g.level);
  const crop = cropToMask(box, mask, claimed);
  return pinClicks(out, ct.dims, writeBack(crop.mask, crop.claimed, crop.box, ct, out, (hu) => hu >= fatCut && hu < BONE_HU + 50), clicks.points, clicks.labels);
}

/** The box cut down to the mask's bounding box and one cell around it (the write-back reads only lo, f and dims). */
function cropToMask(box: ClickBox, mask: Uint8Array, claimed: Uint8Array): { box: ClickBox; mask: Uint8Array; claimed: Uint8Array } {
  const [bx, by, bz] = box.dims;
  const lo = [bx, by, bz];
  const hi = [-1, -1, -1];
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) {
    if (mask[x + bx * (y + by * z)] === 0) continue;
    const c = [x, y, z];
    for (let a = 0; a < 3; a++) { lo[a] = Math.min(lo[a], c[a]); hi[a] = Math.max(hi[a], c[a]); }
  }
  for (let a = 0; a < 3; a++) { lo[a] = Math.max(0, lo[a] - 1); hi[a] = Math.min(box.dims[a] - 1, hi[a] + 1); }
  const dims = [0, 1, 2].map((a) => hi[a] - lo[a] + 1) as Vec3;
  const [cx, cy, cz] = dims;
  const m = new Uint8Array(cx * cy * cz);
  const c = new Uint8Array(m.length);
  for (let z = 0; z < cz; z++) for (let y = 0; y < cy; y++) {
    const src = lo[0] + bx * (y + lo[1] + by * (z + lo[2]));
    const dst = cx * (y + cy * z);
    m.set(mask.subarray(src, src + cx), dst);
    c.set(claimed.subarray(src, src + cx), dst);
  }
  const cellLo = [0, 1, 2].map((a) => box.lo[a] + lo[a] * box.f[a]) as Vec3;
  return { box: { ...box, lo: cellLo, dims }, mask: m, claimed: c };
}

export const MUSCLE_STRATEGY: ClickStrategy = {
  name: 'muscle',
  handles: (_id, group) => group === 'muscle',
  segment: (ct, axes, clicks, out) => segmentMuscle(ct, axes, clicks, out),
  keepsPositiveCores: true,
};
