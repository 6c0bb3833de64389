/**
 * Builds a tiny ONNX model in memory (no downloaded weights) for tests: one 1×1×1 Conv3d from one
 * input channel to `weights.length` output channels, logit_c = weights[c]·x + biases[c]. With a
 * minmax-normalised input this is a per-voxel intensity threshold classifier, e.g. channel 1 =
 * 100·(x − t) marks voxels brighter than t. Spatial dims are symbolic, so any patch size runs.
 * Encoded by hand (protobuf wire format, ~60 lines) to avoid an onnx/protobuf dependency.
 */
export function buildThresholdConvModel(weights: readonly number[], biases: readonly number[], names = { input: 'image', output: 'logits' }): Uint8Array {
  if (weights.length !== biases.length || weights.length === 0) throw new Error('weights and biases must have the same non-zero length');
  const c = weights.length;
  const floats = (v: readonly number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);
  const tensor = (name: string, dims: number[], values: readonly number[]): Uint8Array =>
    msg([...dims.map((d) => varintField(1, d)), varintField(2, 1 /* FLOAT */), bytesField(8, utf8(name)), bytesField(9, floats(values))]);
  const dim = (v: number | string): Uint8Array => (typeof v === 'number' ? msg([varintField(1, v)]) : msg([bytesField(2, utf8(v))]));
  const valueInfo = (name: string, dims: Array<number | string>): Uint8Array =>
    msg([bytesField(1, utf8(name)), bytesField(2, msg([bytesField(1, msg([varintField(1, 1), bytesField(2, msg(dims.map((d) => bytesField(1, dim(d)))))]))]))]);
  const node = msg([bytesField(1, utf8(names.input)), bytesField(1, utf8('W')), bytesField(1, utf8('B')), bytesField(2, utf8(names.output)), bytesField(3, utf8('conv')), bytesField(4, utf8('Conv'))]);
  const graph = msg([
    bytesField(1, node),
    bytesField(2, utf8('threshold_conv')),
    bytesField(5, tensor('W', [c, 1, 1, 1, 1], weights)),
    bytesField(5, tensor('B', [c], biases)),
    bytesField(11, valueInfo(names.input, [1, 1, 'X', 'Y', 'Z'])),
    bytesField(12, valueInfo(names.output, [1, c, 'X', 'Y', 'Z'])),
  ]);
  return msg([varintField(1, 8), bytesField(2, utf8('vista3d-test')), bytesField(7, graph), bytesField(8, msg([bytesField(1, utf8('')), varintField(2, 13)]))]);
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
function varint(v: number): number[] {
  const out: number[] = [];
  let n = BigInt(v);
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}
function varintField(field: number, v: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(v)]);
}
function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes]);
}
function msg(parts: Uint8Array[]): Uint8Array {
  return concat(parts);
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
