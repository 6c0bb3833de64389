import type { Volume } from '@vista3d/volume';
import { fillHolesSlicewise } from './holes.js';
import { rawRange, thresholdInto } from './hu.js';
import type { AxisInfo } from './orientation.js';
import { componentsOfMask, largestComponent, paintComponents } from './runs.js';

export const BODY_MIN_HU = -500;
const OUTSIDE_AIR_HU = -950;

/**
 * Body mask: the largest 6-connected component above −500 HU, with holes filled slice-wise
 * (axial). The table and cushions are usually separate components (foam is below −500 HU),
 * so keeping only the largest component drops them. Writes 1/0 into `out` (reused as scratch).
 */
export function bodyMask(ct: Volume, axes: AxisInfo, out: Uint8Array): Uint8Array {
  const { lo } = rawRange(ct, BODY_MIN_HU, 0);
  thresholdInto(ct.data, lo, Infinity, out);
  const comps = componentsOfMask(out, ct.dims);
  const keep = largestComponent(comps);
  out.fill(0);
  if (keep === 0) return out;
  paintComponents(comps, (l) => l === keep, out, 1);
  // Outside air is gas (< −950 HU, or padding); lung cut by the field of view touches the image
  // border too but is parenchyma (≈ −850 HU), so it must not seed the outside.
  const gas = rawRange(ct, -Infinity, OUTSIDE_AIR_HU).hi;
  const data = ct.data;
  fillHolesSlicewise(out, ct.dims, axes.siAxis, 1, Infinity, (v) => data[v] <= gas);
  return out;
}
