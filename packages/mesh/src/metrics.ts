import type { MeshData } from './types.js';

/** Enclosed volume (mm³ for mm positions): sum of signed tetrahedra to the origin. Positive when outward-wound. */
export function signedVolume(mesh: MeshData): number {
  const p = mesh.positions;
  const ix = mesh.indices;
  let v = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const a = 3 * ix[t], b = 3 * ix[t + 1], c = 3 * ix[t + 2];
    v +=
      p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) -
      p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) +
      p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c]);
  }
  return v / 6;
}

export function surfaceArea(mesh: MeshData): number {
  const p = mesh.positions;
  const ix = mesh.indices;
  let s = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const a = 3 * ix[t], b = 3 * ix[t + 1], c = 3 * ix[t + 2];
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    s += Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  }
  return s / 2;
}

export interface EdgeReport {
  edges: number;
  /** Edges used by a number of triangles other than two. */
  boundaryOrNonManifold: number;
  /** Edges whose two triangles traverse them in the same direction (inconsistent orientation). */
  misoriented: number;
  /** Triangles with a repeated vertex. */
  degenerate: number;
}

/** Counts how each undirected edge is used; a closed, consistently oriented mesh has all zeros but `edges`. */
export function edgeReport(mesh: MeshData): EdgeReport {
  const ix = mesh.indices;
  const n = mesh.positions.length / 3;
  // directed edge key a*n+b fits a double exactly for n < 2^26
  const directed = new Map<number, number>();
  let degenerate = 0;
  for (let t = 0; t < ix.length; t += 3) {
    const tri = [ix[t], ix[t + 1], ix[t + 2]];
    if (tri[0] === tri[1] || tri[1] === tri[2] || tri[0] === tri[2]) degenerate++;
    for (let e = 0; e < 3; e++) {
      const key = tri[e] * n + tri[(e + 1) % 3];
      directed.set(key, (directed.get(key) ?? 0) + 1);
    }
  }
  let edges = 0;
  let bad = 0;
  let misoriented = 0;
  for (const [key, count] of directed) {
    const a = Math.floor(key / n);
    const b = key - a * n;
    const back = directed.get(b * n + a) ?? 0;
    if (count > 1) misoriented++;
    if (a < b || back === 0) {
      edges++;
      if (count + back !== 2) bad++;
      else if (count !== 1 || back !== 1) misoriented++;
    }
  }
  return { edges, boundaryOrNonManifold: bad, misoriented, degenerate };
}

export function isWatertight(mesh: MeshData): boolean {
  const r = edgeReport(mesh);
  return r.boundaryOrNonManifold === 0 && r.misoriented === 0 && r.degenerate === 0;
}

/** Area-weighted unit vertex normals (follow the winding: outward for outward-wound meshes). */
export function vertexNormals(mesh: MeshData): Float32Array {
  const p = mesh.positions;
  const ix = mesh.indices;
  const acc = new Float64Array(p.length);
  for (let t = 0; t < ix.length; t += 3) {
    const a = 3 * ix[t], b = 3 * ix[t + 1], c = 3 * ix[t + 2];
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    for (const v of [a, b, c]) {
      acc[v] += nx;
      acc[v + 1] += ny;
      acc[v + 2] += nz;
    }
  }
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i += 3) {
    const len = Math.hypot(acc[i], acc[i + 1], acc[i + 2]) || 1;
    out[i] = acc[i] / len;
    out[i + 1] = acc[i + 1] / len;
    out[i + 2] = acc[i + 2] / len;
  }
  return out;
}
