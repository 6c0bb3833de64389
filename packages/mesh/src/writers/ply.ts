import type { LabelMesh } from '../types.js';
import { CHUNK_BYTES, concat } from './sink.js';

function plyHeader(mesh: Pick<LabelMesh, 'labelId' | 'name'>, vertices: number, faces: number, normals: boolean): Uint8Array {
  return new TextEncoder().encode([
    'ply',
    'format binary_little_endian 1.0',
    'comment vista3d surface mesh, world RAS+ millimetres',
    `comment label ${mesh.labelId} ${mesh.name}`,
    `element vertex ${vertices}`,
    'property float x', 'property float y', 'property float z',
    ...(normals ? ['property float nx', 'property float ny', 'property float nz'] : []),
    'property uchar red', 'property uchar green', 'property uchar blue',
    `element face ${faces}`,
    'property list uchar uint vertex_indices',
    'end_header',
    '',
  ].join('\n'));
}

/** Exact size of the binary PLY of a mesh with these counts. */
export function plyBytes(mesh: Pick<LabelMesh, 'labelId' | 'name'>, vertices: number, faces: number, normals: boolean): number {
  return plyHeader(mesh, vertices, faces, normals).length + vertices * ((normals ? 24 : 12) + 3) + faces * 13;
}

/**
 * Binary little-endian PLY of one label in chunks: vertices with float x y z (world RAS mm), float
 * nx ny nz when normals exist, uchar red green blue (the label colour); faces as `list uchar uint`.
 */
export function* plyChunks(mesh: LabelMesh): Generator<Uint8Array> {
  const p = mesh.positions;
  const n = mesh.normals;
  const ix = mesh.indices;
  const nv = p.length / 3;
  const nf = ix.length / 3;
  yield plyHeader(mesh, nv, nf, n !== undefined);
  const vb = (n ? 24 : 12) + 3;
  const [r, g, b] = mesh.color;
  const perV = Math.max(1, Math.floor(CHUNK_BYTES / vb));
  for (let v0 = 0; v0 < nv; v0 += perV) {
    const count = Math.min(perV, nv - v0);
    const bytes = new Uint8Array(count * vb);
    const view = new DataView(bytes.buffer);
    let o = 0;
    for (let v = v0; v < v0 + count; v++) {
      view.setFloat32(o, p[3 * v], true); view.setFloat32(o + 4, p[3 * v + 1], true); view.setFloat32(o + 8, p[3 * v + 2], true);
      o += 12;
      if (n) {
        view.setFloat32(o, n[3 * v], true); view.setFloat32(o + 4, n[3 * v + 1], true); view.setFloat32(o + 8, n[3 * v + 2], true);
        o += 12;
      }
      bytes[o++] = r; bytes[o++] = g; bytes[o++] = b;
    }
    yield bytes;
  }
  const perF = Math.max(1, Math.floor(CHUNK_BYTES / 13));
  for (let f0 = 0; f0 < nf; f0 += perF) {
    const count = Math.min(perF, nf - f0);
    const bytes = new Uint8Array(count * 13);
    const view = new DataView(bytes.buffer);
    let o = 0;
    for (let t = 3 * f0, end = 3 * (f0 + count); t < end; t += 3) {
      bytes[o++] = 3;
      view.setUint32(o, ix[t], true); view.setUint32(o + 4, ix[t + 1], true); view.setUint32(o + 8, ix[t + 2], true);
      o += 12;
    }
    yield bytes;
  }
}

export function toPly(mesh: LabelMesh): Uint8Array {
  return concat(plyChunks(mesh));
}
