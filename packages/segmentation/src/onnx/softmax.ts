import type { SoftmaxModel } from './card.js';
import { copySlab, foldArgmax, slidingWindow } from './inference.js';
import type { ModelInput } from './pipeline.js';
import { checkOutput, ort } from './session.js';
import type { Timer } from './timer.js';

/**
 * Softmax-style model (channel 0 = background): blended logits per channel group, argmax over all
 * channels (first maximum on ties, as torch), channel → class id; channels not wanted become 0.
 * Only one group of `classGroupSize` maps is accumulated at a time, over one x-slab of the grid;
 * the network runs once per group.
 */
export async function segmentSoftmax(
  session: ort.InferenceSession, m: SoftmaxModel, input: ModelInput, wanted: ReadonlySet<number>,
  timer: Timer, signal?: AbortSignal, onWindow?: (done: number, total: number) => void,
  onBlended?: (firstChannel: number, maps: readonly Float32Array[]) => void,
): Promise<Uint8Array> {
  const n = input.dims[0] * input.dims[1] * input.dims[2];
  const best = new Float32Array(n).fill(-Infinity);
  const label = new Uint8Array(n);
  const channelIds = new Uint8Array(m.outputChannels);
  for (const c of m.channels) if (wanted.has(c.classId)) channelIds[c.channel] = c.classId;
  const patch = m.slidingWindow.patchSize;
  const pn = patch[0] * patch[1] * patch[2];
  const spatial = m.axisOrder === 'xyz' ? [...patch] : [patch[2], patch[1], patch[0]];
  const group = m.slidingWindow.classGroupSize;
  const groups = Math.ceil(m.outputChannels / group);
  for (let g0 = 0; g0 < m.outputChannels; g0 += group) {
    const maps = Math.min(group, m.outputChannels - g0);
    const ids = channelIds.subarray(g0, g0 + maps);
    const full = onBlended ? Array.from({ length: maps }, () => new Float32Array(n)) : undefined;
    await slidingWindow({
      image: input.image, dims: input.dims, sw: m.slidingWindow, order: m.axisOrder, maps, signal,
      onWindow: onWindow && ((d, t) => onWindow(d + (g0 / group) * t, t * groups)),
      run: async (patchData) => {
        const out = await timer.time('network', () => session.run({ [m.inputs.image]: new ort.Tensor('float32', patchData, [1, 1, ...spatial]) }));
        const data = checkOutput(out[m.output] as ort.Tensor, [1, m.outputChannels, ...spatial], `model output "${m.output}"`);
        return data.subarray(g0 * pn, (g0 + maps) * pn);
      },
      emit: (slab) => timer.time('argmax', () => {
        foldArgmax(best, label, ids, input.dims, slab);
        if (full) for (let k = 0; k < maps; k++) copySlab(full[k], slab, k, input.dims);
      }),
    });
    if (full) onBlended?.(g0, full);
  }
  return label;
}
