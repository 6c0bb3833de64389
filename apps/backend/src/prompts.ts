import { resolveLabel, type LabelInfo } from '@vista3d/labels';
import type { EngineInfo, PointPrompt, SegmentationRequest } from '@vista3d/segmentation';
import { HttpError, badRequest } from '@vista3d/service-kit';
import type { Vec3 } from '@vista3d/volume';
import { z } from 'zod';

const classRef = z.union([z.string().min(1).max(100), z.number().int()]);
const point = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
const pointLabel = z.union([z.literal(0), z.literal(1)]);

/** `prompts` as clients send it (NIM format plus the earlier platform's `labels`). */
export const promptsSchema = z
  .object({
    classes: z.array(classRef).max(300).optional(),
    labels: z.array(classRef).max(300).optional(),
    points: z.union([z.record(z.string(), z.array(point).max(1000)), z.array(point).max(1000)]).optional(),
    point_labels: z.union([z.array(pointLabel).max(1000), z.record(z.string(), z.array(pointLabel).max(1000))]).optional(),
  })
  .strict();
export type Prompts = z.infer<typeof promptsSchema>;

export const inferenceBodySchema = z
  .object({
    image: z.string({ error: '"image" (an http(s) URL of a .nii/.nii.gz) is required' }).min(1, '"image" must not be empty'),
    prompts: promptsSchema.optional(),
  })
  .passthrough();

/** Prompts after name resolution, before the volume is known. */
export interface ResolvedPrompts {
  /** undefined = every automatic class. */
  classes?: number[];
  points: PointPrompt[];
  /** Requested automatic classes the engine cannot produce (left out of the request). */
  skipped: LabelInfo[];
}

function resolveAll(refs: Array<string | number>): LabelInfo[] {
  const unknown: Array<string | number> = [];
  const found: LabelInfo[] = [];
  for (const ref of refs) {
    const label = resolveLabel(ref);
    if (label) found.push(label);
    else unknown.push(ref);
  }
  if (unknown.length > 0) {
    throw badRequest(
      'UNKNOWN_CLASS',
      `unknown class${unknown.length > 1 ? 'es' : ''}: ${unknown.map((u) => JSON.stringify(u)).join(', ')} (see GET /v1/vista3d/info for the list)`,
      { unknown },
    );
  }
  return found;
}

/** Resolves names/ids and checks point prompts against what the engine supports. */
export function resolvePrompts(prompts: Prompts | undefined, engine: EngineInfo): ResolvedPrompts {
  if (!prompts) return { classes: undefined, points: [], skipped: [] };
  if (prompts.classes && prompts.labels) {
    throw badRequest('INVALID_PROMPTS', 'give the class list as "classes" or "labels", not both');
  }
  const requested = prompts.classes ?? prompts.labels;
  const classLabels = requested ? resolveAll(requested) : undefined;
  const points: PointPrompt[] = [];

  if (Array.isArray(prompts.points)) {
    if (!classLabels || classLabels.length !== 1) {
      throw badRequest('INVALID_PROMPTS', 'a flat "points" list needs exactly one class in "classes" (or use {"<class>": [[x,y,z]...]})');
    }
    if (prompts.point_labels !== undefined && !Array.isArray(prompts.point_labels)) {
      throw badRequest('INVALID_PROMPTS', 'with a flat "points" list, "point_labels" must be a flat list too');
    }
    const labels = prompts.point_labels ?? prompts.points.map(() => 1 as const);
    if (labels.length !== prompts.points.length) {
      throw badRequest('INVALID_PROMPTS', `"point_labels" has ${labels.length} entries but "points" has ${prompts.points.length}`);
    }
    if (prompts.points.length > 0) points.push({ classId: classLabels[0].id, points: prompts.points as Vec3[], pointLabels: labels });
  } else if (prompts.points) {
    if (Array.isArray(prompts.point_labels)) {
      throw badRequest('INVALID_PROMPTS', 'with per-class "points", "point_labels" must be per class too: {"<class>": [1, 0, ...]}');
    }
    const labelMap = prompts.point_labels ?? {};
    for (const key of Object.keys(labelMap)) {
      if (!(key in prompts.points)) throw badRequest('INVALID_PROMPTS', `"point_labels" names class ${JSON.stringify(key)} that has no "points"`);
    }
    const pointMap: Record<string, Vec3[]> = prompts.points;
    const keys = Object.keys(pointMap);
    const labels = resolveAll(keys);
    keys.forEach((key, i) => {
      const pts = pointMap[key];
      const pl = labelMap[key] ?? pts.map(() => 1 as const);
      if (pl.length !== pts.length) {
        throw badRequest('INVALID_PROMPTS', `"point_labels" for ${key} has ${pl.length} entries but its "points" has ${pts.length}`);
      }
      if (pts.length === 0) return;
      const existing = points.find((p) => p.classId === labels[i].id);
      if (existing) {
        existing.points.push(...pts);
        existing.pointLabels.push(...pl);
      } else points.push({ classId: labels[i].id, points: [...pts], pointLabels: [...pl] });
    });
  } else if (prompts.point_labels !== undefined) {
    throw badRequest('INVALID_PROMPTS', '"point_labels" given without "points"');
  }

  const negativeOnly = points.filter((p) => !p.pointLabels.includes(1));
  if (negativeOnly.length > 0) {
    throw badRequest(
      'INVALID_POINTS',
      `class${negativeOnly.length > 1 ? 'es' : ''} ${negativeOnly.map((p) => p.classId).join(', ')} ha${negativeOnly.length > 1 ? 've' : 's'} only negative points (point_labels 0); give at least one positive point (1) inside the structure`,
    );
  }
  if (points.length > 0) {
    if (!engine.supportsPoints) {
      throw badRequest('POINTS_NOT_SUPPORTED', `the ${engine.name} engine does not take point prompts`);
    }
    if (engine.pointClasses !== 'any') {
      const allowed = new Set(engine.pointClasses);
      const bad = points.filter((p) => !allowed.has(p.classId)).map((p) => p.classId);
      if (bad.length > 0) {
        throw badRequest('UNSUPPORTED_CLASS', `the ${engine.name} engine takes point prompts only for ids ${[...allowed].join(', ')}; not for ${bad.join(', ')}`, {
          unsupported: bad,
        });
      }
    }
  }

  const pointIds = new Set(points.map((p) => p.classId));
  const automatic = new Set(engine.automaticClasses);
  let classes: number[] | undefined;
  const skipped: LabelInfo[] = [];
  if (classLabels) {
    classes = [];
    for (const l of classLabels) {
      if (pointIds.has(l.id) || classes.includes(l.id)) continue;
      if (automatic.has(l.id)) classes.push(l.id);
      else skipped.push(l);
    }
    if (classes.length === 0 && points.length === 0) {
      throw badRequest(
        'UNSUPPORTED_CLASS',
        `the ${engine.name} engine cannot segment ${skipped.map((l) => `"${l.name}"`).join(', ')} without point prompts; automatic classes are listed at GET /v1/vista3d/info`,
        { unsupported: skipped.map((l) => l.id) },
      );
    }
  } else if (points.length > 0) {
    classes = []; // only the point-prompted classes
  }
  return { classes, points, skipped };
}

/** Points must lie inside the volume (voxel indices 0..dim-1 after rounding). */
export function checkPoints(points: PointPrompt[], dims: Vec3): PointPrompt[] {
  const outside: Array<{ classId: number; point: Vec3 }> = [];
  const rounded = points.map((p) => ({
    ...p,
    points: p.points.map((pt) => {
      const r = pt.map((v) => Math.round(v)) as Vec3;
      if (r.some((v, a) => v < 0 || v >= dims[a])) outside.push({ classId: p.classId, point: pt });
      return r;
    }),
  }));
  if (outside.length > 0) {
    throw new HttpError(
      400,
      'POINT_OUTSIDE_VOLUME',
      `point${outside.length > 1 ? 's' : ''} ${outside.map((o) => JSON.stringify(o.point)).join(', ')} lie outside the volume (voxel indices 0..${dims[0] - 1}, 0..${dims[1] - 1}, 0..${dims[2] - 1})`,
      { outside, dims },
    );
  }
  return rounded;
}

export function toRequest(resolved: ResolvedPrompts, dims: Vec3): Pick<SegmentationRequest, 'classes' | 'points'> {
  const points = checkPoints(resolved.points, dims);
  return { classes: resolved.classes, points: points.length > 0 ? points : undefined };
}
