import { voxelToWorld, type Volume } from '@vista3d/volume';
import { rawRange } from './hu.js';
import { morph } from './morphology.js';
import type { AxisInfo } from './orientation.js';
import { Plane } from './plane.js';
import { componentStats, RunCollector, runsCountIn, runsProfile, type Components, type Runs } from './runs.js';
import { splitByErosion } from './split.js';

export const LUNG_AIR_MAX_HU = -400;
/** Pure gas (bowel, outside air) is mostly below −950 HU; aerated lung parenchyma almost never. */
const GAS_HU = -950;
const MAX_GAS_FRACTION = 0.2;
/** Above this size a component is lung whatever its density (emphysema has much < −950 HU). */
const SURELY_LUNG_ML = 500;
const MIN_LUNG_ML = 10;
/** Lungs sit inside the chest wall: most of a lung lies deeper than this below the skin. */
const WALL_MM = 10;
/** Lungs touching at the anterior junction meet over a few mm: erode up to this to part them. */
const JUNCTION_MM = 12;

export interface LungResult {
  left: number;
  right: number;
}

/**
 * Left/right lungs: 6-connected components of air (< −400 HU) inside the body, without the airway,
 * kept when they look like parenchyma (few pure-gas voxels, so bowel gas is rejected), are big
 * enough and lie mostly deeper than the chest wall (rejects air pockets in skin folds). Sides come
 * from each component's world-x centroid against the body midline (RAS+: −x is patient left);
 * a component crossing the midline (lungs touching at the anterior junction) is split by
 * connectivity: eroded until it parts into a left and a right piece, each voxel then going to the
 * piece it reaches first inside the lung (the narrowest sagittal plane only when erosion fails). Writes values[0] (left) / values[1] (right) into `out`, which must be zero on entry (or hold only the airway, `airway` may be the same array).
 */
export function lungMasks(
  ct: Volume,
  axes: AxisInfo,
  body: Uint8Array,
  bodyRuns: Runs,
  airway: Uint8Array | null,
  out: Uint8Array,
  values: readonly [number, number] = [1, 2],
): LungResult {
  const { hi } = rawRange(ct, -Infinity, LUNG_AIR_MAX_HU);
  const gas = rawRange(ct, -Infinity, GAS_HU).hi;
  const data = ct.data;
  const dims = ct.dims;
  const [nx, ny] = dims;
  // Air runs straight from the body's runs: only body voxels are read, no air mask is written.
  const air = new RunCollector(dims);
  for (let i = 0; i < bodyRuns.start.length; i++) {
    const r = bodyRuns.rowOf[i];
    const base = r * nx;
    let from = -1;
    for (let x = bodyRuns.start[i]; x <= bodyRuns.end[i]; x++) {
      const v = base + x;
      if (data[v] <= hi && (airway === null || airway[v] === 0)) { if (from < 0) from = x; } else if (from >= 0) { air.addRun(r, from, x - 1); from = -1; }
    }
    if (from >= 0) air.addRun(r, from, bodyRuns.end[i]);
  }
  const comps = air.components();
  if (comps.count === 0) return { left: 0, right: 0 };
  const stats = componentStats(comps);
  const voxelMl = (ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1000;
  const candidate = (label: number): boolean => stats[label].size * voxelMl >= MIN_LUNG_ML;

  // Body eroded in-plane by the chest-wall depth (in-plane so the scan's top/bottom slices survive),
  // slice by slice, counted at once against the candidates' runs of that slice.
  const inPlane = [0, 1, 2].filter((a) => a !== axes.siAxis);
  const r = Math.max(1, Math.round(WALL_MM / Math.max(ct.spacing[inPlane[0]], ct.spacing[inPlane[1]])));
  const gasCount = new Float64Array(comps.count + 1);
  const deepCount = new Float64Array(comps.count + 1);
  if (axes.siAxis === 2) {
    const plane = new Plane(dims, 2);
    const s = new Uint8Array(plane.area);
    for (let z = 0; z < dims[2]; z++) {
      const r0 = z * ny;
      let any = false;
      for (let i = comps.rowOffset[r0]; i < comps.rowOffset[r0 + ny] && !any; i++) any = candidate(comps.label[i]);
      if (!any) continue;
      plane.gather(body, z, s);
      plane.morph(s, r, r, 'erode');
      for (let i = comps.rowOffset[r0]; i < comps.rowOffset[r0 + ny]; i++) {
        const label = comps.label[i];
        if (!candidate(label)) continue;
        const p = (comps.rowOf[i] - r0) * nx;
        const v = comps.rowOf[i] * nx;
        for (let x = comps.start[i]; x <= comps.end[i]; x++) {
          if (data[v + x] <= gas) gasCount[label]++;
          if (s[p + x] !== 0) deepCount[label]++;
        }
      }
    }
  } else {
    const deep = Uint8Array.from(body);
    morph(deep, dims, r, 'erode', undefined, inPlane);
    forEachVoxel(comps, (label, v) => {
      if (data[v] <= gas) gasCount[label]++;
      if (deep[v] !== 0) deepCount[label]++;
    }, candidate);
  }

  const midline = bodyMidlineX(ct, bodyRuns, axes);
  const keepSide = new Int8Array(comps.count + 1); // 0 drop, 1 left, 2 right, 3 split
  for (let k = 1; k <= comps.count; k++) {
    const ml = stats[k].size * voxelMl;
    if (ml < MIN_LUNG_ML) continue;
    const lungLike = ml >= SURELY_LUNG_ML || gasCount[k] / stats[k].size <= MAX_GAS_FRACTION;
    if (!lungLike || deepCount[k] / stats[k].size < 0.5) continue;
    const [cx] = voxelToWorld(ct.affine, ...stats[k].centroid);
    const lo = voxelToWorld(ct.affine, ...stats[k].min)[0];
    const hiX = voxelToWorld(ct.affine, ...stats[k].max)[0];
    const span = Math.abs(hiX - lo);
    const leftPart = Math.abs(Math.min(lo, hiX) - midline);
    const rightPart = Math.abs(Math.max(lo, hiX) - midline);
    const crosses = Math.min(lo, hiX) < midline && Math.max(lo, hiX) > midline && Math.min(leftPart, rightPart) > 0.25 * span;
    keepSide[k] = crosses ? 3 : cx < midline ? 1 : 2;
  }
  if (!insideThorax(comps, stats, keepSide, bodyRuns, axes.siAxis)) return { left: 0, right: 0 };
  const cut = new Float64Array(comps.count + 1);
  const splits = new Map<number, { box: { min: [number, number, number]; dims: [number, number, number] }; labels: Uint8Array }>();
  const midIndex = worldXToIndex(ct, axes, midline);
  const maxSteps = Math.min(8, Math.max(2, Math.round(JUNCTION_MM / Math.max(...ct.spacing))));
  for (let k = 1; k <= comps.count; k++) if (keepSide[k] === 3) {
    const min = stats[k].min;
    const boxDims = [0, 1, 2].map((a) => stats[k].max[a] - min[a] + 1) as [number, number, number];
    const box = new Uint8Array(boxDims[0] * boxDims[1] * boxDims[2]);
    forEachVoxel(comps, (_l, v) => {
      const x = v % nx - min[0];
      const y = (Math.floor(v / nx) % ny) - min[1];
      const z = Math.floor(v / (nx * ny)) - min[2];
      box[x + boxDims[0] * (y + boxDims[1] * z)] = 1;
    }, (l) => l === k);
    const labels = splitByErosion(box, boxDims, axes.lrAxis, midIndex - min[axes.lrAxis], maxSteps);
    if (labels) splits.set(k, { box: { min, dims: boxDims }, labels });
    else cut[k] = narrowestCut(comps, k, axes.lrAxis, min[axes.lrAxis], stats[k].max[axes.lrAxis]);
  }

  const result = { left: 0, right: 0 };
  const rightIsHigh = axes.towardsRight === 1;
  forEachVoxel(comps, (label, v) => {
    let side = keepSide[label];
    if (side === 3) {
      const x = v % nx;
      const y = Math.floor(v / nx) % ny;
      const z = Math.floor(v / (nx * ny));
      const split = splits.get(label);
      if (split) {
        const { min, dims: d } = split.box;
        const high = split.labels[x - min[0] + d[0] * (y - min[1] + d[1] * (z - min[2]))] === 2;
        side = high === rightIsHigh ? 2 : 1;
      } else side = ([x, y, z][axes.lrAxis] > cut[label]) === rightIsHigh ? 2 : 1;
    }
    out[v] = values[side - 1];
    if (side === 1) result.left++;
    else result.right++;
  }, (label) => keepSide[label] !== 0);
  return result;
}

/**
 * Lungs only inside a thorax: chest wall, mediastinum and heart take up most of a chest's cross-
 * section, so the kept air is at most MAX_LUNG_FRACTION of the body in the slices it spans. Air
 * filling most of a body (a head phantom, an air-filled container) is not lung.
 */
const MAX_LUNG_FRACTION = 0.5;
function insideThorax(c: Components, stats: ReturnType<typeof componentStats>, keep: Int8Array, bodyRuns: Runs, siAxis: number): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  let lung = 0;
  for (let k = 1; k <= c.count; k++) if (keep[k] !== 0) {
    lo = Math.min(lo, stats[k].min[siAxis]);
    hi = Math.max(hi, stats[k].max[siAxis]);
    lung += stats[k].size;
  }
  if (lung === 0) return true;
  return lung <= MAX_LUNG_FRACTION * runsCountIn(bodyRuns, siAxis, lo, hi);
}

function forEachVoxel(c: Components, fn: (label: number, voxel: number) => void, want: (label: number) => boolean): void {
  const nx = c.dims[0];
  for (let i = 0; i < c.start.length; i++) {
    const label = c.label[i];
    if (!want(label)) continue;
    const base = c.rowOf[i] * nx;
    for (let x = c.start[i]; x <= c.end[i]; x++) fn(label, base + x);
  }
}

/** World x (mm) of the body's centroid: the patient's midline for left/right decisions. */
function bodyMidlineX(ct: Volume, bodyRuns: Runs, axes: AxisInfo): number {
  const dims = ct.dims;
  const p0 = runsProfile(bodyRuns, axes.lrAxis);
  const idx = p0.count > 0 ? p0.sum / p0.count : (dims[axes.lrAxis] - 1) / 2;
  const p: [number, number, number] = [(dims[0] - 1) / 2, (dims[1] - 1) / 2, (dims[2] - 1) / 2];
  p[axes.lrAxis] = idx;
  return voxelToWorld(ct.affine, ...p)[0];
}

/** Voxel index along the left-right axis of a world x (mm) at the volume's centre. */
function worldXToIndex(ct: Volume, axes: AxisInfo, x: number): number {
  const c: [number, number, number] = [(ct.dims[0] - 1) / 2, (ct.dims[1] - 1) / 2, (ct.dims[2] - 1) / 2];
  const x0 = voxelToWorld(ct.affine, ...c)[0];
  return c[axes.lrAxis] + (x - x0) / ct.affine[0][axes.lrAxis];
}

/** Left-right index in the middle 40% of a component's extent where it has the fewest voxels. */
function narrowestCut(c: Components, label: number, lrAxis: number, lo: number, hi: number): number {
  const [nx, ny] = c.dims;
  const hist = new Float64Array(hi - lo + 1);
  forEachVoxel(c, (_l, v) => {
    const coord = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))][lrAxis];
    hist[coord - lo]++;
  }, (l) => l === label);
  const a = Math.floor(0.3 * hist.length);
  const b = Math.ceil(0.7 * hist.length);
  let best = Math.floor(hist.length / 2);
  for (let k = a; k < b; k++) if (hist[k] < hist[best]) best = k;
  return lo + best;
}
