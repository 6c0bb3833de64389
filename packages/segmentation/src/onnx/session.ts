import * as ort from 'onnxruntime-node';
import type { ModelCard } from './card.js';
import { ModelCardError } from './card.js';

export type Provider = 'cpu' | 'cuda';

/**
 * An ONNX session on the first usable provider. With 'cuda' first and 'cpu' allowed, a missing CUDA
 * provider falls back to the CPU with a log line; 'cuda' alone fails with the reason.
 */
export async function openSession(path: string, wanted: readonly Provider[], log: (m: string) => void): Promise<{ session: ort.InferenceSession; provider: Provider }> {
  if (wanted.includes('cuda')) {
    try {
      return { session: await ort.InferenceSession.create(path, { executionProviders: ['cuda', 'cpu'] }), provider: 'cuda' };
    } catch (e) {
      if (!wanted.includes('cpu')) throw new Error(`onnx: CUDA execution provider unavailable and cpu not allowed: ${(e as Error).message}`);
      log(`onnx: CUDA execution provider unavailable (${(e as Error).message.split('\n')[0]}); falling back to cpu`);
    }
  }
  return { session: await ort.InferenceSession.create(path, { executionProviders: ['cpu'] }), provider: 'cpu' };
}

interface Contract {
  role: string;
  inputs: Record<string, string | undefined>;
  output: string;
  /** Expected size of output dim 0 and 1 (undefined = any). */
  lead: [number | undefined, number | undefined];
}

/** What a card expects of each session: named inputs, the output and its leading dims. */
export function contracts(card: ModelCard): { main: Contract; point?: Contract } {
  const m = card.model;
  if (m.kind === 'softmax') return { main: { role: 'model', inputs: { image: m.inputs.image }, output: m.output, lead: [1, m.outputChannels] } };
  return {
    main: { role: 'automatic model', inputs: { image: m.automatic.inputs.image, classVector: m.automatic.inputs.classVector }, output: m.automatic.output, lead: [undefined, 1] },
    point: m.point && { role: 'point model', inputs: { ...m.point.inputs }, output: m.point.output, lead: [1, 1] },
  };
}

/** Checks a session against the card: every named input exists, every model input is named, the output has the card's shape. */
export function checkContract(session: ort.InferenceSession, c: Contract, file: string): void {
  const named = Object.entries(c.inputs).filter((e): e is [string, string] => e[1] !== undefined);
  const fail = (msg: string): never => {
    throw new ModelCardError(`model card does not fit the ${c.role} ${file}: ${msg}`);
  };
  for (const [field, name] of named) {
    if (!session.inputNames.includes(name)) fail(`input "${name}" (card field inputs.${field}) is not among the model's inputs [${session.inputNames.join(', ')}]`);
  }
  const unfed = session.inputNames.filter((n) => !named.some(([, name]) => name === n));
  if (unfed.length > 0) fail(`model input${unfed.length > 1 ? 's' : ''} ${unfed.map((n) => `"${n}"`).join(', ')} not named in the card`);
  if (!session.outputNames.includes(c.output)) fail(`output "${c.output}" is not among the model's outputs [${session.outputNames.join(', ')}]`);
  const meta = session.outputMetadata.find((m) => m.name === c.output);
  const shape = meta && 'shape' in meta ? meta.shape : undefined;
  if (shape) {
    if (shape.length !== 5) fail(`output "${c.output}" has rank ${shape.length} ([${shape.join(', ')}]); expected 5 ([N, C, X, Y, Z])`);
    c.lead.forEach((want, d) => {
      const got = shape[d];
      if (want !== undefined && typeof got === 'number' && got !== want) fail(`output "${c.output}" dim ${d} is ${got}; the card expects ${want} ([${shape.join(', ')}])`);
    });
  }
}

/** Runtime check of an output tensor (symbolic dims in the file are only known here). */
export function checkOutput(t: ort.Tensor, want: readonly number[], what: string): Float32Array {
  if (t.type !== 'float32' || t.dims.length !== want.length || t.dims.some((d, i) => d !== want[i])) {
    throw new ModelCardError(`${what} returned ${t.type} [${t.dims.join(', ')}]; expected float32 [${want.join(', ')}]`);
  }
  return t.data as Float32Array;
}

export { ort };
