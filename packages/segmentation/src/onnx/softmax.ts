import type { SoftmaxModel } from './card.js';
import { slidingWindow } from './inference.js';
import type { ModelInput } from './pipeline.js';
import { checkOutput, ort } from './session.js';
import type { Timer } from './timer.js';

/**
 * Softmax-style model (channel 0 = background): blended logits per channel group, argmax over all
 * channels (first maximum on ties, as torch), channel → class id; channels not wanted become 0.
 * Only one group of `classGroupSize` blended maps is alive at a time; the network runs once per group.
 */
export async function segmentSoftmax(
  session: ort.InferenceSession, m: SoftmaxModel, input: ModelInput, wanted: ReadonlySet<number>,
  timer: Timer, signal?: AbortSignal, onWindow?: (done: number, total: number) => void,
): Promise<Uint8Array> {
  const n = input.dims[0] * input.dims[1] * input.dims[2];
  const best = new Float32Array(n).fill(-Infinity);
  const label = new Uint8Array(n);
  const ids = new Uint8Array(m.outputChannels);
  for (const c of m.channels) if (wanted.has(c.classId)) ids[c.channel] = c.classId;
  const patch = m.slidingWindow.patchSize;
  const pn = patch[0] * patch[1] * patch[2];
  const spatial = m.axisOrder === 'xyz' ? [...patch] : [patch[2], patch[1], patch[0]];
  const group = m.slidingWindow.classGroupSize;
  const groups = Math.ceil(m.outputChannels / group);
  for (let g0 = 0; g0 < m.outputChannels; g0 += group) {
    const maps = Math.min(group, m.outputChannels - g0);
    const blended = await slidingWindow({
      image: input.image, dims: input.dims, sw: m.slidingWindow, order: m.axisOrder, maps, signal,
      onWindow: onWindow && ((d, t) => onWindow(d + (g0 / group) * t, t * groups)),
      run: async (patchData) => {
        const out = await timer.time('network', () => session.run({ [m.inputs.image]: new ort.Tensor('float32', patchData, [1, 1, ...spatial]) }));
        const data = checkOutput(out[m.output] as ort.Tensor, [1, m.outputChannels, ...spatial], `model output "${m.output}"`);
        return data.subarray(g0 * pn, (g0 + maps) * pn);
      },
    });
    timer.time('argmax', () => {
      for (let k = 0; k < maps; k++) {
        const map = blended[k];
        const id = ids[g0 + k];
        for (let i = 0; i < n; i++) if (map[i] > best[i]) { best[i] = map[i]; label[i] = id; }
      }
    });
  }
  return label;
}
