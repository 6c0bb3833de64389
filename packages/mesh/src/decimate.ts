import type { MeshData } from './types.js';

export interface DecimateOptions {
  /** Stop once the mesh has at most this many triangles (or no legal collapse is left). */
  targetTriangles: number;
}

/**
 * Quadric edge-collapse decimation (Garland & Heckbert 1997) for closed manifold meshes, organised in
 * sweeps instead of a global heap so it scales to tens of millions of triangles in flat typed arrays:
 * each sweep collapses every edge whose quadric error is below a threshold that grows from sweep to
 * sweep (cheap edges first, as a heap would, but without one entry per edge), each triangle at most
 * once per sweep. Vertex → triangle references are a compressed list rebuilt between sweeps.
 *
 * A collapse is refused when it would break manifoldness (link condition: the endpoints share exactly
 * the two opposite vertices, neither of which has valence 3) or flip/degenerate a triangle, so a
 * watertight, consistently oriented input stays watertight and consistently oriented.
 */
export function decimate(mesh: MeshData, options: DecimateOptions): MeshData {
  const target = Math.max(4, Math.floor(options.targetTriangles));
  const nv = mesh.positions.length / 3;
  const nt0 = mesh.indices.length / 3;
  if (nt0 <= target) return mesh;
  const tris = mesh.indices.slice();
  // Local frame (centre of the bounding box): quadric coefficients stay well conditioned.
  const pos = new Float64Array(mesh.positions.length);
  const c = centre(mesh.positions);
  for (let i = 0; i < pos.length; i += 3) {
    pos[i] = mesh.positions[i] - c[0];
    pos[i + 1] = mesh.positions[i + 1] - c[1];
    pos[i + 2] = mesh.positions[i + 2] - c[2];
  }
  const Q = new Float64Array(nv * 10);
  for (let t = 0; t < nt0; t++) addPlane(Q, pos, tris[3 * t], tris[3 * t + 1], tris[3 * t + 2]);

  const triDead = new Uint8Array(nt0);
  const triDirty = new Uint8Array(nt0);
  const vDead = new Uint8Array(nv);
  const tStart = new Uint32Array(nv);
  const tCount = new Uint32Array(nv);
  // references (triangle, corner) per vertex; collapses append, so leave headroom and grow if needed
  let refT = new Uint32Array(3 * nt0 + 1024);
  let refC = new Uint8Array(refT.length);
  let refLen = 0;
  const mark = new Uint32Array(nv);
  let gen = 0;
  const out = new Float64Array(3);

  let edgeLenSq = 0;
  for (let t = 0; t < Math.min(nt0, 10000); t++) {
    const a = 3 * tris[3 * t], b = 3 * tris[3 * t + 1];
    edgeLenSq += (pos[a] - pos[b]) ** 2 + (pos[a + 1] - pos[b + 1]) ** 2 + (pos[a + 2] - pos[b + 2]) ** 2;
  }
  edgeLenSq /= Math.min(nt0, 10000);

  const rebuildRefs = (): void => {
    tCount.fill(0);
    for (let t = 0; t < nt0; t++) {
      if (triDead[t]) continue;
      tCount[tris[3 * t]]++; tCount[tris[3 * t + 1]]++; tCount[tris[3 * t + 2]]++;
    }
    let s = 0;
    for (let v = 0; v < nv; v++) { tStart[v] = s; s += tCount[v]; }
    if (refT.length < s) { refT = new Uint32Array(s + 1024); refC = new Uint8Array(refT.length); }
    tCount.fill(0);
    for (let t = 0; t < nt0; t++) {
      if (triDead[t]) continue;
      for (let k = 0; k < 3; k++) {
        const v = tris[3 * t + k];
        const r = tStart[v] + tCount[v]++;
        refT[r] = t; refC[r] = k;
      }
    }
    refLen = s;
  };

  const pushRef = (t: number, k: number): void => {
    if (refLen >= refT.length) {
      const nT = new Uint32Array(refT.length * 2); nT.set(refT); refT = nT;
      const nC = new Uint8Array(refT.length); nC.set(refC); refC = nC;
    }
    refT[refLen] = t; refC[refLen] = k; refLen++;
  };

  /** Would moving `from` to p flip or degenerate one of its triangles that do not contain `other`? */
  const flips = (from: number, other: number, px: number, py: number, pz: number): boolean => {
    for (let r = tStart[from], e = r + tCount[from]; r < e; r++) {
      const t = refT[r];
      if (triDead[t]) continue;
      const k = refC[r];
      const q = tris[3 * t + ((k + 1) % 3)], s = tris[3 * t + ((k + 2) % 3)];
      if (q === other || s === other) continue;
      const fx = pos[3 * from], fy = pos[3 * from + 1], fz = pos[3 * from + 2];
      const qx = pos[3 * q], qy = pos[3 * q + 1], qz = pos[3 * q + 2];
      const ex = pos[3 * s] - qx, ey = pos[3 * s + 1] - qy, ez = pos[3 * s + 2] - qz;
      const ax = qx - fx, ay = qy - fy, az = qz - fz;
      const bx = qx - px, by = qy - py, bz = qz - pz;
      const n0x = ay * ez - az * ey, n0y = az * ex - ax * ez, n0z = ax * ey - ay * ex;
      const n1x = by * ez - bz * ey, n1y = bz * ex - bx * ez, n1z = bx * ey - by * ex;
      const l0 = Math.hypot(n0x, n0y, n0z);
      const l1 = Math.hypot(n1x, n1y, n1z);
      if (l1 === 0 || l1 <= 1e-9 * l0) return true;
      if (n0x * n1x + n0y * n1y + n0z * n1z <= 0.2 * l0 * l1) return true;
      // a sliver: the moved corner nearly on the line of the other two
      const bl = Math.hypot(bx, by, bz), el = Math.hypot(ex, ey, ez);
      if (l1 < 1e-3 * bl * el) return true;
    }
    return false;
  };

  /** The collapse target of edge (u, v) in `out`; returns the quadric error there. */
  const edgeCost = (u: number, v: number): number => {
    let best = Infinity;
    if (solveMinimum(Q, u, v, out)) best = errorAt(Q, u, v, out[0], out[1], out[2]);
    if (!Number.isFinite(best)) {
      const ex = [pos[3 * u], pos[3 * u + 1], pos[3 * u + 2]];
      const fx = [pos[3 * v], pos[3 * v + 1], pos[3 * v + 2]];
      const m = [(ex[0] + fx[0]) / 2, (ex[1] + fx[1]) / 2, (ex[2] + fx[2]) / 2];
      for (const p of [ex, fx, m]) {
        const err = errorAt(Q, u, v, p[0], p[1], p[2]);
        if (err < best) { best = err; out[0] = p[0]; out[1] = p[1]; out[2] = p[2]; }
      }
    }
    return Math.max(0, best);
  };

  // cached edge errors per triangle corner (edge k = corner k → k+1); refreshed around each collapse
  const triErr = new Float32Array(3 * nt0);
  const triMin = new Float32Array(nt0);
  const refreshErrors = (t: number): void => {
    let m = Infinity;
    for (let k = 0; k < 3; k++) {
      const e = edgeCost(tris[3 * t + k], tris[3 * t + ((k + 1) % 3)]);
      triErr[3 * t + k] = e;
      if (e < m) m = e;
    }
    triMin[t] = m;
  };
  for (let t = 0; t < nt0; t++) refreshErrors(t);

  let alive = nt0;
  let sweeps = 0;
  for (let sweep = 0; sweep < 200 && alive > target; sweep++) {
    rebuildRefs();
    triDirty.fill(0);
    const threshold = 1e-9 * (sweep + 3) ** 7 * edgeLenSq;
    let collapsed = 0;
    for (let t = 0; t < nt0 && alive > target; t++) {
      if (triDead[t] || triDirty[t] || triMin[t] > threshold) continue;
      for (let k = 0; k < 3; k++) {
        if (triErr[3 * t + k] > threshold) continue;
        const u = tris[3 * t + k], v = tris[3 * t + ((k + 1) % 3)];
        edgeCost(u, v);
        const px = out[0], py = out[1], pz = out[2];
        // link condition: exactly two common neighbours (the opposite vertices), none of valence 3
        gen++;
        for (let r = tStart[u], e = r + tCount[u]; r < e; r++) {
          const tt = refT[r];
          if (triDead[tt]) continue;
          mark[tris[3 * tt]] = gen; mark[tris[3 * tt + 1]] = gen; mark[tris[3 * tt + 2]] = gen;
        }
        mark[u] = 0; mark[v] = 0;
        let common = 0;
        let lowValence = false;
        gen++;
        for (let r = tStart[v], e = r + tCount[v]; r < e; r++) {
          const tt = refT[r];
          if (triDead[tt]) continue;
          for (let j = 0; j < 3; j++) {
            const w = tris[3 * tt + j];
            if (mark[w] === gen - 1) {
              common++;
              mark[w] = gen;
              if (valence(w) <= 3) lowValence = true;
            }
          }
        }
        if (common !== 2 || lowValence) continue;
        if (flips(u, v, px, py, pz) || flips(v, u, px, py, pz)) continue;
        // collapse v into u
        pos[3 * u] = px; pos[3 * u + 1] = py; pos[3 * u + 2] = pz;
        for (let i = 0; i < 10; i++) Q[10 * u + i] += Q[10 * v + i];
        const start = refLen;
        for (const w of [u, v]) {
          for (let r = tStart[w], e = r + tCount[w]; r < e; r++) {
            const tt = refT[r];
            if (triDead[tt]) continue;
            const kk = refC[r];
            const a = tris[3 * tt + ((kk + 1) % 3)], b = tris[3 * tt + ((kk + 2) % 3)];
            if (w === v && (a === u || b === u)) {
              triDead[tt] = 1;
              alive--;
              continue;
            }
            if (w === u && (a === v || b === v)) continue; // handled (killed) from v's side
            tris[3 * tt + kk] = u;
            triDirty[tt] = 1;
            pushRef(tt, kk);
          }
        }
        vDead[v] = 1;
        tStart[u] = start;
        tCount[u] = refLen - start;
        tCount[v] = 0;
        for (let r = start; r < refLen; r++) refreshErrors(refT[r]);
        collapsed++;
        break;
      }
    }
    if (collapsed === 0 && threshold > 1e6 * edgeLenSq) break;
    sweeps = sweep + 1;
  }
  if (process.env.VISTA3D_MESH_DEBUG) console.error(`decimate: ${nt0} -> ${alive} in ${sweeps} sweeps`);

  function valence(w: number): number {
    let n = 0;
    for (let r = tStart[w], e = r + tCount[w]; r < e; r++) if (!triDead[refT[r]]) n++;
    return n;
  }

  // compact
  const remap = new Int32Array(nv).fill(-1);
  let count = 0;
  const outTris = new Uint32Array(alive * 3);
  let w = 0;
  for (let t = 0; t < nt0; t++) {
    if (triDead[t]) continue;
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
    outPos[3 * r] = pos[3 * v] + c[0]; outPos[3 * r + 1] = pos[3 * v + 1] + c[1]; outPos[3 * r + 2] = pos[3 * v + 2] + c[2];
  }
  void vDead;
  return { positions: outPos, indices: outTris };
}

function centre(p: Float32Array): [number, number, number] {
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < p.length; i += 3) {
    for (let a = 0; a < 3; a++) {
      const x = p[i + a];
      if (x < lo[a]) lo[a] = x;
      if (x > hi[a]) hi[a] = x;
    }
  }
  return [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
}

/** Adds the plane of triangle (a, b, c) — unit normal, unweighted — to the quadrics of its corners. */
function addPlane(q: Float64Array, p: Float64Array, a: number, b: number, c: number): void {
  const ax = p[3 * a], ay = p[3 * a + 1], az = p[3 * a + 2];
  const ux = p[3 * b] - ax, uy = p[3 * b + 1] - ay, uz = p[3 * b + 2] - az;
  const vx = p[3 * c] - ax, vy = p[3 * c + 1] - ay, vz = p[3 * c + 2] - az;
  let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
  const len = Math.hypot(nx, ny, nz);
  if (len === 0) return;
  nx /= len; ny /= len; nz /= len;
  const d = -(nx * ax + ny * ay + nz * az);
  const xx = nx * nx, xy = nx * ny, xz = nx * nz, xd = nx * d, yy = ny * ny, yz = ny * nz, yd = ny * d, zz = nz * nz, zd = nz * d, dd = d * d;
  for (let j = 0; j < 3; j++) {
    const o = 10 * (j === 0 ? a : j === 1 ? b : c);
    q[o] += xx; q[o + 1] += xy; q[o + 2] += xz; q[o + 3] += xd;
    q[o + 4] += yy; q[o + 5] += yz; q[o + 6] += yd;
    q[o + 7] += zz; q[o + 8] += zd; q[o + 9] += dd;
  }
}

/** (Q[u] + Q[v]) evaluated at (x, y, z). */
function errorAt(q: Float64Array, u: number, v: number, x: number, y: number, z: number): number {
  const a = 10 * u, b = 10 * v;
  return (
    (q[a] + q[b]) * x * x + 2 * (q[a + 1] + q[b + 1]) * x * y + 2 * (q[a + 2] + q[b + 2]) * x * z + 2 * (q[a + 3] + q[b + 3]) * x +
    (q[a + 4] + q[b + 4]) * y * y + 2 * (q[a + 5] + q[b + 5]) * y * z + 2 * (q[a + 6] + q[b + 6]) * y +
    (q[a + 7] + q[b + 7]) * z * z + 2 * (q[a + 8] + q[b + 8]) * z + (q[a + 9] + q[b + 9])
  );
}

/** Minimiser of Q[u] + Q[v] into `out`; false when its 3×3 part is (nearly) singular. */
function solveMinimum(q: Float64Array, u: number, v: number, out: Float64Array): boolean {
  const o = 10 * u, p = 10 * v;
  const a = q[o] + q[p], b = q[o + 1] + q[p + 1], c = q[o + 2] + q[p + 2];
  const e = q[o + 4] + q[p + 4], f = q[o + 5] + q[p + 5], h = q[o + 7] + q[p + 7];
  const det = a * (e * h - f * f) - b * (b * h - f * c) + c * (b * f - e * c);
  const scale = Math.abs(a) + Math.abs(e) + Math.abs(h);
  if (scale === 0 || Math.abs(det) <= 1e-6 * scale * scale * scale) return false;
  const r0 = -(q[o + 3] + q[p + 3]), r1 = -(q[o + 6] + q[p + 6]), r2 = -(q[o + 8] + q[p + 8]);
  out[0] = (r0 * (e * h - f * f) - b * (r1 * h - f * r2) + c * (r1 * f - e * r2)) / det;
  out[1] = (a * (r1 * h - f * r2) - r0 * (b * h - f * c) + c * (b * r2 - r1 * c)) / det;
  out[2] = (a * (e * r2 - r1 * f) - b * (b * r2 - r1 * c) + r0 * (b * f - e * c)) / det;
  return true;
}
