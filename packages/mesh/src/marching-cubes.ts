import type { ScalarGrid } from './field.js';
import type { MeshData } from './types.js';

/*
 * Marching cubes with a case table derived here (not copied) from one rule applied per cube face:
 * on every face each maximal run of inside corners is cut off by one segment, so two inside corners
 * on a face diagonal are always separated ("separate inside"). Neighbouring cubes apply the same rule
 * to the face they share, so their polygons meet edge to edge: the surface is watertight. Each crossing
 * point lies on exactly two faces of a cube and so has exactly one incoming and one outgoing segment:
 * the segments chain into disjoint closed loops, fanned into triangles, and the surface is 2-manifold.
 * Segments are directed with the inside on their left seen from outside the cube; the shared face is
 * seen from opposite sides by its two cubes, so every mesh edge is used once in each direction —
 * consistent orientation — and the direction convention is fixed so that normals point outward.
 *
 * Corner c of a cube sits at (c & 1, c >> 1 & 1, c >> 2 & 1). Edge e joins EDGE_A[e] < EDGE_B[e].
 */

const EDGE_A = new Uint8Array(12);
const EDGE_B = new Uint8Array(12);
const EDGE_DIR = new Uint8Array(12);
{
  let e = 0;
  for (let a = 0; a < 8; a++) {
    for (let d = 0; d < 3; d++) {
      if (a & (1 << d)) continue;
      EDGE_A[e] = a;
      EDGE_B[e] = a | (1 << d);
      EDGE_DIR[e] = d;
      e++;
    }
  }
}

function edgeOf(a: number, b: number): number {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  for (let e = 0; e < 12; e++) if (EDGE_A[e] === lo && EDGE_B[e] === hi) return e;
  throw new Error(`no cube edge ${a}-${b}`);
}

/** The six faces as corner cycles, counter-clockwise seen from outside the cube. */
function faces(): number[][] {
  const out: number[][] = [];
  for (let axis = 0; axis < 3; axis++) {
    const [u, v] = [0, 1, 2].filter((x) => x !== axis);
    for (let side = 0; side < 2; side++) {
      const cyc = [[0, 0], [1, 0], [1, 1], [0, 1]].map(([a, b]) => (side << axis) | (a << u) | (b << v));
      // orientation from the cross product of two sides against the outward normal
      const p = (c: number): number[] => [c & 1, (c >> 1) & 1, (c >> 2) & 1];
      const [p0, p1, p2] = [p(cyc[0]), p(cyc[1]), p(cyc[2])];
      const d1 = [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]];
      const d2 = [p2[0] - p1[0], p2[1] - p1[1], p2[2] - p1[2]];
      const n = [d1[1] * d2[2] - d1[2] * d2[1], d1[2] * d2[0] - d1[0] * d2[2], d1[0] * d2[1] - d1[1] * d2[0]];
      const outward = side === 1 ? 1 : -1;
      out.push(n[axis] * outward > 0 ? cyc : cyc.reverse());
    }
  }
  return out;
}

/** Do the crossing points on cube edges e1 and e2 lie on a common cube face? */
function shareFace(e1: number, e2: number): boolean {
  for (let axis = 0; axis < 3; axis++) {
    if (EDGE_DIR[e1] === axis || EDGE_DIR[e2] === axis) continue;
    if (((EDGE_A[e1] >> axis) & 1) === ((EDGE_A[e2] >> axis) & 1)) return true;
  }
  return false;
}

function midpoint(e: number): number[] {
  const a = EDGE_A[e], b = EDGE_B[e];
  return [0, 1, 2].map((d) => (((a >> d) & 1) + ((b >> d) & 1)) / 2);
}

/**
 * Triangulates a loop of crossing points so that no inner chord joins two points of a common cube
 * face: such a chord could also be a chord (or a face segment) of the neighbouring cube, and the edge
 * would then belong to four triangles. Among legal triangulations the one with the shortest chords
 * (edge midpoints) is taken; dynamic programming over the polygon, run once per table entry.
 */
function triangulate(loop: number[]): number[][] {
  const n = loop.length;
  const len = (i: number, j: number): number => Math.hypot(...midpoint(loop[i]).map((x, d) => x - midpoint(loop[j])[d]));
  const legal = (i: number, j: number): boolean => j - i === 1 || (i === 0 && j === n - 1) || !shareFace(loop[i], loop[j]);
  const cost: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(Infinity));
  const split: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(-1));
  for (let i = 0; i + 1 < n; i++) cost[i][i + 1] = 0;
  for (let span = 2; span < n; span++) {
    for (let i = 0; i + span < n; i++) {
      const j = i + span;
      if (!legal(i, j)) continue;
      for (let k = i + 1; k < j; k++) {
        const c = cost[i][k] + cost[k][j] + (j - i === n - 1 ? 0 : len(i, j));
        if (c < cost[i][j]) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  }
  if (!Number.isFinite(cost[0][n - 1])) throw new Error(`marching cubes: no manifold triangulation of loop ${loop.join(',')}`);
  const out: number[][] = [];
  const walk = (i: number, j: number): void => {
    if (j - i < 2) return;
    const k = split[i][j];
    out.push([loop[i], loop[k], loop[j]]);
    walk(i, k);
    walk(k, j);
  };
  walk(0, n - 1);
  return out;
}

/** TRI_OFFSET[c]..TRI_OFFSET[c+1] in TRI_EDGES: three cube edges per triangle for configuration c. */
const TRI_OFFSET = new Uint16Array(257);
let TRI_EDGES = new Uint8Array(0);
{
  const faceList = faces();
  const all: number[] = [];
  for (let config = 0; config < 256; config++) {
    TRI_OFFSET[config] = all.length;
    const inside = (c: number): boolean => ((config >> c) & 1) === 1;
    const next = new Int8Array(12).fill(-1);
    for (const f of faceList) {
      for (let i = 0; i < 4; i++) {
        const prev = f[(i + 3) % 4];
        if (!inside(f[i]) || inside(prev)) continue;
        let j = i;
        while (inside(f[(j + 1) % 4]) && (j + 1) % 4 !== i) j = (j + 1) % 4;
        const entry = edgeOf(prev, f[i]);
        const exit = edgeOf(f[j], f[(j + 1) % 4]);
        // From the exit crossing back to the entry crossing keeps the inside run on the left.
        next[exit] = entry;
      }
    }
    const seen = new Uint8Array(12);
    for (let s = 0; s < 12; s++) {
      if (next[s] < 0 || seen[s]) continue;
      const loop: number[] = [];
      for (let e = s; !seen[e]; e = next[e]) {
        seen[e] = 1;
        loop.push(e);
      }
      // Loop direction as built winds inward; triangles are emitted reversed so normals point outward.
      for (const [a, b, c] of triangulate(loop)) all.push(a, c, b);
    }
  }
  TRI_OFFSET[256] = all.length;
  TRI_EDGES = Uint8Array.from(all);
}

/**
 * Iso-surface of `grid` at `iso` (inside = values > iso), watertight, 2-manifold and outward wound
 * (counter-clockwise seen from outside) whenever no sample equals `iso` and the border samples are
 * outside. `inside` may give the classification directly (1 = inside) so it is not recomputed.
 * Exact-size output: a counting pass sizes the arrays before any vertex is written. Positions are
 * in source voxel coordinates (grid + origin).
 */
export function marchingCubes(grid: ScalarGrid, iso = 0.5, inside?: Uint8Array): MeshData {
  const [gx, gy, gz] = grid.dims;
  const [ox, oy, oz] = grid.origin;
  const f = grid.values;
  const plane = gx * gy;
  let m = inside;
  if (!m) {
    m = new Uint8Array(f.length);
    for (let i = 0; i < f.length; i++) m[i] = f[i] > iso ? 1 : 0;
  }
  const off = [0, 1, gx, gx + 1, plane, plane + 1, plane + gx, plane + gx + 1];
  // counting pass: triangles per cube and crossing grid edges
  let triangles = 0;
  let vertices = 0;
  for (let k = 0; k < gz; k++) {
    for (let j = 0; j < gy; j++) {
      let b = k * plane + j * gx;
      for (let i = 0; i < gx; i++, b++) {
        const s = m[b];
        if (i + 1 < gx && m[b + 1] !== s) vertices++;
        if (j + 1 < gy && m[b + gx] !== s) vertices++;
        if (k + 1 < gz && m[b + plane] !== s) vertices++;
        if (i + 1 < gx && j + 1 < gy && k + 1 < gz) {
          const c = s | (m[b + 1] << 1) | (m[b + gx] << 2) | (m[b + gx + 1] << 3) | (m[b + plane] << 4) | (m[b + plane + 1] << 5) | (m[b + plane + gx] << 6) | (m[b + plane + gx + 1] << 7);
          triangles += (TRI_OFFSET[c + 1] - TRI_OFFSET[c]) / 3;
        }
      }
    }
  }
  const positions = new Float32Array(3 * vertices);
  const indices = new Uint32Array(3 * triangles);
  // vertex ids of x/y edges of the two point layers a cube layer touches, and of its z edges
  let low = new Int32Array(2 * plane).fill(-1);
  let high = new Int32Array(2 * plane).fill(-1);
  const zs = new Int32Array(plane);
  let nv = 0;
  let w = 0;
  const ids = new Int32Array(12);
  for (let k = 0; k + 1 < gz; k++) {
    zs.fill(-1);
    for (let j = 0; j + 1 < gy; j++) {
      let b = k * plane + j * gx;
      for (let i = 0; i + 1 < gx; i++, b++) {
        const c = m[b] | (m[b + 1] << 1) | (m[b + gx] << 2) | (m[b + gx + 1] << 3) | (m[b + plane] << 4) | (m[b + plane + 1] << 5) | (m[b + plane + gx] << 6) | (m[b + plane + gx + 1] << 7);
        if (c === 0 || c === 255) continue;
        const t0 = TRI_OFFSET[c], t1 = TRI_OFFSET[c + 1];
        ids.fill(-1);
        for (let t = t0; t < t1; t++) {
          const e = TRI_EDGES[t];
          let id = ids[e];
          if (id < 0) {
            const a = EDGE_A[e], d = EDGE_DIR[e];
            const ax = a & 1, ay = (a >> 1) & 1, az = (a >> 2) & 1;
            const p2 = (j + ay) * gx + i + ax;
            const cache = d === 2 ? zs : az ? high : low;
            const slot = d === 2 ? p2 : 2 * p2 + d;
            id = cache[slot];
            if (id < 0) {
              const fa = f[b + off[a]], fb = f[b + off[a | (1 << d)]];
              const s = (iso - fa) / (fb - fa);
              positions[3 * nv] = ox + i + ax + (d === 0 ? s : 0);
              positions[3 * nv + 1] = oy + j + ay + (d === 1 ? s : 0);
              positions[3 * nv + 2] = oz + k + az + (d === 2 ? s : 0);
              id = nv++;
              cache[slot] = id;
            }
            ids[e] = id;
          }
          indices[w++] = id;
        }
      }
    }
    const t = low;
    low = high;
    high = t.fill(-1);
  }
  return { positions, indices };
}
