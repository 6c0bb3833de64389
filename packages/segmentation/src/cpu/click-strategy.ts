import { labelById, type LabelGroup } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { GUT_STRATEGY } from './click-gut.js';
import { segmentFromClicks } from './interactive.js';
import type { AxisInfo } from './orientation.js';

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
}

/** The class-blind algorithm every class falls back to. */
export const GENERAL_STRATEGY: ClickStrategy = {
  name: 'general',
  handles: () => true,
  segment: (ct, axes, clicks, out) => segmentFromClicks(ct, axes, clicks.points, clicks.labels, out),
};

/** Specialised strategies, first match wins; the general one catches the rest. */
const STRATEGIES: readonly ClickStrategy[] = [
  GUT_STRATEGY,
];

export function strategyFor(classId: number): ClickStrategy {
  const group = labelById(classId)?.group ?? 'other';
  return STRATEGIES.find((s) => s.handles(classId, group)) ?? GENERAL_STRATEGY;
}

/** Segments one class from its clicks with the strategy for that class. */
export function segmentClassFromClicks(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number {
  return strategyFor(clicks.classId).segment(ct, axes, clicks, out);
}
