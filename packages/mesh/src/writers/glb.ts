import { Document, NodeIO } from '@gltf-transform/core';
import type { LabelMesh } from '../types.js';
import { srgbToLinear } from './format.js';

/**
 * World RAS+ millimetres → glTF (metres, right-handed, +Y up, asset front facing +Z):
 * glTF X = −R (patient left), Y = S (superior, up), Z = A (anterior, faces the default camera).
 * The map is a proper rotation (determinant +1) so triangle winding and outward normals are kept.
 */
export function rasMmToGltf(x: number, y: number, z: number): [number, number, number] {
  return [-x / 1000, z / 1000, y / 1000];
}

function convert(src: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i += 3) {
    out[i] = -src[i] * scale;
    out[i + 1] = src[i + 2] * scale;
    out[i + 2] = src[i + 1] * scale;
  }
  return out;
}

/**
 * One binary glTF holding the whole segmentation: a scene "segmentation" with one node and one mesh
 * per label (both named with the label name; `extras` carries the label id and sRGB colour), and a
 * PBR material whose baseColorFactor is the label's VISTA3D colour (converted to linear as glTF
 * requires). Positions in metres, axes as in `rasMmToGltf`.
 */
export async function toGlb(meshes: readonly LabelMesh[]): Promise<Uint8Array> {
  const doc = new Document();
  doc.getRoot().getAsset().generator = 'vista3d @vista3d/mesh';
  doc.getRoot().setExtras({ units: 'm', axes: 'glTF X = -RAS x (left), Y = RAS z (superior), Z = RAS y (anterior)' });
  const buffer = doc.createBuffer();
  const scene = doc.createScene('segmentation');
  for (const m of meshes) {
    const position = doc.createAccessor(`${m.name} positions`).setType('VEC3').setArray(convert(m.positions, 1 / 1000)).setBuffer(buffer);
    const indices = doc.createAccessor(`${m.name} indices`).setType('SCALAR').setArray(m.indices).setBuffer(buffer);
    const material = doc.createMaterial(m.name)
      .setBaseColorFactor([srgbToLinear(m.color[0]), srgbToLinear(m.color[1]), srgbToLinear(m.color[2]), 1])
      .setMetallicFactor(0)
      .setRoughnessFactor(0.6);
    const prim = doc.createPrimitive().setAttribute('POSITION', position).setIndices(indices).setMaterial(material);
    if (m.normals) {
      prim.setAttribute('NORMAL', doc.createAccessor(`${m.name} normals`).setType('VEC3').setArray(convert(m.normals, 1)).setBuffer(buffer));
    }
    const mesh = doc.createMesh(m.name).addPrimitive(prim);
    const node = doc.createNode(m.name).setMesh(mesh).setExtras({ labelId: m.labelId, color: [...m.color] });
    scene.addChild(node);
  }
  doc.getRoot().setDefaultScene(scene);
  return new NodeIO().writeBinary(doc);
}
