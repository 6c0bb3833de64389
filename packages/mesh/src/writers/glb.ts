import type { LabelMesh } from '../types.js';
import { srgbToLinear } from './format.js';
import { CHUNK_BYTES, concat } from './sink.js';

/**
 * World RAS+ millimetres → glTF (metres, right-handed, +Y up, asset front facing +Z):
 * glTF X = −R (patient left), Y = S (superior, up), Z = A (anterior, faces the default camera).
 * The map is a proper rotation (determinant +1) so triangle winding and outward normals are kept.
 */
export function rasMmToGltf(x: number, y: number, z: number): [number, number, number] {
  return [-x / 1000, z / 1000, y / 1000];
}

const FLOAT = 5126;
const UINT = 5125;
const ARRAY_BUFFER = 34962;
const ELEMENT_ARRAY_BUFFER = 34963;

function* converted(src: Float32Array, scale: number, bounds?: { min: number[]; max: number[] }): Generator<Uint8Array> {
  const per = Math.floor(CHUNK_BYTES / 12) * 3;
  for (let s = 0; s < src.length; s += per) {
    const n = Math.min(per, src.length - s);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 3) {
      out[i] = -src[s + i] * scale;
      out[i + 1] = src[s + i + 2] * scale;
      out[i + 2] = src[s + i + 1] * scale;
      if (bounds) {
        for (let a = 0; a < 3; a++) {
          if (out[i + a] < bounds.min[a]) bounds.min[a] = out[i + a];
          if (out[i + a] > bounds.max[a]) bounds.max[a] = out[i + a];
        }
      }
    }
    yield new Uint8Array(out.buffer);
  }
}

/** Exact-enough size of the GLB of meshes with these counts (the JSON part is estimated). */
export function glbBytesEstimate(vertices: number, triangles: number, labels: number, normals: boolean): number {
  return 28 + 1200 * labels + vertices * (normals ? 24 : 12) + triangles * 12;
}

/**
 * Streams one binary glTF holding the whole segmentation: a scene "segmentation" with one node and one
 * mesh per label (both named with the label name; `extras` carries the label id and sRGB colour), and
 * a PBR material whose baseColorFactor is the label's VISTA3D colour (converted to linear as glTF
 * requires). Positions in metres, axes as in `rasMmToGltf`. Binary data go to `appendBin` label by
 * label (a temporary file when exporting), so only the small JSON part is held until `finish`.
 */
export class GlbBuilder {
  private readonly nodes: object[] = [];
  private readonly meshes: object[] = [];
  private readonly materials: object[] = [];
  private readonly accessors: object[] = [];
  private readonly views: object[] = [];
  binBytes = 0;

  constructor(private readonly appendBin: (chunk: Uint8Array) => Promise<void> | void) {}

  private async view(chunks: Iterable<Uint8Array>, target: number): Promise<number> {
    const offset = this.binBytes;
    for (const c of chunks) {
      await this.appendBin(c);
      this.binBytes += c.length;
    }
    this.views.push({ buffer: 0, byteOffset: offset, byteLength: this.binBytes - offset, target });
    return this.views.length - 1;
  }

  async add(m: LabelMesh): Promise<void> {
    const nv = m.positions.length / 3;
    const bounds = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
    const pv = await this.view(converted(m.positions, 1 / 1000, bounds), ARRAY_BUFFER);
    const attributes: Record<string, number> = {};
    this.accessors.push({ name: `${m.name} positions`, bufferView: pv, componentType: FLOAT, count: nv, type: 'VEC3', min: bounds.min, max: bounds.max });
    attributes.POSITION = this.accessors.length - 1;
    if (m.normals) {
      const nview = await this.view(converted(m.normals, 1), ARRAY_BUFFER);
      this.accessors.push({ name: `${m.name} normals`, bufferView: nview, componentType: FLOAT, count: nv, type: 'VEC3' });
      attributes.NORMAL = this.accessors.length - 1;
    }
    const iv = await this.view([new Uint8Array(m.indices.buffer, m.indices.byteOffset, m.indices.byteLength)], ELEMENT_ARRAY_BUFFER);
    this.accessors.push({ name: `${m.name} indices`, bufferView: iv, componentType: UINT, count: m.indices.length, type: 'SCALAR' });
    const indices = this.accessors.length - 1;
    this.materials.push({
      name: m.name,
      pbrMetallicRoughness: { baseColorFactor: [srgbToLinear(m.color[0]), srgbToLinear(m.color[1]), srgbToLinear(m.color[2]), 1], metallicFactor: 0, roughnessFactor: 0.6 },
    });
    this.meshes.push({ name: m.name, primitives: [{ attributes, indices, material: this.materials.length - 1, mode: 4 }] });
    this.nodes.push({ name: m.name, mesh: this.meshes.length - 1, extras: { labelId: m.labelId, color: [...m.color] } });
  }

  /** GLB header, JSON chunk and BIN chunk header; the BIN data (`binBytes`, 4-aligned) follow. */
  head(): Uint8Array {
    const json = {
      asset: { version: '2.0', generator: 'vista3d @vista3d/mesh' },
      extras: { units: 'm', axes: 'glTF X = -RAS x (left), Y = RAS z (superior), Z = RAS y (anterior)' },
      scene: 0,
      scenes: [{ name: 'segmentation', nodes: this.nodes.map((_, i) => i) }],
      nodes: this.nodes,
      meshes: this.meshes,
      materials: this.materials,
      accessors: this.accessors,
      bufferViews: this.views,
      buffers: [{ byteLength: this.binBytes }],
    };
    let text = JSON.stringify(json);
    text += ' '.repeat((4 - (Buffer.byteLength(text) % 4)) % 4);
    const jsonBytes = new TextEncoder().encode(text);
    const out = new Uint8Array(12 + 8 + jsonBytes.length + 8);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0x46546c67, true); // 'glTF'
    v.setUint32(4, 2, true);
    v.setUint32(8, out.length + this.binBytes, true);
    v.setUint32(12, jsonBytes.length, true);
    v.setUint32(16, 0x4e4f534a, true); // 'JSON'
    out.set(jsonBytes, 20);
    v.setUint32(20 + jsonBytes.length, this.binBytes, true);
    v.setUint32(24 + jsonBytes.length, 0x004e4942, true); // 'BIN\0'
    return out;
  }
}

/** The GLB of a few meshes in memory (tests, small exports). */
export async function toGlb(meshes: readonly LabelMesh[]): Promise<Uint8Array> {
  const bin: Uint8Array[] = [];
  const builder = new GlbBuilder((c) => void bin.push(c.slice()));
  for (const m of meshes) await builder.add(m);
  return concat([builder.head(), ...bin]);
}
