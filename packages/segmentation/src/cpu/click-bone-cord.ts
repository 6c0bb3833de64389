import type { Vec3, Volume } from '@vista3d/volume';
import { blockFactor, cellOf, readClickBox, touchesOpenFace, type ClickBox } from './click-box.js';
import { enclosedCells } from './click-bone-marrow.js';
import { resultCorners } from './click-bone-box.js';
import { geodesic, markReached } from './click-geodesic.js';
import { BONE_HU, CLICK_DEFAULTS, clickModel, writeBack } from './interactive.js';
import { pinClicks } from './click-pin.js';
import type { AxisInfo } from './orientation.js';

export interface CordOptions {
  /** Bone around the canal: smoothed HU from which a cell is vertebra (cancellous bone ≥ ~100 HU). */
  wallHu: number;
  /** The canal is enclosed by the vertebral arch and body within this radius (canal ≈ 15–25 mm across). */
  wallRadiusMm: number;
  minLines: number;
  minInPlane: number;
  /** Cord window around the click's median (CSF ≈ 0–15 HU, cord ≈ 30–40 HU; epidural fat is outside). */
  halfHu: number;
  /**
   * The window reaches at least this high (HU): a click in the CSF or the epidural fat of the lumbar canal
   * (−60…10 HU) must still take the cord (30–40 HU) and the cells its partial volume lifts above it. From the
   * shared abdomen CT's deepest cord voxel (0 HU, in the lumbar canal) the window stopped at ≈ 15 HU and one
   * click took 0.32 of the cord; with 60 / 75 / 90 HU 0.74 / 0.80 / 0.80 (105 HU reaches the discs: 0.23 after 2).
   */
  minTopHu: number;
  /** A later positive click outside the enclosed canal takes the window's cells within this distance (mm). */
  patchMm: number;
}

export const CORD_DEFAULTS: CordOptions = { wallHu: 110, wallRadiusMm: 20, minLines: 5, minInPlane: 2, halfHu: 45, minTopHu: 75, patchMm: 10 };

/**
 * Spinal cord clicks: the cord (with its CSF) is the soft tissue the vertebral canal encloses — a tube
 * along the S–I axis inside bone on most sides (arch behind, body in front, pedicles beside). Cells in
 * the click's HU window that bone encloses (click-bone-marrow's line test, with the canal's radius) and
 * that connect to a positive click form the result; negative clicks take what is nearer to them.
 */
export function segmentCordFromClicks(ct: Volume, axes: AxisInfo, points: readonly Vec3[], labels: ReadonlyArray<0 | 1>, out: Uint8Array, options: Partial<CordOptions> = {}): number {
  const o = { ...CORD_DEFAULTS, ...options };
  out.fill(0);
  const pos = points.filter((_p, i) => labels[i] === 1);
  const neg = points.filter((_p, i) => labels[i] === 0);
  if (pos.length === 0) return 0;
  const f = blockFactor(ct, CLICK_DEFAULTS.workMm);
  const margin = 40;
  let region: Vec3[] = [];
  for (let round = 0; ; round++) {
    const box = readClickBox(ct, [...points, ...region], margin, f);
    const { mask, claimed, lo, hi } = cordInBox(box, axes, pos, neg, o);
    if (!touchesOpenFace(mask, box) || round >= 8 || box.atEdge.every(Boolean)) {
      return pinClicks(out, ct.dims, writeBack(mask, claimed, box, ct, out, (hu) => hu >= lo && hu <= hi), points, labels);
    }
    region = resultCorners(mask, box);
  }
}

function cordInBox(box: ClickBox, axes: AxisInfo, pos: readonly Vec3[], neg: readonly Vec3[], o: CordOptions): { mask: Uint8Array; claimed: Uint8Array; lo: number; hi: number } {
  const n = box.hu.length;
  const { smooth, hu } = box;
  const posCells = pos.map((p) => cellOf(box, p));
  const negCells = neg.map((p) => cellOf(box, p));
  const models = posCells.map((c) => clickModel(box, c, CLICK_DEFAULTS));
  const lo = Math.min(...models.map((m) => m.mu)) - o.halfHu;
  const hi = Math.min(BONE_HU, Math.max(Math.max(...models.map((m) => m.mu)) + o.halfHu, o.minTopHu));
  const wall = new Uint8Array(n);
  const window = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    wall[i] = smooth[i] >= o.wallHu || hu[i] >= BONE_HU + 50 ? 1 : 0;
    window[i] = wall[i] === 0 && smooth[i] >= lo && smooth[i] <= hi ? 1 : 0;
  }
  const canal = enclosedCells(wall, window, box.dims, box.spacing, axes.siAxis, o.wallRadiusMm, o.minLines, o.minInPlane);
  {
    // A later positive click outside the enclosed canal (the lumbosacral canal, open behind at 3 mm, holds
    // the thecal sac in epidural fat) brings the cells of its window within patchMm of it.
    const through = new Float32Array(n);
    for (let i = 0; i < n; i++) through[i] = window[i] !== 0 ? 1 : Infinity;
    for (const c of posCells.slice(1)) {
      if (canal[c] !== 0) continue;
      through[c] = 1;
      markReached(box.dims, box.spacing, through, c, o.patchMm, canal);
    }
  }
  for (const c of [...posCells, ...negCells]) canal[c] = 1;
  const factor = new Float32Array(n);
  for (let i = 0; i < n; i++) factor[i] = canal[i] !== 0 ? 1 : Infinity;
  const dOwn = geodesic(box.dims, box.spacing, factor, posCells, Infinity, n, new Float32Array(n)).dist;
  const dOther = negCells.length > 0 ? geodesic(box.dims, box.spacing, factor, negCells, Infinity, n, new Float32Array(n)).dist : null;
  const mask = new Uint8Array(n);
  const claimed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const b = dOther ? dOther[i] : Infinity;
    if (dOwn[i] < b) mask[i] = 1;
    else if (b < Infinity) claimed[i] = 1;
  }
  for (const c of posCells) mask[c] = 1;
  return { mask, claimed, lo, hi };
}
