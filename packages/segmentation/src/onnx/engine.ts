import { createVolumeLike, type Vec3, type Volume } from '@vista3d/volume';
import * as ort from 'onnxruntime-node';
import { SegmentationInputError, type EngineConfig, type EngineInfo, type SegmentationEngine, type SegmentationRequest } from '../engine.js';
import { loadModelCard, type ModelCard } from './card.js';
import { modelGrid, normaliser, resampleCt, resampleLabelsNearest } from './resample.js';
import { importanceMap, patchStarts } from './sliding-window.js';

type OnnxConfig = Extract<EngineConfig, { kind: 'onnx' }>;

/**
 * ONNX model engine, MONAI-style pipeline: resample to model spacing (trilinear) → clip +
 * normalise → sliding-window inference (overlap, Gaussian blending, one patch at a time) → argmax
 * → channels to VISTA3D ids → nearest resampling back to the input grid. Point prompts are not
 * supported (a plain segmentation network has no prompt input).
 */
export class OnnxEngine implements SegmentationEngine {
  info: EngineInfo;
  private session: ort.InferenceSession | null = null;
  private card: ModelCard | null = null;
  private loading: Promise<void> | null = null;

  constructor(private readonly config: OnnxConfig, private readonly log: (msg: string) => void = (m) => console.warn(m)) {
    this.info = { name: 'onnx', version: '0', automaticClasses: [], supportsPoints: false, pointClasses: [], description: 'ONNX model (not loaded yet)' };
  }

  ready(): Promise<void> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    const cardPath = this.config.cardPath ?? this.config.modelPath.replace(/\.onnx$/i, '') + '.json';
    const card = await loadModelCard(cardPath);
    const wanted = this.config.executionProviders ?? ['cpu'];
    let session: ort.InferenceSession | null = null;
    let provider: 'cuda' | 'cpu' = 'cpu';
    if (wanted.includes('cuda')) {
      try {
        session = await ort.InferenceSession.create(this.config.modelPath, { executionProviders: ['cuda', 'cpu'] });
        provider = 'cuda';
      } catch (e) {
        if (!wanted.includes('cpu')) throw new Error(`onnx: CUDA execution provider unavailable and cpu not allowed: ${(e as Error).message}`);
        this.log(`onnx: CUDA execution provider unavailable (${(e as Error).message.split('\n')[0]}); falling back to cpu`);
      }
    }
    session ??= await ort.InferenceSession.create(this.config.modelPath, { executionProviders: ['cpu'] });
    this.session = session;
    this.card = card;
    this.info = {
      name: card.name,
      version: card.version,
      automaticClasses: card.channels.map((c) => c.classId),
      supportsPoints: false,
      pointClasses: [],
      description: `ONNX model ${card.name} ${card.version} at ${card.inputSpacing.join('×')} mm, patch ${card.patchSize.join('×')}, execution provider ${provider}`,
    };
  }

  async dispose(): Promise<void> {
    await this.session?.release();
    this.session = null;
  }

  async segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>> {
    await this.ready();
    const session = this.session;
    const card = this.card;
    if (!session || !card) throw new Error('onnx engine is disposed');
    const { signal, onProgress } = request;
    if (request.points && request.points.length > 0) {
      throw new SegmentationInputError('POINTS_UNSUPPORTED', `${card.name} does not accept point prompts`);
    }
    const known = new Set(card.channels.map((c) => c.classId));
    const wanted = request.classes ?? [...known];
    const unknown = wanted.filter((c) => !known.has(c));
    if (unknown.length > 0) throw new SegmentationInputError('UNSUPPORTED_CLASS', `${card.name} does not segment ${unknown.join(', ')}`);
    const channels = card.channels.filter((c) => wanted.includes(c.classId));

    signal?.throwIfAborted();
    onProgress?.(0, 'resample');
    const grid = modelGrid(ct, card.inputSpacing);
    const image = resampleCt(ct, card, grid);
    const labels = await this.slidingWindow(session, card, image, grid, channels, request);
    onProgress?.(0.95, 'resample back');
    const out = resampleLabelsNearest(labels, grid, ct.dims);
    onProgress?.(1, 'done');
    return createVolumeLike<Uint8Array>(ct, 'uint8', out, card.name);
  }

  /** Blended logits for background + the kept channels only, then argmax to class ids. */
  private async slidingWindow(
    session: ort.InferenceSession, card: ModelCard, image: Float32Array, grid: Vec3,
    channels: ModelCard['channels'], request: SegmentationRequest,
  ): Promise<Uint8Array> {
    const patch = card.patchSize;
    const n = grid[0] * grid[1] * grid[2];
    const keep = [0, ...channels.map((c) => c.channel)];
    const acc = keep.map(() => new Float32Array(n));
    const weight = new Float32Array(n);
    const imp = importanceMap(patch, card.blend);
    const pad = normaliser(card)(card.intensity.window[0]);
    const starts = [0, 1, 2].map((a) => patchStarts(grid[a], patch[a], card.overlap));
    const total = starts[0].length * starts[1].length * starts[2].length;
    const pn = patch[0] * patch[1] * patch[2];
    const input = new Float32Array(pn);
    const inputName = card.inputName ?? session.inputNames[0];
    const outputName = card.outputName ?? session.outputNames[0];
    const shape = card.axisOrder === 'xyz' ? [1, 1, patch[0], patch[1], patch[2]] : [1, 1, patch[2], patch[1], patch[0]];
    // Offset of (x,y,z) inside the patch tensor's memory order.
    const at = card.axisOrder === 'xyz'
      ? (x: number, y: number, z: number): number => (x * patch[1] + y) * patch[2] + z
      : (x: number, y: number, z: number): number => x + patch[0] * (y + patch[1] * z);
    let done = 0;
    for (const sz of starts[2]) for (const sy of starts[1]) for (const sx of starts[0]) {
      request.signal?.throwIfAborted();
      for (let z = 0; z < patch[2]; z++) for (let y = 0; y < patch[1]; y++) for (let x = 0; x < patch[0]; x++) {
        const gx = sx + x; const gy = sy + y; const gz = sz + z;
        input[at(x, y, z)] = gx < grid[0] && gy < grid[1] && gz < grid[2] ? image[gx + grid[0] * (gy + grid[1] * gz)] : pad;
      }
      const result = await session.run({ [inputName]: new ort.Tensor('float32', input, shape) });
      const logits = result[outputName].data as Float32Array;
      for (let z = 0; z < patch[2]; z++) for (let y = 0; y < patch[1]; y++) for (let x = 0; x < patch[0]; x++) {
        const gx = sx + x; const gy = sy + y; const gz = sz + z;
        if (gx >= grid[0] || gy >= grid[1] || gz >= grid[2]) continue;
        const g = gx + grid[0] * (gy + grid[1] * gz);
        const w = imp[x + patch[0] * (y + patch[1] * z)];
        const o = at(x, y, z);
        weight[g] += w;
        for (let k = 0; k < keep.length; k++) acc[k][g] += w * logits[keep[k] * pn + o];
      }
      done++;
      request.onProgress?.(0.05 + (0.9 * done) / total, `sliding window ${done}/${total}`);
    }
    // Weights are equal across channels per voxel, so argmax of the sums = argmax of the means.
    const ids = [0, ...channels.map((c) => c.classId)];
    const labels = new Uint8Array(n);
    for (let g = 0; g < n; g++) {
      let best = 0;
      for (let k = 1; k < keep.length; k++) if (acc[k][g] > acc[best][g]) best = k;
      labels[g] = ids[best];
    }
    return labels;
  }
}
