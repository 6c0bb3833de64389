import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const vec3 = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);
const ivec3 = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);
const classId = z.number().int().min(1).max(254);

// ---- v1 (the first ONNX engine's card; still accepted, upgraded to v2 on load) -------------------

/** Model card v1: a softmax model with a background channel and a fixed MONAI-style pipeline. */
export const ModelCardV1Schema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  /** Voxel spacing (mm, x y z) the model was trained at; the CT is resampled to it. */
  inputSpacing: vec3,
  intensity: z.object({
    window: z.tuple([z.number(), z.number()]).refine(([a, b]) => b > a, 'window max must exceed min'),
    normalise: z.enum(['minmax', 'zscore']),
    mean: z.number().optional(),
    std: z.number().positive().optional(),
  }).refine((i) => i.normalise === 'minmax' || (i.mean !== undefined && i.std !== undefined), 'zscore needs mean and std'),
  patchSize: ivec3,
  overlap: z.number().min(0).max(0.9).default(0.25),
  blend: z.enum(['gaussian', 'constant']).default('gaussian'),
  inputName: z.string().optional(),
  outputName: z.string().optional(),
  /** Output channel → VISTA3D id; channel 0 is background and need not be listed. */
  channels: z.array(z.object({ channel: z.number().int().min(1), classId })).min(1),
  /** Memory order of the patch tensor [1,1,a,b,c]: 'xyz' (MONAI: x slowest, z fastest) or 'zyx'. */
  axisOrder: z.enum(['xyz', 'zyx']).default('xyz'),
}).strict();

// ---- v2 ----------------------------------------------------------------------------------------

/** Pipeline stages, applied in the order listed; spatial ones are undone in reverse on the labels. */
export const TransformSchema = z.discriminatedUnion('name', [
  /** MONAI Orientationd: reorder/flip the array to RAS. */
  z.object({ name: z.literal('orientation'), axcodes: z.literal('RAS').default('RAS') }).strict(),
  /**
   * MONAI Spacingd (scale_extent False, border padding), bilinear, first voxel centre kept; or
   * convention "nnunet": shape round(n·s_in/s_out) over the same extent (nnU-Net resamples with
   * third-order splines; this engine interpolates linearly).
   */
  z.object({
    name: z.literal('spacing'), pixdim: vec3, mode: z.literal('bilinear').default('bilinear'),
    convention: z.enum(['monai', 'nnunet']).default('monai'),
  }).strict(),
  /** MONAI CropForegroundd: box of voxels > threshold (in the values at this stage), plus margin. */
  z.object({ name: z.literal('cropForeground'), threshold: z.number().default(0), margin: z.number().int().min(0).default(0) }).strict(),
  /** MONAI ScaleIntensityRanged. */
  z.object({
    name: z.literal('scaleIntensityRange'), aMin: z.number(), aMax: z.number(),
    bMin: z.number().default(0), bMax: z.number().default(1), clip: z.boolean().default(true),
  }).strict().refine((t) => t.aMax !== t.aMin, 'aMax must differ from aMin'),
  /** Clip to [min, max] (MONAI ThresholdIntensityd ×2, nnU-Net's dataset percentile clip). */
  z.object({ name: z.literal('clipIntensity'), min: z.number(), max: z.number() }).strict().refine((t) => t.max > t.min, 'max must exceed min'),
  /** (x − mean) / std; without mean/std the image's own (MONAI NormalizeIntensityd). */
  z.object({ name: z.literal('normalizeIntensity'), mean: z.number().optional(), std: z.number().positive().optional() }).strict(),
  /** MONAI ScaleIntensityRangePercentilesd: window from this image's percentiles. */
  z.object({
    name: z.literal('percentileWindow'), lower: z.number().min(0).max(100), upper: z.number().min(0).max(100),
    bMin: z.number().default(0), bMax: z.number().default(1), clip: z.boolean().default(true),
  }).strict().refine((t) => t.upper > t.lower, 'upper must exceed lower'),
]);
export type Transform = z.infer<typeof TransformSchema>;
export const TRANSFORM_NAMES = ['orientation', 'spacing', 'cropForeground', 'scaleIntensityRange', 'clipIntensity', 'normalizeIntensity', 'percentileWindow'] as const;

export const SlidingWindowSchema = z.object({
  patchSize: ivec3,
  /** MONAI overlap (scan interval int(patch·(1 − overlap))); for placement "nnunet", 1 − step size. */
  overlap: z.number().min(0).lt(1).default(0.25),
  blend: z.enum(['gaussian', 'constant', 'nnunet-gaussian']).default('gaussian'),
  sigmaScale: z.number().positive().default(0.125),
  /** "monai": dense_patch_slices; "nnunet": compute_steps_for_sliding_window. */
  placement: z.enum(['monai', 'nnunet']).default('monai'),
  /** Classes (output maps) accumulated at once over the whole grid; bounds memory at groupSize × voxels × 4 bytes. */
  classGroupSize: z.number().int().min(1).max(512).default(8),
}).strict();
export type SlidingWindow = z.infer<typeof SlidingWindowSchema>;

const axisOrder = z.enum(['xyz', 'zyx']).default('xyz');

/** One softmax-style output with a background channel (MONAI bundles, nnU-Net, TotalSegmentator). */
export const SoftmaxModelSchema = z.object({
  kind: z.literal('softmax'),
  /** ONNX file, relative to the card; default: VISTA3D_MODEL_PATH. */
  file: z.string().min(1).optional(),
  inputs: z.object({ image: z.string().min(1) }).strict(),
  output: z.string().min(1),
  /** Channels of the output, background (channel 0) included. */
  outputChannels: z.number().int().min(2),
  axisOrder,
  channels: z.array(z.object({ channel: z.number().int().min(1), classId })).min(1),
  slidingWindow: SlidingWindowSchema,
}).strict().superRefine((m, ctx) => {
  for (const c of m.channels) {
    if (c.channel >= m.outputChannels) ctx.addIssue({ code: 'custom', path: ['channels'], message: `channel ${c.channel} does not exist in a ${m.outputChannels}-channel output` });
  }
});

/** VISTA3D bundle defaults (model-zoo vista3d 0.5.x). */
export const VISTA3D_SUBCLASSES: Record<string, number[]> = {
  2: [14, 5],
  20: [28, 29, 30, 31, 32],
  21: [...range(33, 57), ...range(63, 98), 114, 120, 122],
};
export const VISTA3D_SPECIAL_CLASSES = [25, 26, 27, 28, 29, 117];
/** The bundle's "everything" prompt: 1…132 without groups, lesions and unsupported ids (117 classes). */
export const VISTA3D_EVERYTHING = range(1, 133).filter((i) => ![2, 16, 18, 20, 21, 23, 24, 25, 26, 27, 128, 129, 130, 131, 132].includes(i));

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/** VISTA3D-style prompt model: class head (class_vector) and point head (clicks), one logit per prompted class. */
export const Vista3dModelSchema = z.object({
  kind: z.literal('vista3d'),
  automatic: z.object({
    file: z.string().min(1).optional(),
    inputs: z.object({ image: z.string().min(1), classVector: z.string().min(1) }).strict(),
    output: z.string().min(1),
    /** The bundle's SlidingWindowInfererAdapt gets MONAI defaults: overlap 0.25, constant blending. */
    slidingWindow: SlidingWindowSchema,
  }).strict(),
  point: z.object({
    file: z.string().min(1),
    inputs: z.object({ image: z.string().min(1), pointCoords: z.string().min(1), pointLabels: z.string().min(1), classVector: z.string().min(1).optional() }).strict(),
    output: z.string().min(1),
    /** One window of this size around every click (point_based_window_inferer, center_only). */
    patchSize: ivec3,
  }).strict().optional(),
  axisOrder,
  /** Ids the class head segments (listed by /v1/vista3d/info). */
  classes: z.array(classId).min(1),
  /** Classes segmented when a request names none. */
  everything: z.array(classId).min(1),
  /** Group ids replaced by their members (VistaPreTransformd subclass). */
  subclasses: z.record(z.string().regex(/^\d+$/), z.array(classId).min(1)).default({}),
  /** Classes whose clicks are sent as labels 3 (positive) / 2 (negative). */
  specialClasses: z.array(classId).default([]),
  /** Ids above this are zero-shot: point head only. */
  lastSupportedClass: z.number().int().min(1).default(132),
  /** Label written where no click window reached (the bundle's NaN). */
  notProcessedLabel: z.number().int().min(1).max(255).default(255),
}).strict().superRefine((m, ctx) => {
  const known = new Set([...m.classes, ...Object.keys(m.subclasses).map(Number)]);
  const missing = m.everything.filter((c) => !known.has(c));
  if (missing.length > 0) ctx.addIssue({ code: 'custom', path: ['everything'], message: `classes ${missing.join(', ')} are not in "classes"` });
});

export const ModelCardV2Schema = z.object({
  cardVersion: z.literal(2),
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  preprocessing: z.array(TransformSchema).min(1),
  model: z.discriminatedUnion('kind', [SoftmaxModelSchema, Vista3dModelSchema]),
}).strict();

export type ModelCardV1 = z.infer<typeof ModelCardV1Schema>;
export type ModelCard = z.infer<typeof ModelCardV2Schema>;
export type SoftmaxModel = z.infer<typeof SoftmaxModelSchema>;
export type Vista3dModel = z.infer<typeof Vista3dModelSchema>;

/** v1 → v2: the same model run through the MONAI-exact pipeline (orientation to RAS first). */
export function upgradeV1(v1: ModelCardV1): ModelCard {
  const [lo, hi] = v1.intensity.window;
  const intensity: Transform[] = v1.intensity.normalise === 'minmax'
    ? [{ name: 'scaleIntensityRange', aMin: lo, aMax: hi, bMin: 0, bMax: 1, clip: true }]
    : [{ name: 'clipIntensity', min: lo, max: hi }, { name: 'normalizeIntensity', mean: v1.intensity.mean, std: v1.intensity.std }];
  return {
    cardVersion: 2,
    name: v1.name,
    version: v1.version,
    preprocessing: [{ name: 'orientation', axcodes: 'RAS' }, { name: 'spacing', pixdim: v1.inputSpacing, mode: 'bilinear', convention: 'monai' }, ...intensity],
    model: {
      kind: 'softmax',
      inputs: { image: v1.inputName ?? 'image' },
      output: v1.outputName ?? 'logits',
      outputChannels: Math.max(...v1.channels.map((c) => c.channel)) + 1,
      axisOrder: v1.axisOrder,
      channels: v1.channels,
      slidingWindow: { patchSize: v1.patchSize, overlap: v1.overlap, blend: v1.blend, sigmaScale: 0.125, placement: 'monai', classGroupSize: 8 },
    },
  };
}

/** The card is not usable: the message says which field and why. */
export class ModelCardError extends Error {
  readonly code = 'MODEL_CARD_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ModelCardError';
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(card)'}: ${i.message}`).join('; ');
}

/** Validates a parsed card (v2, or v1 upgraded). Unknown transform names are reported by name. */
export function parseModelCard(json: unknown, source = 'model card'): ModelCard {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelCardError(`${source}: not a JSON object`);
  const obj = json as Record<string, unknown>;
  if (obj.cardVersion === undefined) {
    const v1 = ModelCardV1Schema.safeParse(json);
    if (!v1.success) throw new ModelCardError(`${source} (v1, no "cardVersion"): ${describe(v1.error)}`);
    return upgradeV1(v1.data);
  }
  if (obj.cardVersion !== 2) throw new ModelCardError(`${source}: cardVersion ${JSON.stringify(obj.cardVersion)} is not supported (1 = no cardVersion, or 2)`);
  if (Array.isArray(obj.preprocessing)) {
    obj.preprocessing.forEach((t: unknown, i) => {
      const name = (t as { name?: unknown } | null)?.name;
      if (!TRANSFORM_NAMES.includes(name as (typeof TRANSFORM_NAMES)[number])) {
        throw new ModelCardError(`${source}: preprocessing.${i}: unknown transform ${JSON.stringify(name)} (known: ${TRANSFORM_NAMES.join(', ')})`);
      }
    });
  }
  const v2 = ModelCardV2Schema.safeParse(json);
  if (!v2.success) throw new ModelCardError(`${source}: ${describe(v2.error)}`);
  return v2.data;
}

function parseText(text: string, path: string): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelCardError(`model card ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseModelCard(json, `model card ${path}`);
}

export async function loadModelCard(path: string): Promise<ModelCard> {
  return parseText(await readFile(path, 'utf8'), path);
}

/** Synchronous variant for start-up checks. */
export function loadModelCardSync(path: string): ModelCard {
  return parseText(readFileSync(path, 'utf8'), path);
}

/** Absolute paths of the ONNX files a card needs; `modelPath` is the default for the main model. */
export function modelFiles(card: ModelCard, cardPath: string, modelPath: string): { main: string; point?: string } {
  const base = dirname(resolve(cardPath));
  if (card.model.kind === 'softmax') return { main: card.model.file ? resolve(base, card.model.file) : modelPath };
  return {
    main: card.model.automatic.file ? resolve(base, card.model.automatic.file) : modelPath,
    point: card.model.point ? resolve(base, card.model.point.file) : undefined,
  };
}

// Kept for callers of the v1 API.
export const ModelCardSchema = ModelCardV1Schema;
