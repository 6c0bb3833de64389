import { createVolumeLike, type Volume } from '@vista3d/volume';
import { SegmentationInputError, type EngineConfig, type EngineInfo, type SegmentationEngine, type SegmentationRequest } from '../engine.js';
import { loadModelCard, modelFiles, type ModelCard } from './card.js';
import { invertLabels, preprocess, type ModelInput } from './pipeline.js';
import { checkContract, contracts, openSession, type ort, type Provider } from './session.js';
import { segmentSoftmax } from './softmax.js';
import { Timer } from './timer.js';
import { expandClasses, vistaAutomatic, vistaPoints, type VistaSessions } from './vista.js';

type OnnxConfig = Extract<EngineConfig, { kind: 'onnx' }>;

/** Diagnostics taps (tests and benchmarks compare intermediate values with MONAI's). */
export interface OnnxTaps {
  /** The normalised image on the model grid. */
  onModelInput?: (input: ModelInput) => void;
  /** Blended logits of output channels firstChannel… (softmax models), on the model grid. */
  onBlended?: (firstChannel: number, maps: readonly Float32Array[]) => void;
}

/** The card's path for an engine config: given, or the model path with .json instead of .onnx. */
export function cardPathOf(config: OnnxConfig): string {
  return config.cardPath ?? config.modelPath.replace(/\.onnx$/i, '') + '.json';
}

/**
 * ONNX model engine: the card's preprocessing (MONAI-exact stages), then either a softmax model's
 * sliding window and argmax, or VISTA3D's class head (automatic) and point head (clicks); labels go
 * back to the input grid by undoing the spatial stages with nearest neighbour.
 */
export class OnnxEngine implements SegmentationEngine {
  info: EngineInfo;
  /** Per-stage milliseconds of the last segment() call (benchmarks). */
  lastTimings: Record<string, number> = {};
  private sessions: { main: ort.InferenceSession; point?: ort.InferenceSession } | null = null;
  private card: ModelCard | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly config: OnnxConfig,
    private readonly log: (msg: string) => void = (m) => console.warn(m),
    private readonly taps: OnnxTaps = {},
  ) {
    this.info = { name: 'onnx', version: '0', automaticClasses: [], supportsPoints: false, pointClasses: [], description: 'ONNX model (not loaded yet)' };
  }

  ready(): Promise<void> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<void> {
    const cardPath = cardPathOf(this.config);
    const card = await loadModelCard(cardPath);
    const files = modelFiles(card, cardPath, this.config.modelPath);
    const wanted: Provider[] = this.config.executionProviders ?? ['cpu'];
    const c = contracts(card);
    const main = await openSession(files.main, wanted, this.log);
    checkContract(main.session, c.main, files.main);
    let point: ort.InferenceSession | undefined;
    if (c.point && files.point) {
      point = (await openSession(files.point, wanted, this.log)).session;
      checkContract(point, c.point, files.point);
    }
    this.sessions = { main: main.session, point };
    this.card = card;
    const m = card.model;
    const spacing = card.preprocessing.find((t) => t.name === 'spacing');
    const where = `${spacing ? ` at ${spacing.pixdim.join('×')} mm` : ''}, execution provider ${main.provider}`;
    this.info = m.kind === 'softmax'
      ? {
          name: card.name, version: card.version, automaticClasses: m.channels.map((ch) => ch.classId), supportsPoints: false, pointClasses: [],
          description: card.description ?? `ONNX model ${card.name} ${card.version}${where}, patch ${m.slidingWindow.patchSize.join('×')}`,
        }
      : {
          name: card.name, version: card.version, automaticClasses: [...m.classes], supportsPoints: point !== undefined,
          // Clicks go to one class at a time; group ids (subclasses) cannot take them.
          pointClasses: point ? m.classes.filter((c) => !m.subclasses[String(c)]) : [],
          description: card.description ?? `VISTA3D-style ONNX model ${card.name} ${card.version}${where}${point ? ', with point model' : ''}`,
        };
  }

  async dispose(): Promise<void> {
    await this.sessions?.main.release();
    await this.sessions?.point?.release();
    this.sessions = null;
  }

  async segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>> {
    await this.ready();
    const sessions = this.sessions;
    const card = this.card;
    if (!sessions || !card) throw new Error('onnx engine is disposed');
    const { signal, onProgress } = request;
    const timer = new Timer();
    const m = card.model;
    const points = request.points ?? [];
    const known = new Set(this.info.automaticClasses);
    const wanted = request.classes ?? (m.kind === 'vista3d' ? (points.length > 0 ? [] : m.everything) : [...known]);
    const unknown = wanted.filter((c) => !known.has(c));
    if (unknown.length > 0) throw new SegmentationInputError('UNSUPPORTED_CLASS', `${card.name} does not segment ${unknown.join(', ')}`);
    if (points.length > 0 && m.kind !== 'vista3d') throw new SegmentationInputError('POINTS_UNSUPPORTED', `${card.name} does not accept point prompts`);
    for (const p of points) {
      if (p.points.some((pt) => pt.some((v, a) => !(v >= 0 && v <= ct.dims[a] - 1)))) {
        throw new SegmentationInputError('POINT_OUTSIDE_VOLUME', `class ${p.classId}: a point lies outside the ${ct.dims.join('×')} volume`);
      }
    }

    signal?.throwIfAborted();
    onProgress?.(0, 'preprocess');
    const input = preprocess(ct, card.preprocessing);
    for (const [k, v] of Object.entries(input.timings)) timer.add(`pre:${k}`, v);
    this.taps.onModelInput?.(input);
    signal?.throwIfAborted();
    const progress = (from: number, span: number, what: string) => (d: number, t: number): void => onProgress?.(from + (span * d) / t, `${what} ${d}/${t}`);
    let labels: Uint8Array;
    if (m.kind === 'softmax') {
      labels = await timer.time('sliding window', () => segmentSoftmax(sessions.main, m, input, new Set(wanted), timer, signal, progress(0.05, 0.85, 'sliding window'), this.taps.onBlended));
    } else {
      const s: VistaSessions = { automatic: sessions.main, point: sessions.point };
      const auto = expandClasses(m, wanted.filter((c) => !points.some((p) => p.classId === c)));
      labels = auto.length > 0 || points.length === 0
        ? await timer.time('sliding window', () => vistaAutomatic(s, m, input, auto, timer, signal, progress(0.05, points.length > 0 ? 0.45 : 0.85, 'sliding window')))
        : new Uint8Array(input.image.length).fill(m.notProcessedLabel);
      const first = auto.length === 0;
      for (const [k, p] of points.entries()) {
        const clicks = p.points.map((pt, i) => ({ point: pt, label: p.pointLabels[i] }));
        const out = await timer.time('click windows', () => vistaPoints(s, m, input, p.classId, clicks, timer, signal, progress(0.5, 0.4, `click windows (class ${p.classId})`)));
        overlay(labels, out, p.classId, m.notProcessedLabel, first && k === 0);
      }
    }
    onProgress?.(0.92, 'resample back');
    const out = timer.time('invert', () => invertLabels(labels, input.steps));
    this.lastTimings = timer.ms;
    onProgress?.(1, 'done');
    return createVolumeLike<Uint8Array>(ct, 'uint8', out, card.name);
  }
}

/** Puts one click result over the labels so far: its class where positive; where nothing was processed yet, its 0s too. */
function overlay(labels: Uint8Array, add: Uint8Array, id: number, notProcessed: number, replace: boolean): void {
  if (replace) {
    labels.set(add);
    return;
  }
  for (let i = 0; i < labels.length; i++) {
    const v = add[i];
    if (v === id) labels[i] = id;
    else if (v === 0 && labels[i] === notProcessed) labels[i] = 0;
  }
}
