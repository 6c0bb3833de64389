import { labelById, labelColor } from '@vista3d/labels';
import type { Volume } from '@vista3d/volume';
import { decimate } from './decimate.js';
import { labelField } from './field.js';
import { labelBoxes, type LabelBox } from './label-boxes.js';
import { marchingCubes } from './marching-cubes.js';
import { vertexNormals } from './metrics.js';
import { taubinSmooth } from './smooth.js';
import { transformMesh } from './transform.js';
import type { ExtractMeshesOptions, ExtractOptions, LabelMesh } from './types.js';

export const DEFAULT_BLUR_SIGMA = 0.8;

type LabelVolume = Pick<Volume, 'dims' | 'data' | 'affine'>;

export function labelName(id: number): string {
  return labelById(id)?.name ?? `label ${id}`;
}

/** The mesh of one label whose bounding box is known (pure; world RAS mm). */
export function meshFromBox(volume: LabelVolume, box: LabelBox, options: ExtractOptions = {}): LabelMesh {
  const field = labelField(volume, box, options.blurSigma ?? DEFAULT_BLUR_SIGMA);
  let mesh = transformMesh(marchingCubes(field, 0.5, field.inside), volume.affine);
  if (options.smoothing && options.smoothing.iterations > 0) mesh = taubinSmooth(mesh, options.smoothing);
  if (options.targetTriangles !== undefined && mesh.indices.length / 3 > options.targetTriangles) {
    mesh = decimate(mesh, { targetTriangles: options.targetTriangles });
  }
  const result: LabelMesh = {
    labelId: box.labelId,
    name: labelName(box.labelId),
    color: labelColor(box.labelId),
    positions: mesh.positions,
    indices: mesh.indices,
  };
  if (options.normals !== false) result.normals = vertexNormals(mesh);
  return result;
}

/** Surface of one label in world RAS mm; `undefined` when the label is absent from the volume. */
export function extractLabelMesh(volume: LabelVolume, labelId: number, options: ExtractOptions = {}): LabelMesh | undefined {
  const box = labelBoxes(volume).find((b) => b.labelId === labelId);
  return box === undefined ? undefined : meshFromBox(volume, box, options);
}

/**
 * Surfaces of every requested label (default: all non-zero labels present), in label-id order.
 * Requested labels absent from the volume are skipped silently. Yields to the event loop between
 * labels so `signal` can abort (rejects with the signal's reason) and progress can be reported.
 */
export async function extractMeshes(volume: LabelVolume, options: ExtractMeshesOptions = {}): Promise<LabelMesh[]> {
  const { labels, onProgress, signal, ...extract } = options;
  signal?.throwIfAborted();
  let boxes = labelBoxes(volume);
  if (labels !== undefined) {
    const wanted = new Set(labels);
    boxes = boxes.filter((b) => wanted.has(b.labelId));
  }
  const meshes: LabelMesh[] = [];
  for (let i = 0; i < boxes.length; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    const mesh = meshFromBox(volume, boxes[i], extract);
    if (mesh.indices.length > 0) meshes.push(mesh);
    onProgress?.({ done: i + 1, total: boxes.length, labelId: boxes[i].labelId });
  }
  return meshes;
}
