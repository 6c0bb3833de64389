import type { MeshData } from '../types.js';
import { CHUNK_BYTES, concat } from './sink.js';

/** Exact size of a binary STL with `triangles` facets. */
export function stlBytes(triangles: number): number {
  return 84 + 50 * triangles;
}

/**
 * Binary STL of one mesh in chunks: 80-byte header, triangle count, then per triangle the unit facet
 * normal and three vertices (float32 little-endian, world RAS mm) and a zero attribute word.
 */
export function* stlChunks(mesh: MeshData, header = 'vista3d surface mesh, RAS mm'): Generator<Uint8Array> {
  const ix = mesh.indices;
  const p = mesh.positions;
  const count = ix.length / 3;
  const head = new Uint8Array(84);
  head.set(new TextEncoder().encode(header.slice(0, 80)).subarray(0, 80));
  // never start with "solid": some readers then take the file for ASCII STL
  if (header.startsWith('solid')) head.set(new TextEncoder().encode('SOLID'), 0);
  new DataView(head.buffer).setUint32(80, count, true);
  yield head;
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / 50));
  for (let t0 = 0; t0 < count; t0 += perChunk) {
    const n = Math.min(perChunk, count - t0);
    const bytes = new Uint8Array(50 * n);
    const view = new DataView(bytes.buffer);
    let o = 0;
    for (let t = 3 * t0, end = 3 * (t0 + n); t < end; t += 3) {
      const a = 3 * ix[t], b = 3 * ix[t + 1], c = 3 * ix[t + 2];
      const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
      const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
      const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
      const len = Math.hypot(nx, ny, nz) || 1;
      view.setFloat32(o, nx / len, true); view.setFloat32(o + 4, ny / len, true); view.setFloat32(o + 8, nz / len, true);
      o += 12;
      for (let k = 0; k < 3; k++) {
        const v = k === 0 ? a : k === 1 ? b : c;
        view.setFloat32(o, p[v], true); view.setFloat32(o + 4, p[v + 1], true); view.setFloat32(o + 8, p[v + 2], true);
        o += 12;
      }
      o += 2; // attribute byte count 0
    }
    yield bytes;
  }
}

export function toStlBinary(mesh: MeshData, header?: string): Uint8Array {
  return concat(stlChunks(mesh, header));
}
