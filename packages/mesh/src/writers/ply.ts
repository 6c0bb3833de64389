import type { LabelMesh } from '../types.js';

/**
 * Binary little-endian PLY of one label: vertices with float x y z (world RAS mm), float nx ny nz
 * when normals exist, uchar red green blue (the label colour); faces as `list uchar uint`.
 */
export function toPly(mesh: LabelMesh): Uint8Array {
  const p = mesh.positions;
  const n = mesh.normals;
  const ix = mesh.indices;
  const nv = p.length / 3;
  const nf = ix.length / 3;
  const header = [
    'ply',
    'format binary_little_endian 1.0',
    'comment vista3d surface mesh, world RAS+ millimetres',
    `comment label ${mesh.labelId} ${mesh.name}`,
    `element vertex ${nv}`,
    'property float x', 'property float y', 'property float z',
    ...(n ? ['property float nx', 'property float ny', 'property float nz'] : []),
    'property uchar red', 'property uchar green', 'property uchar blue',
    `element face ${nf}`,
    'property list uchar uint vertex_indices',
    'end_header',
    '',
  ].join('\n');
  const head = new TextEncoder().encode(header);
  const vertexBytes = (n ? 24 : 12) + 3;
  const bytes = new Uint8Array(head.length + nv * vertexBytes + nf * 13);
  bytes.set(head);
  const view = new DataView(bytes.buffer);
  let o = head.length;
  const [r, g, b] = mesh.color;
  for (let v = 0; v < nv; v++) {
    view.setFloat32(o, p[3 * v], true); view.setFloat32(o + 4, p[3 * v + 1], true); view.setFloat32(o + 8, p[3 * v + 2], true);
    o += 12;
    if (n) {
      view.setFloat32(o, n[3 * v], true); view.setFloat32(o + 4, n[3 * v + 1], true); view.setFloat32(o + 8, n[3 * v + 2], true);
      o += 12;
    }
    bytes[o++] = r; bytes[o++] = g; bytes[o++] = b;
  }
  for (let t = 0; t < ix.length; t += 3) {
    bytes[o++] = 3;
    view.setUint32(o, ix[t], true); view.setUint32(o + 4, ix[t + 1], true); view.setUint32(o + 8, ix[t + 2], true);
    o += 12;
  }
  return bytes;
}
