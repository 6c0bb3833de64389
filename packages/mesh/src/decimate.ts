import { MinHeap } from './min-heap.js';
import { quadricError, quadricMinimum, vertexQuadrics } from './quadric.js';
import type { MeshData } from './types.js';

export interface DecimateOptions {
  /** Stop once the mesh has at most this many triangles (or no legal collapse is left). */
  targetTriangles: number;
}

/**
 * Quadric edge-collapse decimation (Garland & Heckbert 1997) for closed manifold meshes.
 * Each collapse moves the surviving vertex to the quadric-optimal point. A collapse is refused when it
 * would break manifoldness (link condition: the edge's endpoints share exactly the two opposite
 * vertices; neither opposite vertex has valence 3) or flip/degenerate a triangle — so a watertight,
 * consistently oriented input stays watertight and consistently oriented.
 */
export function decimate(mesh: MeshData, options: DecimateOptions): MeshData {
  const target = Math.max(4, Math.floor(options.targetTriangles));
  const nv = mesh.positions.length / 3;
  const tris = mesh.indices.slice();
  const nt = tris.length / 3;
  if (nt <= target) return mesh;
  const pos = Float64Array.from(mesh.positions);
  const Q = vertexQuadrics(pos, tris);
  const triAlive = new Uint8Array(nt).fill(1);
  const vAlive = new Uint8Array(nv).fill(1);
  const stamp = new Uint32Array(nv);
  const vTris: number[][] = Array.from({ length: nv }, () => []);
  for (let t = 0; t < nt; t++) for (let k = 0; k < 3; k++) vTris[tris[3 * t + k]].push(t);

  // candidate edges: (u, v, stamp u, stamp v, x, y, z) in growable arrays
  const eu: number[] = [], ev: number[] = [], esu: number[] = [], esv: number[] = [], ep: number[] = [];
  const heap = new MinHeap();
  const qs = new Float64Array(10);

  const pushEdge = (u: number, v: number): void => {
    for (let i = 0; i < 10; i++) qs[i] = Q[10 * u + i] + Q[10 * v + i];
    let best = quadricMinimum(qs, 0);
    let cost = best ? quadricError(qs, 0, best[0], best[1], best[2]) : Infinity;
    if (!best || !Number.isFinite(cost)) {
      const cands: [number, number, number][] = [
        [pos[3 * u], pos[3 * u + 1], pos[3 * u + 2]],
        [pos[3 * v], pos[3 * v + 1], pos[3 * v + 2]],
        [(pos[3 * u] + pos[3 * v]) / 2, (pos[3 * u + 1] + pos[3 * v + 1]) / 2, (pos[3 * u + 2] + pos[3 * v + 2]) / 2],
      ];
      cost = Infinity;
      for (const c of cands) {
        const e = quadricError(qs, 0, c[0], c[1], c[2]);
        if (e < cost) { cost = e; best = c; }
      }
    }
    const id = eu.length;
    eu.push(u); ev.push(v); esu.push(stamp[u]); esv.push(stamp[v]);
    ep.push(best![0], best![1], best![2]);
    heap.push(Math.max(0, cost), id);
  };

  // neighbour marks: mark[w] === gen means w is a neighbour of the vertex scanned last
  const mark = new Uint32Array(nv);
  let gen = 0;
  const markNeighbours = (v: number): number => {
    gen++;
    for (const t of vTris[v]) for (let k = 0; k < 3; k++) mark[tris[3 * t + k]] = gen;
    mark[v] = 0;
    return gen;
  };

  for (let t = 0; t < nt; t++) {
    for (let k = 0; k < 3; k++) {
      const a = tris[3 * t + k], b = tris[3 * t + ((k + 1) % 3)];
      if (a < b) pushEdge(a, b);
    }
  }

  /** Would moving `from` to p flip or degenerate one of its triangles that survive the collapse? */
  const flips = (from: number, other: number, px: number, py: number, pz: number): boolean => {
    for (const t of vTris[from]) {
      const a = tris[3 * t], b = tris[3 * t + 1], c = tris[3 * t + 2];
      if (a === other || b === other || c === other) continue; // removed by the collapse
      // rotate so that `from` comes first: (from, q, r)
      const q = a === from ? b : b === from ? c : a;
      const r = a === from ? c : b === from ? a : b;
      const fx = pos[3 * from], fy = pos[3 * from + 1], fz = pos[3 * from + 2];
      const qx = pos[3 * q], qy = pos[3 * q + 1], qz = pos[3 * q + 2];
      const ex = pos[3 * r] - qx, ey = pos[3 * r + 1] - qy, ez = pos[3 * r + 2] - qz;
      // normals (q - f) × (r - q) before and (q - p) × (r - q) after
      const ax = qx - fx, ay = qy - fy, az = qz - fz;
      const bx = qx - px, by = qy - py, bz = qz - pz;
      const n0x = ay * ez - az * ey, n0y = az * ex - ax * ez, n0z = ax * ey - ay * ex;
      const n1x = by * ez - bz * ey, n1y = bz * ex - bx * ez, n1z = bx * ey - by * ex;
      const l0 = Math.hypot(n0x, n0y, n0z);
      const l1 = Math.hypot(n1x, n1y, n1z);
      if (l1 <= 1e-9 * l0 || l1 === 0) return true;
      if (n0x * n1x + n0y * n1y + n0z * n1z <= 0.05 * l0 * l1) return true;
    }
    return false;
  };

  const removeTri = (w: number, t: number): void => {
    const list = vTris[w];
    const i = list.indexOf(t);
    if (i >= 0) {
      list[i] = list[list.length - 1];
      list.pop();
    }
  };

  let alive = nt;
  while (alive > target) {
    const id = heap.pop();
    if (id === undefined) break;
    const u = eu[id], v = ev[id];
    if (!vAlive[u] || !vAlive[v] || stamp[u] !== esu[id] || stamp[v] !== esv[id]) continue;
    // edge triangles and link condition
    const shared: number[] = [];
    for (const t of vTris[u]) {
      for (let k = 0; k < 3; k++) if (tris[3 * t + k] === v) shared.push(t);
    }
    if (shared.length !== 2) continue;
    const g = markNeighbours(u);
    let common = 0;
    for (const t of vTris[v]) {
      for (let k = 0; k < 3; k++) {
        const w = tris[3 * t + k];
        if (w !== v && mark[w] === g) { common++; mark[w] = 0; }
      }
    }
    if (common !== 2) continue;
    let lowValence = false;
    for (const t of shared) {
      for (let k = 0; k < 3; k++) {
        const w = tris[3 * t + k];
        if (w !== u && w !== v && vTris[w].length <= 3) lowValence = true;
      }
    }
    if (lowValence) continue;
    const px = ep[3 * id], py = ep[3 * id + 1], pz = ep[3 * id + 2];
    if (flips(u, v, px, py, pz) || flips(v, u, px, py, pz)) continue;
    // collapse v into u
    for (const t of shared) {
      triAlive[t] = 0;
      alive--;
      for (let k = 0; k < 3; k++) {
        const w = tris[3 * t + k];
        if (w !== v) removeTri(w, t);
      }
    }
    for (const t of vTris[v]) {
      if (!triAlive[t]) continue;
      for (let k = 0; k < 3; k++) if (tris[3 * t + k] === v) tris[3 * t + k] = u;
      vTris[u].push(t);
    }
    vTris[v] = [];
    vAlive[v] = 0;
    pos[3 * u] = px; pos[3 * u + 1] = py; pos[3 * u + 2] = pz;
    for (let i = 0; i < 10; i++) Q[10 * u + i] += Q[10 * v + i];
    stamp[u]++;
    const g2 = markNeighbours(u);
    for (const t of vTris[u]) {
      for (let k = 0; k < 3; k++) {
        const w = tris[3 * t + k];
        if (mark[w] === g2) { mark[w] = 0; pushEdge(u, w); }
      }
    }
  }

  // compact
  const remap = new Int32Array(nv).fill(-1);
  let count = 0;
  const outTris = new Uint32Array(alive * 3);
  let w = 0;
  for (let t = 0; t < nt; t++) {
    if (!triAlive[t]) continue;
    for (let k = 0; k < 3; k++) {
      const v = tris[3 * t + k];
      if (remap[v] < 0) remap[v] = count++;
      outTris[w++] = remap[v];
    }
  }
  const outPos = new Float32Array(count * 3);
  for (let v = 0; v < nv; v++) {
    const r = remap[v];
    if (r < 0) continue;
    outPos[3 * r] = pos[3 * v]; outPos[3 * r + 1] = pos[3 * v + 1]; outPos[3 * r + 2] = pos[3 * v + 2];
  }
  return { positions: outPos, indices: outTris };
}
