import type { Volume } from '@vista3d/volume';
import { rawRange } from './hu.js';
import type { AxisInfo } from './orientation.js';
import { Plane } from './plane.js';
import { componentsOfMask, componentStats, paintComponents, paintSlice, RunCollector, runsOfMask, type Runs } from './runs.js';

export const BODY_MIN_HU = -500;
const OUTSIDE_AIR_HU = -950;
/** Table shells, blankets and cushions are thinner than 2× this; a patient's parts are thicker. */
const OPEN_MM = 5;
/** Parts apart from the trunk (arms, a hand on the belly) are kept when at least this fraction of it. */
const MIN_PART_FRACTION = 0.02;
/** A part this thin in-plane (either side of its box, mm) is a table or a board, not a limb. */
const MIN_PART_SIDE_MM = 30;

/**
 * Body mask: tissue above −500 HU with holes filled per axial slice (only gas at the image border is
 * outside), then opened in-plane by a 5 mm radius (an erosion, keeping the
 * trunk and every part at least 2 % of its size whose in-plane box is ≥ 30 mm on both sides — arms
 * included, table slabs and boards not — then a dilation back inside the tissue), so a table shell
 * or blanket fused to the skin by a thin contact is cut off. Writes 1/0 into `out` (zero on entry)
 * and returns its runs (later stages take the body's midline and extent from them, not from a pass).
 *
 * Two sweeps over the volume, slice by slice: (threshold, hole fill, erosion, runs of the eroded
 * mask) and (paint of the kept parts, dilation, clip to the filled tissue, runs of the result);
 * the component labelling in between works on runs only.
 */
export function bodyMask(ct: Volume, axes: AxisInfo, out: Uint8Array): Runs {
  const { lo } = rawRange(ct, BODY_MIN_HU, 0);
  const data = ct.data;
  const dims = ct.dims;
  const plane = new Plane(dims, axes.siAxis);
  const { g } = plane;
  const ru = Math.max(1, Math.round(OPEN_MM / ct.spacing[g.u]));
  const rv = Math.max(1, Math.round(OPEN_MM / ct.spacing[g.v]));
  const inPlane = [g.u, g.v];
  // Axial slices are contiguous rows: their runs are collected straight from the slice buffer.
  const axial = axes.siAxis === 2;
  const ny = dims[1];
  // Outside air is gas (< −950 HU, or padding); lung cut by the field of view touches the image
  // border too but is parenchyma (≈ −850 HU), so it must not seed the outside. Filled first, so
  // a thin shell around air (chest wall over lung, a phantom's skull) is thick for the opening.
  const gas = rawRange(ct, -Infinity, OUTSIDE_AIR_HU).hi;
  // The filled tissue is kept as runs on axial scans (a volume only for other orientations).
  const filledRuns = new RunCollector(dims);
  const filled = axial ? null : new Uint8Array(out.length);
  const s = new Uint8Array(plane.area);
  const f = new Uint8Array(plane.area);
  const eroded = new RunCollector(dims);
  for (let w = 0; w < g.count; w++) {
    for (let b = 0, p = 0; b < g.nv; b++) {
      const row = w * g.sw + b * g.sv;
      for (let a = 0; a < g.nu; a++, p++) s[p] = data[row + a * g.su] >= lo ? 1 : 0;
    }
    plane.fillHoles(s, 1, Infinity, (a, b) => data[plane.voxel(w, a, b)] <= gas);
    if (filled) plane.scatter(s, filled, w);
    else for (let b = 0; b < g.nv; b++) filledRuns.addRow(b + ny * w, s, b * g.nu);
    plane.morph(s, ru, rv, 'erode');
    if (axial) for (let b = 0; b < g.nv; b++) eroded.addRow(b + ny * w, s, b * g.nu);
    else plane.scatter(s, out, w);
  }
  let comps = axial ? eroded.components() : componentsOfMask(out, dims);
  // Nothing thicker than the opening (a tiny or thin scan): fall back to the filled tissue.
  const filledAsRuns = filled ? null : filledRuns.components();
  if (comps.count === 0) comps = filledAsRuns ?? componentsOfMask(filled!, dims);
  const stats = componentStats(comps);
  let largest = 0;
  for (let k = 1; k <= comps.count; k++) if (largest === 0 || comps.size[k] > comps.size[largest]) largest = k;
  if (!axial) out.fill(0);
  if (largest === 0) return runsOfMask(out, dims);
  const side = (k: number, a: number): number => (stats[k].max[a] - stats[k].min[a] + 1) * ct.spacing[a];
  const keepPart = new Uint8Array(comps.count + 1);
  for (let k = 1; k <= comps.count; k++) {
    keepPart[k] = k === largest
      || (comps.size[k] >= MIN_PART_FRACTION * comps.size[largest] && inPlane.every((a) => side(k, a) >= MIN_PART_SIDE_MM)) ? 1 : 0;
  }
  const keep = (k: number): boolean => keepPart[k] === 1;
  if (!axial) paintComponents(comps, keep, out, 1);
  const result = new RunCollector(dims);
  for (let w = 0; w < g.count; w++) {
    if (axial) { s.fill(0); paintSlice(comps, keep, w, s, 1); } else plane.gather(out, w, s);
    plane.morph(s, ru, rv, 'dilate');
    if (filledAsRuns) { f.fill(0); paintSlice(filledAsRuns, () => true, w, f, 1); } else plane.gather(filled!, w, f);
    for (let p = 0; p < plane.area; p++) s[p] &= f[p];
    plane.scatter(s, out, w);
    if (axial) for (let b = 0; b < g.nv; b++) result.addRow(b + ny * w, s, b * g.nu);
  }
  return axial ? result.runs() : runsOfMask(out, dims);
}
