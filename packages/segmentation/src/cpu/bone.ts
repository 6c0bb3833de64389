import type { Volume } from '@vista3d/volume';
import { fillHolesSlicewise } from './holes.js';
import { morph } from './morphology.js';
import { rawRange, thresholdInto } from './hu.js';
import type { AxisInfo } from './orientation.js';
import { componentsOfMask, paintComponents } from './runs.js';

export interface BoneOptions {
  /** Cortical and dense trabecular bone; contrast-filled vessels can also pass (documented limit). */
  minHu: number;
  /** Components smaller than this are calcifications, contrast specks or noise. */
  minComponentMl: number;
  /** Marrow enclosed by cortex is filled per axial slice up to this area; larger holes are body
   *  cavities ringed by bone (the pelvic inlet), which must stay open. */
  maxHoleMm2: number;
  /** Closing radius (voxels, in-plane) sealing thin cortex before the marrow fill. */
  closeRadius: number;
}

export const BONE_DEFAULTS: BoneOptions = { minHu: 130, minComponentMl: 0.5, maxHoleMm2: 1500, closeRadius: 1 };

/** Bone mask (1/0) into `out`: threshold inside the body, small components dropped, marrow filled. */
export function boneMask(ct: Volume, axes: AxisInfo, body: Uint8Array, out: Uint8Array, options: Partial<BoneOptions> = {}): number {
  const o = { ...BONE_DEFAULTS, ...options };
  const { lo } = rawRange(ct, o.minHu, 0);
  thresholdInto(ct.data, lo, Infinity, out, body);
  const comps = componentsOfMask(out, ct.dims);
  const voxelMl = (ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1000;
  out.fill(0);
  paintComponents(comps, (l) => comps.size[l] * voxelMl >= o.minComponentMl, out, 1);
  const inPlane = [0, 1, 2].filter((a) => a !== axes.siAxis);
  if (o.closeRadius > 0) {
    const tmp = new Uint8Array(out.length);
    morph(out, ct.dims, o.closeRadius, 'dilate', tmp, inPlane);
    morph(out, ct.dims, o.closeRadius, 'erode', tmp, inPlane);
  }
  const pixelMm2 = ct.spacing[inPlane[0]] * ct.spacing[inPlane[1]];
  fillHolesSlicewise(out, ct.dims, axes.siAxis, 1, o.maxHoleMm2 / pixelMm2);
  let count = 0;
  for (let i = 0; i < out.length; i++) count += out[i];
  return count;
}
