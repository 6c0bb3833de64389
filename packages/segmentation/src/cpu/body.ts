import type { Volume } from '@vista3d/volume';
import { fillHolesSlicewise } from './holes.js';
import { rawRange, thresholdInto } from './hu.js';
import { morph } from './morphology.js';
import type { AxisInfo } from './orientation.js';
import { componentsOfMask, componentStats, paintComponents } from './runs.js';

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
 * or blanket fused to the skin by a thin contact is cut off. Writes 1/0 into `out`.
 */
export function bodyMask(ct: Volume, axes: AxisInfo, out: Uint8Array): Uint8Array {
  const { lo } = rawRange(ct, BODY_MIN_HU, 0);
  const data = ct.data;
  const inPlane = [0, 1, 2].filter((a) => a !== axes.siAxis);
  const tmp = new Uint8Array(out.length);
  // Outside air is gas (< −950 HU, or padding); lung cut by the field of view touches the image
  // border too but is parenchyma (≈ −850 HU), so it must not seed the outside. Filled first, so
  // a thin shell around air (chest wall over lung, a phantom's skull) is thick for the opening.
  const gas = rawRange(ct, -Infinity, OUTSIDE_AIR_HU).hi;
  thresholdInto(data, lo, Infinity, out);
  fillHolesSlicewise(out, ct.dims, axes.siAxis, 1, Infinity, (v) => data[v] <= gas);
  tmp.set(out);
  const filled = tmp;
  const scratch = new Uint8Array(out.length);
  for (const a of inPlane) morph(out, ct.dims, Math.max(1, Math.round(OPEN_MM / ct.spacing[a])), 'erode', scratch, [a]);
  let comps = componentsOfMask(out, ct.dims);
  // Nothing thicker than the opening (a tiny or thin scan): fall back to the filled tissue.
  if (comps.count === 0) comps = componentsOfMask(filled, ct.dims);
  const stats = componentStats(comps);
  let largest = 0;
  for (let k = 1; k <= comps.count; k++) if (largest === 0 || comps.size[k] > comps.size[largest]) largest = k;
  out.fill(0);
  if (largest === 0) return out;
  const side = (k: number, a: number): number => (stats[k].max[a] - stats[k].min[a] + 1) * ct.spacing[a];
  const keep = (k: number): boolean => k === largest
    || (comps.size[k] >= MIN_PART_FRACTION * comps.size[largest] && inPlane.every((a) => side(k, a) >= MIN_PART_SIDE_MM));
  paintComponents(comps, keep, out, 1);
  for (const a of inPlane) morph(out, ct.dims, Math.max(1, Math.round(OPEN_MM / ct.spacing[a])), 'dilate', scratch, [a]);
  for (let i = 0; i < out.length; i++) if (filled[i] === 0) out[i] = 0;
  return out;
}
