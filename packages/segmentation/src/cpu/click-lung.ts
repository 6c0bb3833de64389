import { labelById } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { BODY_MIN_HU } from './body.js';
import { blockFactor, cellOf, readClickBox, touchesOpenFace, type ClickBox } from './click-box.js';
import { fillSliceHoles, geodesic, keepConnected } from './click-geodesic.js';
import { pinClicks } from './click-pin.js';
import { bodyMidlineIndex, sideOf } from './click-side.js';
import type { ClassClicks, ClickStrategy } from './click-strategy.js';
import { writeBack } from './interactive.js';
import { LUNG_AIR_MAX_HU } from './lungs.js';
import type { AxisInfo } from './orientation.js';

/** Working grid (mm): a lung is large and its border against soft tissue is a 700 HU step. */
const WORK_MM = 3;
const START_MARGIN_MM = 160;
const MAX_MARGIN_MM = 450;
/** Vessels and bronchial walls inside the lung are part of it (a lobe label includes them): holes per slice up to this area. */
const MAX_HOLE_MM2 = 1200;
const NEGATIVE_REACH = 2;

/**
 * Clicks on a lung or lobe: the aerated parenchyma (cells below LUNG_AIR_MAX_HU) connected to the
 * positive clicks, with the vessels it encloses, on the named side of the body's midline (the two
 * lungs meet only through the airway, which crosses it); negative clicks take back what they reach
 * first (as in the general algorithm). A lobe is not split at its fissure, which a 3 mm grid does not
 * resolve. Airway and trachea clicks are left to the general algorithm (their air joins the lungs').
 */
export const LUNG_STRATEGY: ClickStrategy = {
  name: 'lung',
  handles: (id, group) => group === 'lung' && /lung/.test(labelById(id)?.name ?? ''),
  segment: segmentLungClicks,
};

function segmentLungClicks(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number {
  out.fill(0);
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) return 0;
  const f = blockFactor(ct, WORK_MM);
  let margin = START_MARGIN_MM;
  for (;;) {
    const box = readClickBox(ct, clicks.points, margin, f);
    const mask = lungInBox(box, axes, pos, neg, sideOf(clicks.classId), ct);
    if (!touchesOpenFace(mask.region, box) || margin >= MAX_MARGIN_MM || box.atEdge.every(Boolean)) {
      return pinClicks(out, ct.dims, writeBack(mask.region, mask.claimed, box, ct, out, (hu) => hu < LUNG_AIR_MAX_HU), clicks.points, clicks.labels);
    }
    margin = Math.min(MAX_MARGIN_MM, 2 * margin);
  }
}

function lungInBox(box: ClickBox, axes: AxisInfo, pos: readonly Vec3[], neg: readonly Vec3[], side: -1 | 0 | 1, ct: Volume): { region: Uint8Array; claimed: Uint8Array } {
  const n = box.hu.length;
  const posCells = pos.map((p) => cellOf(box, p));
  const region = new Uint8Array(n);
  for (let i = 0; i < n; i++) region[i] = box.hu[i] < LUNG_AIR_MAX_HU ? 1 : 0;
  if (side !== 0) {
    // Cells on the far side of the midline (in cell units of the box) are not this lung.
    const a = axes.lrAxis;
    const mid = (bodyMidlineIndex(ct, axes, pos[0], BODY_MIN_HU) - box.lo[a]) / box.f[a];
    const stride = [1, box.dims[0], box.dims[0] * box.dims[1]][a];
    const rightward = side * axes.towardsRight;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(i / stride) % box.dims[a];
      if ((k + 0.5 - mid) * rightward < 0) region[i] = 0;
    }
  }
  for (const c of posCells) region[c] = 1;
  keepConnected(region, box.dims, posCells);
  const pixel = box.spacing.filter((_s, a) => a !== axes.siAxis).reduce((a, b) => a * b, 1);
  fillSliceHoles(region, box.dims, axes.siAxis, MAX_HOLE_MM2 / pixel);
  const claimed = new Uint8Array(n);
  if (neg.length > 0) {
    // A negative click takes the cells at most NEGATIVE_REACH times as far (geodesically, inside
    // the lung) from it as from the nearest positive click: a leak past a fissure or into the other
    // lung's edge goes, the lobe between the clicks stays.
    const fac = new Float32Array(n);
    for (let i = 0; i < n; i++) fac[i] = region[i] !== 0 ? 1 : Infinity;
    const negCells = neg.map((p) => cellOf(box, p));
    for (const c of negCells) fac[c] = 1;
    const dPos = geodesic(box.dims, box.spacing, fac, posCells, Infinity, n).dist;
    const dNeg = geodesic(box.dims, box.spacing, fac, negCells, Infinity, n).dist;
    for (let i = 0; i < n; i++) if (region[i] !== 0 && dNeg[i] * NEGATIVE_REACH < dPos[i]) { region[i] = 0; claimed[i] = 1; }
    keepConnected(region, box.dims, posCells);
  }
  for (const c of posCells) region[c] = 1;
  return { region, claimed };
}
