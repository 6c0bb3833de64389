import type { Vec3, Volume } from '@vista3d/volume';
import { SegmentationInputError, type PointPrompt } from './engine.js';

/**
 * Checks point prompts against the grid (shared by engines): coordinates are voxel indices
 * [x, y, z], rounded to the nearest voxel; outside → POINT_OUTSIDE_VOLUME; ids must fit a
 * uint8 label map (1..255); labels are 0/1 and as many as points.
 */
export function validatePrompts(ct: Pick<Volume, 'dims'>, prompts: readonly PointPrompt[]): PointPrompt[] {
  return prompts.map((p) => {
    if (!Number.isInteger(p.classId) || p.classId < 1 || p.classId > 255) {
      throw new SegmentationInputError('INVALID_CLASS', `point prompt class ${p.classId} must be an integer 1..255`);
    }
    if (p.points.length === 0 || p.points.length !== p.pointLabels.length) {
      throw new SegmentationInputError('INVALID_POINTS', `class ${p.classId}: ${p.points.length} points but ${p.pointLabels.length} labels`);
    }
    if (!p.pointLabels.some((l) => l === 1)) {
      throw new SegmentationInputError('INVALID_POINTS', `class ${p.classId}: needs at least one positive (label 1) point`);
    }
    const points = p.points.map((pt) => {
      const r = pt.map((c) => Math.round(c)) as Vec3;
      if (pt.length !== 3 || r.some((c, a) => !Number.isFinite(c) || c < 0 || c >= ct.dims[a])) {
        throw new SegmentationInputError('POINT_OUTSIDE_VOLUME', `class ${p.classId}: point [${pt.join(', ')}] is outside the ${ct.dims.join('×')} volume`);
      }
      return r;
    });
    for (const l of p.pointLabels) if (l !== 0 && l !== 1) throw new SegmentationInputError('INVALID_POINTS', `point labels must be 0 or 1, got ${String(l)}`);
    return { classId: p.classId, points, pointLabels: [...p.pointLabels] };
  });
}
