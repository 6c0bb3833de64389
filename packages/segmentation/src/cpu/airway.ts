import type { Volume } from '@vista3d/volume';
import { flood } from './flood.js';
import { rawRange } from './hu.js';
import type { AxisInfo } from './orientation.js';
import { componentsOfMask, componentStats } from './runs.js';
import { extractSlice, sliceGeometry } from './slices.js';

/** Airway lumen is air (≈ −1000 HU); lung parenchyma is ≈ −850, so −950 keeps growth in the tubes. */
const LUMEN_HU = [-950, -980];
const SEED_MAX_HU = -900;
const MIN_AREA_MM2 = 30;
const MAX_AREA_MM2 = 800;
/** A trachea is near the midline: within this fraction of the body's width. */
const MIDLINE_FRACTION = 0.15;
/** More than this and the fill has leaked into lung/bowel: retry stricter, then give up. */
const MAX_AIRWAY_ML = 300;
/** The grown tree must run at least this far down from the top to count as a tube. */
const MIN_LENGTH_MM = 20;

export interface AirwayResult {
  airwayVoxels: number;
  tracheaVoxels: number;
}

/**
 * Trachea + bronchi: seeded from a round, midline, air-filled blob in the most superior slice,
 * then a 3D fill below −950 HU (−980 if that leaks). Above the carina (while each axial slice holds
 * one blob) voxels are trachea (out = 2), below it airway (out = 1); `out` must be zero on entry. Finds nothing when the scan
 * starts below the trachea (abdominal CTs): that is the honest answer, not a failure.
 */
export function airwayMask(ct: Volume, axes: AxisInfo, body: Uint8Array, bodyMidIndex: number, bodyWidth: number, out: Uint8Array): AirwayResult {
  const none = { airwayVoxels: 0, tracheaVoxels: 0 };
  const g = sliceGeometry(ct.dims, axes.siAxis);
  const top = axes.towardsSuperior === 1 ? g.count - 1 : 0;
  const { hi: seedHi } = rawRange(ct, -Infinity, SEED_MAX_HU);
  const slice = new Uint8Array(g.nu * g.nv);
  for (let b = 0; b < g.nv; b++) for (let a = 0; a < g.nu; a++) {
    const v = top * g.sw + a * g.su + b * g.sv;
    slice[a + b * g.nu] = body[v] !== 0 && ct.data[v] <= seedHi ? 1 : 0;
  }
  const comps = componentsOfMask(slice, [g.nu, g.nv, 1]);
  const stats = componentStats(comps);
  const pixelMm2 = ct.spacing[g.u] * ct.spacing[g.v];
  const lrInPlane = axes.lrAxis === g.u ? 0 : axes.lrAxis === g.v ? 1 : -1;
  let best = 0;
  for (let k = 1; k <= comps.count; k++) {
    const area = stats[k].size * pixelMm2;
    if (area < MIN_AREA_MM2 || area > MAX_AREA_MM2) continue;
    if (lrInPlane >= 0 && Math.abs(stats[k].centroid[lrInPlane === 0 ? 0 : 1] - bodyMidIndex) > MIDLINE_FRACTION * bodyWidth) continue;
    if (best === 0 || stats[k].size > stats[best].size) best = k;
  }
  if (best === 0) return none;
  const seeds: number[] = [];
  for (let i = 0; i < comps.start.length; i++) {
    if (comps.label[i] !== best) continue;
    const b = comps.rowOf[i];
    for (let a = comps.start[i]; a <= comps.end[i]; a++) seeds.push(top * g.sw + a * g.su + b * g.sv);
  }
  const voxelMl = (ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1000;
  let dirty = false; // out is zero on entry; cleared only after a leaking try
  for (const hu of LUMEN_HU) {
    if (dirty) out.fill(0);
    dirty = true;
    const { hi } = rawRange(ct, -Infinity, hu);
    const data = ct.data;
    const count = flood(ct.dims, seeds, (v) => data[v] <= hi && body[v] !== 0, out, MAX_AIRWAY_ML / voxelMl);
    if (count < 0) continue;
    return count > 0 ? splitTrachea(out, g, top, axes, ct.spacing[axes.siAxis], count) : none;
  }
  out.fill(0);
  return none;
}

/**
 * Walks down from the top: trachea (2) down to the carina, the first slice where the tree holds two
 * branches each at least a quarter of the trachea's typical cross-section (median of the slices so
 * far), and stays two for CARINA_MM. Small side blobs (a partial-volume crumb, a tiny side bronchus
 * grazing the plane) do not count, so the split is not placed above the real carina.
 */
const CARINA_MM = 6;
function splitTrachea(out: Uint8Array, g: ReturnType<typeof sliceGeometry>, top: number, axes: AxisInfo, sliceMm: number, total: number): AirwayResult {
  const step = -axes.towardsSuperior;
  const buf = new Uint8Array(g.nu * g.nv);
  const areas: number[] = [];
  const branches: number[] = [];
  const slices: number[] = [];
  for (let w = top; w >= 0 && w < g.count; w += step) {
    const c = componentsOfMask(extractSlice(out, g, w, buf), [g.nu, g.nv, 1]);
    if (c.count === 0) break;
    const sizes = Array.from(c.size.subarray(1)).sort((p, q) => q - p);
    slices.push(w);
    areas.push(sizes[0]);
    const typical = median(areas.slice(0, Math.max(1, areas.length - 1)));
    branches.push(sizes.filter((a) => a >= 0.25 * typical).length);
  }
  const length = slices.length * sliceMm;
  if (length < MIN_LENGTH_MM) {
    out.fill(0);
    return { airwayVoxels: 0, tracheaVoxels: 0 };
  }
  const hold = Math.max(1, Math.round(CARINA_MM / sliceMm));
  let carina = slices.length;
  for (let k = 0; k + hold <= branches.length; k++) {
    if (branches.slice(k, k + hold).every((b) => b >= 2)) { carina = k; break; }
  }
  let trachea = 0;
  for (let k = 0; k < carina; k++) {
    const w = slices[k];
    for (let b = 0; b < g.nv; b++) for (let a = 0; a < g.nu; a++) {
      const v = w * g.sw + a * g.su + b * g.sv;
      if (out[v] === 1) { out[v] = 2; trachea++; }
    }
  }
  return { airwayVoxels: total - trachea, tracheaVoxels: trachea };
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}
