import type { MeshData } from '../types.js';
import { facetNormal } from './format.js';

/**
 * Binary STL of one mesh: 80-byte header, triangle count, then per triangle the unit facet normal and
 * three vertices (float32 little-endian, world RAS mm) and a zero attribute word.
 */
export function toStlBinary(mesh: MeshData, header = 'vista3d surface mesh, RAS mm'): Uint8Array {
  const ix = mesh.indices;
  const p = mesh.positions;
  const count = ix.length / 3;
  const bytes = new Uint8Array(84 + 50 * count);
  const view = new DataView(bytes.buffer);
  const head = new TextEncoder().encode(header.slice(0, 80));
  bytes.set(head.subarray(0, 80));
  // never start with "solid": some readers then take the file for ASCII STL
  if (header.startsWith('solid')) bytes.set(new TextEncoder().encode('SOLID'), 0);
  view.setUint32(80, count, true);
  let o = 84;
  for (let t = 0; t < ix.length; t += 3) {
    const n = facetNormal(p, ix[t], ix[t + 1], ix[t + 2]);
    view.setFloat32(o, n[0], true); view.setFloat32(o + 4, n[1], true); view.setFloat32(o + 8, n[2], true);
    o += 12;
    for (let k = 0; k < 3; k++) {
      const v = 3 * ix[t + k];
      view.setFloat32(o, p[v], true); view.setFloat32(o + 4, p[v + 1], true); view.setFloat32(o + 8, p[v + 2], true);
      o += 12;
    }
    view.setUint16(o, 0, true);
    o += 2;
  }
  return bytes;
}
