import type { Vec3 } from '@vista3d/volume';
import { SegmentationInputError } from '../engine.js';
import type { Vista3dModel } from './card.js';
import { fillPatch, foldArgmax, patchLayout, slidingWindow } from './inference.js';
import { toModelGrid, type ModelInput } from './pipeline.js';
import { checkOutput, ort } from './session.js';
import type { Timer } from './timer.js';
import { labelComponents } from './transforms/components.js';
import { padBeforeAfter } from './transforms/sliding-window.js';
import { roundHalfEven } from './transforms/spacing.js';

/** VISTA3D's value for "no prediction" (NINF_VALUE). */
const NINF = -9999;

/** torch's float32 sigmoid(x) > 0.5 (false for tiny positive x, where the float32 sigmoid is exactly 0.5). */
function positive(v: number): boolean {
  return Math.fround(1 / (1 + Math.exp(-v))) > 0.5;
}

export interface VistaSessions {
  automatic: ort.InferenceSession;
  point?: ort.InferenceSession;
}

/** VistaPreTransformd: group ids replaced by their members, in order, without repeats. */
export function expandClasses(m: Vista3dModel, classes: readonly number[]): number[] {
  const out: number[] = [];
  for (const c of classes) for (const k of m.subclasses[String(c)] ?? [c]) if (!out.includes(k)) out.push(k);
  return out;
}

/**
 * Automatic path: sliding window over the model grid with the class head, classes in groups of
 * `classGroupSize` (class_vector [G,1]); a voxel takes the class with the largest logit, background
 * where every logit ≤ 0 (VistaPostTransformd).
 */
export async function vistaAutomatic(
  s: VistaSessions, m: Vista3dModel, input: ModelInput, classes: readonly number[], timer: Timer,
  signal?: AbortSignal, onWindow?: (done: number, total: number) => void,
): Promise<Uint8Array> {
  const n = input.dims[0] * input.dims[1] * input.dims[2];
  const best = new Float32Array(n);
  const label = new Uint8Array(n);
  const sw = m.automatic.slidingWindow;
  const spatial = patchLayout(sw.patchSize, m.axisOrder).shape;
  const groups = Math.ceil(classes.length / sw.classGroupSize);
  for (let g = 0; g < groups; g++) {
    const ids = classes.slice(g * sw.classGroupSize, (g + 1) * sw.classGroupSize);
    const classVector = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ids.length, 1]);
    await slidingWindow({
      image: input.image, dims: input.dims, sw, order: m.axisOrder, maps: ids.length, signal,
      onWindow: onWindow && ((d, t) => onWindow(d + g * t, t * groups)),
      run: async (patch) => {
        const out = await timer.time('network', () => s.automatic.run({
          [m.automatic.inputs.image]: new ort.Tensor('float32', patch, [1, 1, ...spatial]),
          [m.automatic.inputs.classVector]: classVector,
        }));
        return checkOutput(out[m.automatic.output] as ort.Tensor, [ids.length, 1, ...spatial], `automatic model output "${m.automatic.output}"`);
      },
      emit: (slab) => timer.time('argmax', () => foldArgmax(best, label, ids, input.dims, slab)),
    });
  }
  return label;
}

export interface Click {
  /** Voxel index [i, j, k] of the input file (continuous allowed). */
  point: Vec3;
  /** 1 positive, 0 negative (before the special-class remap). */
  label: 0 | 1;
}

/** One window per click (point_based_window_inferer, center_only): range per axis on the (padded) grid. */
export function clickWindow(p: Vec3, dims: Vec3, roi: Vec3): Vec3 {
  return [0, 1, 2].map((a) => {
    const half = Math.floor(roi[a] / 2);
    if (p[a] - half < 0) return 0;
    if (p[a] + half > dims[a]) return dims[a] - roi[a];
    return Math.trunc(p[a]) - half;
  }) as Vec3;
}

/**
 * Clicks handed to a window (VISTA3D.update_point_to_patch): only those strictly inside on every
 * axis (p − start > 0 and end − p > 0; a click on the window's first plane is dropped), in window
 * coordinates. Returns their indices and coordinates.
 */
export function passedClicks(points: readonly Vec3[], start: Vec3, roi: Vec3): { index: number[]; local: Vec3[] } {
  const index: number[] = [];
  const local: Vec3[] = [];
  points.forEach((p, i) => {
    if ([0, 1, 2].every((a) => p[a] - start[a] > 0 && start[a] + roi[a] - p[a] > 0)) {
      index.push(i);
      local.push([p[0] - start[0], p[1] - start[1], p[2] - start[2]]);
    }
  });
  return { index, local };
}

/** Model-grid coordinates of clicks given as input-file voxels. */
export function clicksOnModelGrid(input: Pick<ModelInput, 'steps'>, points: readonly Vec3[]): Vec3[] {
  return points.map((p) => toModelGrid(p, input.steps));
}

/**
 * Click path for one class (or none): a window around every click, both heads per window merged by
 * connected components (VISTA3D.connected_components_combine), window outputs summed, NaN (255)
 * outside every window; without a class, only components holding a positive click are kept.
 * Returns labels on the model grid: classId (1 without a class), 0, or m.notProcessedLabel.
 */
export async function vistaPoints(
  s: VistaSessions, m: Vista3dModel, input: ModelInput, classId: number | undefined, clicks: readonly Click[],
  timer: Timer, signal?: AbortSignal, onWindow?: (done: number, total: number) => void,
): Promise<Uint8Array> {
  const pm = m.point;
  if (!pm || !s.point) throw new SegmentationInputError('POINTS_UNSUPPORTED', 'this model card has no point model');
  if (classId !== undefined && m.subclasses[String(classId)]) {
    throw new SegmentationInputError('INVALID_POINTS', `class ${classId} is a group (${m.subclasses[String(classId)].join(', ')}); put clicks on one of its members`);
  }
  const roi = pm.patchSize;
  const pad = [0, 1, 2].map((a) => padBeforeAfter(input.dims[a], roi[a])[0]) as Vec3;
  const padded = [0, 1, 2].map((a) => Math.max(input.dims[a], roi[a])) as Vec3;
  const special = classId !== undefined && m.specialClasses.includes(classId);
  const labels = clicks.map((c) => (special ? c.label + 2 : c.label));
  const pts = clicks.map((c) => {
    const q = toModelGrid(c.point, input.steps);
    return [q[0] + pad[0], q[1] + pad[1], q[2] + pad[2]] as Vec3;
  });
  const withAuto = classId !== undefined && classId <= m.lastSupportedClass;
  const { shape, at } = patchLayout(roi, m.axisOrder);
  const pn = roi[0] * roi[1] * roi[2];
  const [nx, ny, nz] = input.dims;
  const sum = new Float32Array(nx * ny * nz);
  const covered = new Uint8Array(nx * ny * nz);
  const patch = new Float32Array(pn);
  const win = new Float32Array(pn);
  const toTensor = (p: Vec3): number[] => (m.axisOrder === 'xyz' ? [...p] : [p[2], p[1], p[0]]);
  const classVector = (c: number): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from([BigInt(c)]), [1, 1]);

  for (let w = 0; w < pts.length; w++) {
    signal?.throwIfAborted();
    const start = clickWindow(pts[w], padded, roi);
    const gridStart = [start[0] - pad[0], start[1] - pad[1], start[2] - pad[2]] as Vec3;
    fillPatch(input.image, input.dims, gridStart, roi, at, patch);
    const { index: passed, local } = passedClicks(pts, start, roi);
    const image = new ort.Tensor('float32', patch, [1, 1, ...shape]);

    let auto: Float32Array | undefined;
    if (withAuto) {
      const out = await timer.time('network', () => s.automatic.run({ [m.automatic.inputs.image]: image, [m.automatic.inputs.classVector]: classVector(classId) }));
      auto = checkOutput(out[m.automatic.output] as ort.Tensor, [1, 1, ...shape], `automatic model output "${m.automatic.output}"`);
    }
    if (passed.length === 0) {
      if (auto) win.set(auto);
      else win.fill(NINF);
    } else {
      const feeds: Record<string, ort.Tensor> = {
        [pm.inputs.image]: image,
        [pm.inputs.pointCoords]: new ort.Tensor('float32', Float32Array.from(local.flatMap(toTensor)), [1, local.length, 3]),
        [pm.inputs.pointLabels]: new ort.Tensor('int64', BigInt64Array.from(passed.map((i) => BigInt(labels[i]))), [1, local.length]),
      };
      if (pm.inputs.classVector) feeds[pm.inputs.classVector] = classVector(classId ?? 0);
      const out = await timer.time('network', () => s.point!.run(feeds));
      const point = checkOutput(out[pm.output] as ort.Tensor, [1, 1, ...shape], `point model output "${pm.output}"`);
      if (auto) timer.time('merge', () => combine(auto, point, local.map((p) => at(...(p.map(roundHalfEven) as Vec3))), local.map((p) => p.map(roundHalfEven) as Vec3), passed.map((i) => labels[i]), shape, m.axisOrder, win));
      else win.set(point);
    }
    // Stitch: summed, not averaged (the bundle sets its count mask to 1).
    for (let z = 0; z < roi[2]; z++) {
      const gz = gridStart[2] + z;
      if (gz < 0 || gz >= nz) continue;
      for (let y = 0; y < roi[1]; y++) {
        const gy = gridStart[1] + y;
        if (gy < 0 || gy >= ny) continue;
        const row = nx * (gy + ny * gz);
        for (let x = 0; x < roi[0]; x++) {
          const gx = gridStart[0] + x;
          if (gx < 0 || gx >= nx) continue;
          sum[row + gx] += win[at(x, y, z)];
          covered[row + gx] = 1;
        }
      }
    }
    onWindow?.(w + 1, pts.length);
  }

  return timer.time('postprocess', () => {
    const grid = pts.map((p) => p.map((v, a) => roundHalfEven(v - pad[a])) as Vec3);
    if (classId === undefined) keepClickedComponents(sum, covered, input.dims, grid.filter((_, i) => labels[i] === 1 || labels[i] === 3));
    const id = classId ?? 1;
    const out = new Uint8Array(sum.length);
    for (let i = 0; i < sum.length; i++) out[i] = covered[i] ? (sum[i] > 0 ? id : 0) : m.notProcessedLabel;
    return out;
  });
}

/**
 * VISTA3D.connected_components_combine for one window (arrays in tensor layout): where the point
 * head adds (or, at negative clicks, removes) a connected region touching a click, take the point
 * logits; elsewhere the automatic ones.
 */
function combine(
  auto: Float32Array, point: Float32Array, clickOffsets: number[], clickVoxels: Vec3[], labels: number[],
  shape: number[], order: 'xyz' | 'zyx', out: Float32Array,
): void {
  const n = auto.length;
  const inside = clickOffsets.some((o) => auto[o] > 0);
  const pos = new Uint8Array(n);
  const neg = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = positive(point[i]);
    const a = positive(auto[i]);
    pos[i] = (!a || inside) && p ? 1 : 0;
    neg[i] = a && !p ? 1 : 0;
  }
  const dims = shape as [number, number, number];
  const cpos = labelComponents(pos, dims).labels;
  const cneg = labelComponents(neg, dims).labels;
  const keepPos = new Set<number>();
  const keepNeg = new Set<number>();
  clickVoxels.forEach((v, k) => {
    const isPos = labels[k] === 1 || labels[k] === 3;
    const isNeg = labels[k] === 0 || labels[k] === 2;
    if (!isPos && !isNeg) return;
    const feat = isPos ? cpos : cneg;
    const t = order === 'xyz' ? v : ([v[2], v[1], v[0]] as Vec3);
    for (let h = 0; h < 3; h++) {
      let max = 0;
      for (let a = Math.max(t[0] - h, 0); a < Math.min(t[0] + h + 1, dims[0]); a++)
        for (let b = Math.max(t[1] - h, 0); b < Math.min(t[1] + h + 1, dims[1]); b++)
          for (let c = Math.max(t[2] - h, 0); c < Math.min(t[2] + h + 1, dims[2]); c++) {
            const l = feat[(a * dims[1] + b) * dims[2] + c];
            if (l > max) max = l;
          }
      if (max > 0) {
        (isPos ? keepPos : keepNeg).add(max);
        break;
      }
    }
  });
  for (let i = 0; i < n; i++) out[i] = keepPos.has(cpos[i]) || keepNeg.has(cneg[i]) ? point[i] : auto[i];
}

/**
 * VistaPostTransformd without a class: only connected components of (logit > 0) holding a positive
 * click stay positive; other positive voxels get the mean of the remaining finite logits.
 */
function keepClickedComponents(sum: Float32Array, covered: Uint8Array, dims: Vec3, clicks: Vec3[]): void {
  const n = sum.length;
  const [nx, ny, nz] = dims;
  // C order (z fastest) as skimage; membership is all that matters here.
  const mask = new Uint8Array(n);
  const cOf = (x: number, y: number, z: number): number => (x * ny + y) * nz + z;
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) if (covered[i] && sum[i] > 0) mask[cOf(x, y, z)] = 1;
  const { labels } = labelComponents(mask, [nx, ny, nz]);
  const keep = new Set<number>();
  for (const c of clicks) {
    if (c.some((v, a) => v < 0 || v >= dims[a])) continue;
    const l = labels[cOf(c[0], c[1], c[2])];
    if (l > 0) keep.add(l);
  }
  let total = 0;
  let count = 0;
  const kept = new Uint8Array(n);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    if (keep.has(labels[cOf(x, y, z)])) kept[i] = 1;
    else if (covered[i]) { total += sum[i]; count++; }
  }
  const fill = count > 0 ? total / count : NINF;
  for (let i = 0; i < n; i++) if (!kept[i] && covered[i] && sum[i] > 0) sum[i] = fill;
}
