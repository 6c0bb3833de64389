import { labelById, type LabelGroup } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { applyLocalChange, clearClickCache, clicksKey, ctFingerprint, recall, remember } from './click-refine.js';
import { clearCellGrids } from './click-box.js';
import { clearSampledBoxes } from './click-organ-grid.js';
import { BONE_STRATEGY } from './click-bone.js';
import { clearGutCaches, GUT_STRATEGY } from './click-gut.js';
import { addPartialVolumeBorder } from './click-edge.js';
import { withGrid } from './grid-pool.js';
import { smoothResult } from './click-smooth.js';
import { segmentFromClicks } from './interactive.js';
import { pinClicks } from './click-pin.js';
import { LUNG_STRATEGY } from './click-lung.js';
import { MUSCLE_STRATEGY } from './click-muscle.js';
import { ORGAN_STRATEGY } from './click-organ.js';
import type { AxisInfo } from './orientation.js';
import { VESSEL_STRATEGY } from './click-vessel.js';

/** One class's clicks, as the NIM API gives them: every point belongs to a named class. */
export interface ClassClicks {
  classId: number;
  points: readonly Vec3[];
  labels: ReadonlyArray<0 | 1>;
}

/**
 * A way of turning one class's clicks into its mask (out is cleared first; returns the voxel count).
 * Each strategy knows what kind of structure it is looking for (a bone, a vessel, a muscle…), which
 * is what the class of a point prompt tells the engine, as it tells VISTA3D's point head.
 */
export interface ClickStrategy {
  readonly name: string;
  /** Whether this strategy segments the class (by id and anatomical group). */
  handles(classId: number, group: LabelGroup): boolean;
  segment(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number;
  /**
   * Whether its answer for a class is smoothed (click-smooth.ts) before it refines the previous result:
   * the organ and bone strategies and the gut's but the colon's, whose references' borders are smooth where
   * a grown region's is ragged. Lungs, vessels, muscles and the general strategy lost or stayed (lungs
   * −0.003, vessels −0.001 on the mean after 5 clicks).
   */
  smooth?(classId: number): boolean;
  /**
   * Whether the strategy follows a tube and bounds a later click's reach along its axis itself (the vessels'):
   * the refinement then does not bound a positive piece by its distance from the previous result, since a
   * tube's missed segment runs along the axis, away from it (click-refine.ts).
   */
  readonly tracksTubes?: boolean;
  /**
   * Whether the strategy's own competition already keeps a core round each positive click that a negative click
   * cannot take (the muscles' weighted geodesic Voronoi split): the refinement then does not also stop a negative
   * click's piece at the midway plane towards each positive click, which on top of the core cut the muscles'
   * negative clicks short (muscles after 5 clicks 0.8028 → 0.8051; for their positive clicks it changed nothing).
   */
  readonly keepsPositiveCores?: boolean;
}

/**
 * Later positive clicks of a class no strategy knows reach 6 depths, not the 3 of a correction inside
 * a known organ: such a class is often many small pieces (the costal cartilages, one per rib), and a
 * later click is then on a piece of its own (costal cartilages 0.44 / 0.51 → 0.57 / 0.67 after 3 / 5
 * clicks; 8 depths: 0.61 / 0.66, and the mean fell from click 4 to 5).
 */
const GENERAL_LATER_REACH = 6;

/**
 * The class-blind algorithm every class falls back to, with the partial-volume voxels of its border added
 * (click-edge.ts: costal cartilages 0.66 / 0.67 → 0.70 / 0.72 after 5 clicks). Not for the specialised
 * strategies, whose borders are tuned to their references: there it lost as much as it gained (muscles,
 * bones, small organs already at or above their reference's size lost; liver, kidneys gained).
 */
export const GENERAL_STRATEGY: ClickStrategy = {
  name: 'general',
  handles: () => true,
  segment: (ct, axes, clicks, out) => addPartialVolumeBorder(ct, out, segmentFromClicks(ct, axes, clicks.points, clicks.labels, out, { laterReach: GENERAL_LATER_REACH })),
};

/** Specialised strategies, first match wins; the general one catches the rest. */
const STRATEGIES: readonly ClickStrategy[] = [
  LUNG_STRATEGY,
  MUSCLE_STRATEGY,
  VESSEL_STRATEGY,
  BONE_STRATEGY,
  GUT_STRATEGY,
  ORGAN_STRATEGY,
];

export function strategyFor(classId: number): ClickStrategy {
  const group = labelById(classId)?.group ?? 'other';
  return STRATEGIES.find((s) => s.handles(classId, group)) ?? GENERAL_STRATEGY;
}

/**
 * Segments one class from its clicks with the strategy for that class; each click after the first
 * refines the result of the clicks before it (click-refine.ts).
 */
export function segmentClassFromClicks(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number {
  const { classId, points, labels } = clicks;
  const key = clicksKey(ctFingerprint(ct), classId, points, labels);
  const cached = recall(key, out, ct.dims);
  if (cached >= 0) return cached;
  const strategy = strategyFor(classId);
  const k = points.length;
  let count: number;
  if (k <= 1) count = answer(strategy, ct, axes, clicks, out);
  else {
    count = withGrid(out.length, (prev) => {
      const before = segmentClassFromClicks(ct, axes, { classId, points: points.slice(0, k - 1), labels: labels.slice(0, k - 1) }, prev);
      answer(strategy, ct, axes, clicks, out);
      const negative = labels[k - 1] === 0;
      const opposed = negative && strategy.keepsPositiveCores === true ? [] : points.slice(0, k - 1).filter((_p, i) => labels[i] !== labels[k - 1]);
      return applyLocalChange(prev, out, ct.dims, ct.spacing, points[k - 1], labels[k - 1] === 1, before, { opposed, boundPositiveReach: strategy.tracksTubes !== true });
    });
  }
  remember(key, out, ct.dims, count);
  return count;
}

/**
 * The strategy's answer to all the clicks, smoothed where the strategy asks for it, with every clicked
 * voxel as its latest click says: a later click refines this answer, so a voxel clicked in and then out
 * must not come back with it. Pinned here for every strategy, whatever it does on its own: most end with
 * the same pin, but the gut strategy pins positives last and the general algorithm's partial-volume border
 * is added after its pin.
 */
export function answer(strategy: ClickStrategy, ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number {
  const { points, labels } = clicks;
  const count = strategy.segment(ct, axes, clicks, out);
  if (strategy.smooth?.(clicks.classId) !== true) return pinClicks(out, ct.dims, count, points, labels);
  return smoothResult(out, ct.dims, ct.spacing, points, labels);
}

/**
 * Empties every cache the click path keeps per CT (refined results, block-mean grids, the gut's
 * first regions and gas boxes, the organs' sampled boxes): a benchmark or test that times a click must time a cold one.
 */
export function clearClickCaches(): void {
  clearClickCache();
  clearCellGrids();
  clearSampledBoxes();
  clearGutCaches();
}
