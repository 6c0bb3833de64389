import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** Model card: everything the ONNX engine needs to pre/post-process for a model. */
export const ModelCardSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  /** Voxel spacing (mm, x y z) the model was trained at; the CT is resampled to it. */
  inputSpacing: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  intensity: z.object({
    window: z.tuple([z.number(), z.number()]).refine(([a, b]) => b > a, 'window max must exceed min'),
    normalise: z.enum(['minmax', 'zscore']),
    mean: z.number().optional(),
    std: z.number().positive().optional(),
  }).refine((i) => i.normalise === 'minmax' || (i.mean !== undefined && i.std !== undefined), 'zscore needs mean and std'),
  patchSize: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  overlap: z.number().min(0).max(0.9).default(0.25),
  blend: z.enum(['gaussian', 'constant']).default('gaussian'),
  inputName: z.string().optional(),
  outputName: z.string().optional(),
  /** Output channel → VISTA3D id; channel 0 is background and need not be listed. */
  channels: z.array(z.object({ channel: z.number().int().min(1), classId: z.number().int().min(1).max(255) })).min(1),
  /** Memory order of the patch tensor [1,1,a,b,c]: 'xyz' (MONAI: x slowest, z fastest) or 'zyx'. */
  axisOrder: z.enum(['xyz', 'zyx']).default('xyz'),
});

export type ModelCard = z.infer<typeof ModelCardSchema>;

export async function loadModelCard(path: string): Promise<ModelCard> {
  const json: unknown = JSON.parse(await readFile(path, 'utf8'));
  return ModelCardSchema.parse(json);
}
