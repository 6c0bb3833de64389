import { BODY_LABEL_ID, labelById } from '@vista3d/labels';
import { createVolumeLike, type Vec3, type Volume } from '@vista3d/volume';
import { SegmentationInputError, type EngineInfo, type SegmentationEngine, type SegmentationRequest } from '../engine.js';
import { airwayMask } from './airway.js';
import { bodyMask } from './body.js';
import { boneMask } from './bone.js';
import { lungMasks } from './lungs.js';
import { axisInfo, type AxisInfo } from './orientation.js';
import { runsProfile, type Runs } from './runs.js';
import { segmentClassFromClicks } from './click-strategy.js';
import { withGrid } from './grid-pool.js';
import { forRowRuns } from './row-runs.js';
import { validatePrompts } from '../prompts.js';

export const CPU_CLASSES = {
  body: BODY_LABEL_ID,
  leftLung: 135,
  rightLung: 136,
  airway: 132,
  trachea: 57,
  bone: 21,
} as const;

const AUTOMATIC: readonly number[] = [
  CPU_CLASSES.body, CPU_CLASSES.bone, CPU_CLASSES.leftLung, CPU_CLASSES.rightLung, CPU_CLASSES.airway, CPU_CLASSES.trachea,
];

/** Lets abort signals and other requests run between the (synchronous) stages. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Classical CT analysis on Hounsfield units (no model): body, lungs (left/right), airway and
 * trachea, bone; plus 3D region growing from point prompts for any class. Pure TypeScript.
 */
export class CpuEngine implements SegmentationEngine {
  readonly info: EngineInfo = {
    name: 'vista3d-cpu-classical',
    version: '1.0.0',
    automaticClasses: AUTOMATIC,
    supportsPoints: true,
    pointClasses: 'any',
    description:
      'Classical HU thresholds + connected components: body (200), left/right lung (135/136), airway (132) and trachea (57) when in the field of view, bone (21, all bones as one class); 3D region growing from point prompts for any class.',
  };

  async ready(): Promise<void> {}
  async dispose(): Promise<void> {}

  async segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>> {
    const { signal, onProgress } = request;
    const prompts = validatePrompts(ct, request.points ?? []);
    const prompted = new Set(prompts.map((p) => p.classId));
    const wanted = request.classes === undefined ? new Set(AUTOMATIC) : new Set(request.classes);
    const unsupported = [...wanted].filter((c) => !AUTOMATIC.includes(c) && !prompted.has(c));
    if (unsupported.length > 0) {
      const names = unsupported.map((c) => `${c} (${labelById(c)?.name ?? 'unknown'})`).join(', ');
      throw new SegmentationInputError('UNSUPPORTED_CLASS', `${this.info.name} cannot segment ${names} automatically; give point prompts for them`);
    }
    const progress = async (f: number, stage: string): Promise<void> => {
      signal?.throwIfAborted();
      onProgress?.(f, stage);
      await tick();
      signal?.throwIfAborted();
    };
    const n = ct.dims[0] * ct.dims[1] * ct.dims[2];
    const axes = axisInfo(ct.affine);
    const labels = new Uint8Array(n);
    const want = (id: number): boolean => wanted.has(id);
    const needLungs = want(CPU_CLASSES.leftLung) || want(CPU_CLASSES.rightLung);
    const needAirway = want(CPU_CLASSES.airway) || want(CPU_CLASSES.trachea) || needLungs;
    const needBody = needAirway || want(CPU_CLASSES.body) || want(CPU_CLASSES.bone);

    await progress(0, 'body');
    // Two whole-volume buffers in all (body, labels): fresh pages cost a page fault each on first
    // touch, about as much as a pass, so stages hand buffers on instead of allocating.
    const body = needBody ? new Uint8Array(n) : null;
    const bodyRuns = body ? bodyMask(ct, axes, body) : null;
    if (body && bodyRuns) {
      // Airway (1 bronchi, 2 trachea) and lungs (3 left, 4 right, disjoint from the airway) are
      // written as codes straight into the label buffer, renamed by the final paint.
      if (needAirway) {
        await progress(0.2, 'airway');
        const { mid, width } = bodyExtent(bodyRuns, ct.dims, axes);
        airwayMask(ct, axes, body, mid, width, labels);
      }
      if (needLungs) {
        await progress(0.35, 'lungs');
        lungMasks(ct, axes, body, bodyRuns, needAirway ? labels : null, labels, [CODE.left, CODE.right]);
      }
      // From here on the body is its runs: its buffer becomes the bone stage's.
      let bone: Uint8Array | null = null;
      if (want(CPU_CLASSES.bone)) {
        await progress(0.55, 'bone');
        bone = body;
        boneMask(ct, axes, bodyRuns, bone);
      }
      await progress(0.7, 'labels');
      paintLabels(labels, bodyRuns, bone, want);
    }
    if (prompts.length > 0) {
      for (let p = 0; p < prompts.length; p++) {
        await progress(0.75 + (0.25 * p) / prompts.length, `points ${p + 1}/${prompts.length}`);
        const { classId, points, pointLabels } = prompts[p];
        // Borrowed and given back between two awaits (grid-pool.ts); painted run by run.
        withGrid(n, (region) => {
          segmentClassFromClicks(ct, axes, { classId, points, labels: pointLabels }, region);
          forRowRuns(region, ct.dims[0], (s, e) => { labels.fill(classId, s, e); });
        });
      }
    }
    await progress(1, 'done');
    return createVolumeLike<Uint8Array>(ct, 'uint8', labels, 'vista3d-cpu-classical');
  }
}

/** Codes of the label buffer before the final paint. */
const CODE = { airway: 1, trachea: 2, left: 3, right: 4 } as const;

/**
 * All automatic labels in one pass over the label buffer (airway, trachea and lungs as CODE on
 * entry), row by row along the body's runs: airway and trachea, lungs, bone where there is
 * neither, body elsewhere inside the body's runs.
 */
function paintLabels(labels: Uint8Array, bodyRuns: Runs, bone: Uint8Array | null, want: (id: number) => boolean): void {
  const id = new Uint8Array(5);
  id[CODE.left] = want(CPU_CLASSES.leftLung) ? CPU_CLASSES.leftLung : 0;
  id[CODE.right] = want(CPU_CLASSES.rightLung) ? CPU_CLASSES.rightLung : 0;
  id[CODE.trachea] = want(CPU_CLASSES.trachea) ? CPU_CLASSES.trachea : want(CPU_CLASSES.airway) ? CPU_CLASSES.airway : 0;
  id[CODE.airway] = want(CPU_CLASSES.airway) ? CPU_CLASSES.airway : 0;
  const bodyId = want(CPU_CLASSES.body) ? CPU_CLASSES.body : 0;
  const nx = bodyRuns.dims[0];
  const span = (from: number, to: number, otherwise: number): void => {
    for (let v = from; v < to; v++) {
      const l = id[labels[v]];
      labels[v] = l !== 0 ? l : bone !== null && bone[v] !== 0 ? CPU_CLASSES.bone : otherwise;
    }
  };
  for (let r = 0; r + 1 < bodyRuns.rowOffset.length; r++) {
    const base = r * nx;
    let x = 0;
    for (let i = bodyRuns.rowOffset[r]; i < bodyRuns.rowOffset[r + 1]; i++) {
      span(base + x, base + bodyRuns.start[i], 0);
      span(base + bodyRuns.start[i], base + bodyRuns.end[i] + 1, bodyId);
      x = bodyRuns.end[i] + 1;
    }
    span(base + x, base + nx, 0);
  }
}

/** Centre and width of the body along the left-right voxel axis (index units), from its runs. */
function bodyExtent(bodyRuns: Runs, dims: Vec3, axes: AxisInfo): { mid: number; width: number } {
  const len = dims[axes.lrAxis];
  const p = runsProfile(bodyRuns, axes.lrAxis);
  return p.count > 0 ? { mid: p.sum / p.count, width: p.max - p.min + 1 } : { mid: (len - 1) / 2, width: len };
}
