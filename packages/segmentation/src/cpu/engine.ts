import { BODY_LABEL_ID, labelById } from '@vista3d/labels';
import { createVolumeLike, type Vec3, type Volume } from '@vista3d/volume';
import { SegmentationInputError, type EngineInfo, type SegmentationEngine, type SegmentationRequest } from '../engine.js';
import { airwayMask } from './airway.js';
import { bodyMask } from './body.js';
import { boneMask } from './bone.js';
import { lungMasks } from './lungs.js';
import { axisInfo, type AxisInfo } from './orientation.js';
import { segmentFromClicks } from './interactive.js';
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
    const body = needBody ? bodyMask(ct, axes, new Uint8Array(n)) : null;
    if (body) {
      let a: Uint8Array | null = null;
      if (needAirway) {
        await progress(0.2, 'airway');
        a = new Uint8Array(n);
        const { mid, width } = bodyExtent(body, ct.dims, axes);
        airwayMask(ct, axes, body, mid, width, a);
      }
      let lungs: Uint8Array | null = null;
      if (needLungs) {
        await progress(0.35, 'lungs');
        lungs = new Uint8Array(n);
        lungMasks(ct, axes, body, a, lungs, labels);
        labels.fill(0);
      }
      if (want(CPU_CLASSES.bone)) {
        await progress(0.55, 'bone');
        const bone = lungs ?? new Uint8Array(n);
        // Paint lungs first so the bone pass can reuse their buffer.
        if (lungs) paintLungs(lungs, labels, want);
        boneMask(ct, axes, body, bone);
        for (let i = 0; i < n; i++) if (bone[i] !== 0 && labels[i] === 0) labels[i] = CPU_CLASSES.bone;
      } else if (lungs) paintLungs(lungs, labels, want);
      if (a) {
        const trachea = want(CPU_CLASSES.trachea) ? CPU_CLASSES.trachea : want(CPU_CLASSES.airway) ? CPU_CLASSES.airway : 0;
        const airway = want(CPU_CLASSES.airway) ? CPU_CLASSES.airway : 0;
        for (let i = 0; i < n; i++) {
          if (a[i] === 2 && trachea) labels[i] = trachea;
          else if (a[i] === 1 && airway) labels[i] = airway;
        }
      }
      if (want(CPU_CLASSES.body)) for (let i = 0; i < n; i++) if (body[i] !== 0 && labels[i] === 0) labels[i] = CPU_CLASSES.body;
    }
    if (prompts.length > 0) {
      const region = body ?? new Uint8Array(n);
      for (let p = 0; p < prompts.length; p++) {
        await progress(0.75 + (0.25 * p) / prompts.length, `points ${p + 1}/${prompts.length}`);
        segmentFromClicks(ct, axes, prompts[p].points, prompts[p].pointLabels, region);
        for (let i = 0; i < n; i++) if (region[i] !== 0) labels[i] = prompts[p].classId;
      }
    }
    await progress(1, 'done');
    return createVolumeLike<Uint8Array>(ct, 'uint8', labels, 'vista3d-cpu-classical');
  }
}

function paintLungs(lungs: Uint8Array, labels: Uint8Array, want: (id: number) => boolean): void {
  const left = want(CPU_CLASSES.leftLung) ? CPU_CLASSES.leftLung : 0;
  const right = want(CPU_CLASSES.rightLung) ? CPU_CLASSES.rightLung : 0;
  for (let i = 0; i < lungs.length; i++) {
    if (lungs[i] === 1 && left) labels[i] = left;
    else if (lungs[i] === 2 && right) labels[i] = right;
  }
}

/** Centre and width of the body along the left-right voxel axis (index units). */
function bodyExtent(body: Uint8Array, dims: Vec3, axes: AxisInfo): { mid: number; width: number } {
  const stride = [1, dims[0], dims[0] * dims[1]][axes.lrAxis];
  const len = dims[axes.lrAxis];
  const count = new Float64Array(len);
  for (let i = 0; i < body.length; i++) if (body[i] !== 0) count[Math.floor(i / stride) % len]++;
  let lo = -1;
  let hi = -1;
  let s = 0;
  let t = 0;
  for (let k = 0; k < len; k++) if (count[k] > 0) { if (lo < 0) lo = k; hi = k; s += k * count[k]; t += count[k]; }
  return t > 0 ? { mid: s / t, width: hi - lo + 1 } : { mid: (len - 1) / 2, width: len };
}
