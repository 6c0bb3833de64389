import type { Mat4, Vec3, Volume } from '@vista3d/volume';
import type { Transform } from './card.js';
import { boxDims, cropData, foregroundBox, uncropLabels, type Box } from './transforms/crop.js';
import { clipIntensity, normalizeIntensity, percentileWindow, scaleIntensityRange } from './transforms/intensity.js';
import { isIdentityOrientation, orientAffine, orientData, orientedDims, orientPoint, rasOrientation, unorientLabels, type Orientation } from './transforms/orientation.js';
import { resampleBilinear, resampleNearestBack, spacingGrid, type SpacingGrid } from './transforms/spacing.js';

type Undo =
  | { kind: 'orientation'; o: Orientation; dims: Vec3 }
  | { kind: 'spacing'; grid: SpacingGrid; dims: Vec3 }
  | { kind: 'crop'; box: Box; dims: Vec3 };

/** The CT on the model grid, and how to get from the input grid there and back. */
export interface ModelInput {
  image: Float32Array;
  dims: Vec3;
  affine: Mat4;
  /** Spatial stages applied, in order (for diagnostics and tests). */
  steps: readonly Undo[];
  /** Milliseconds per stage name. */
  timings: Record<string, number>;
}

/**
 * Runs the card's preprocessing in order, each stage a pure function on typed arrays. The input's
 * voxels are read in place (HU = raw·slope + inter) and never modified.
 */
export function preprocess(ct: Pick<Volume, 'dims' | 'affine' | 'data' | 'scl'>, transforms: readonly Transform[]): ModelInput {
  let data: ArrayLike<number> = ct.data;
  let owned: Float32Array | null = null;
  let slope = ct.scl.slope || 1;
  let inter = ct.scl.inter || 0;
  let dims: Vec3 = [...ct.dims];
  let affine = ct.affine.map((r) => [...r]) as Mat4;
  const steps: Undo[] = [];
  const timings: Record<string, number> = {};
  const float = (): Float32Array => {
    if (owned) return owned;
    const out = new Float32Array(dims[0] * dims[1] * dims[2]);
    for (let i = 0; i < out.length; i++) out[i] = data[i] * slope + inter;
    slope = 1; inter = 0;
    owned = out;
    data = out;
    return out;
  };
  const set = (out: Float32Array): void => { owned = out; data = out; slope = 1; inter = 0; };
  for (const t of transforms) {
    const t0 = performance.now();
    switch (t.name) {
      case 'orientation': {
        const o = rasOrientation(affine);
        if (!isIdentityOrientation(o)) {
          steps.push({ kind: 'orientation', o, dims });
          set(orientData(data, dims, o, slope, inter));
          affine = orientAffine(affine, dims, o);
          dims = orientedDims(dims, o);
        }
        break;
      }
      case 'spacing': {
        const grid = spacingGrid(dims, affine, t.pixdim, t.convention);
        steps.push({ kind: 'spacing', grid, dims });
        set(resampleBilinear(data, dims, grid, slope, inter));
        dims = grid.dims;
        affine = grid.affine;
        break;
      }
      case 'cropForeground': {
        const img = float();
        const box = foregroundBox(img, dims, t.threshold, t.margin);
        if (box && boxDims(box).some((d, a) => d !== dims[a])) {
          steps.push({ kind: 'crop', box, dims });
          set(cropData(img, dims, box));
          for (let row = 0; row < 3; row++) {
            affine[row][3] += affine[row][0] * box.start[0] + affine[row][1] * box.start[1] + affine[row][2] * box.start[2];
          }
          dims = boxDims(box);
        }
        break;
      }
      case 'scaleIntensityRange': scaleIntensityRange(float(), t.aMin, t.aMax, t.bMin, t.bMax, t.clip); break;
      case 'clipIntensity': clipIntensity(float(), t.min, t.max); break;
      case 'normalizeIntensity': normalizeIntensity(float(), t.mean, t.std); break;
      case 'percentileWindow': percentileWindow(float(), t.lower, t.upper, t.bMin, t.bMax, t.clip); break;
    }
    timings[t.name] = (timings[t.name] ?? 0) + performance.now() - t0;
  }
  return { image: float(), dims, affine, steps, timings };
}

/** A continuous voxel coordinate of the input file on the model grid (the bundle's inv(affine_after) · affine_before). */
export function toModelGrid(p: Vec3, steps: readonly Undo[]): Vec3 {
  let q: Vec3 = [...p];
  for (const s of steps) {
    if (s.kind === 'orientation') q = orientPoint(q, s.dims, s.o);
    else if (s.kind === 'spacing') q = [0, 1, 2].map((a) => (q[a] - s.grid.offset[a]) / s.grid.ratio[a]) as Vec3;
    else q = [q[0] - s.box.start[0], q[1] - s.box.start[1], q[2] - s.box.start[2]];
  }
  return q;
}

/** MONAI Invertd(nearest_interp=True): undoes the spatial stages in reverse on a model-grid label map. */
export function invertLabels(labels: Uint8Array, steps: readonly Undo[]): Uint8Array {
  let out = labels;
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    if (s.kind === 'orientation') out = unorientLabels(out, s.dims, s.o);
    else if (s.kind === 'spacing') out = resampleNearestBack(out, s.grid, s.dims);
    else out = uncropLabels(out, s.box, s.dims, 0);
  }
  return out;
}
