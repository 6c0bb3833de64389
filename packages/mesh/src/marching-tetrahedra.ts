import type { ScalarGrid } from './field.js';
import { GrowableF32, GrowableU32 } from './growable.js';
import type { MeshData } from './types.js';

/**
 * Marching tetrahedra over the Freudenthal (Kuhn) split of every grid cube into six tetrahedra
 * along its main diagonal. The split matches across neighbouring cubes and each tetrahedron holds a
 * planar piece of the piecewise-linear iso-surface, so the result is watertight and 2-manifold (every
 * edge in exactly two triangles) whenever no sample equals `iso` and the field is below `iso` on the
 * grid border. Vertices are shared through grid-edge ids. Triangles are wound counter-clockwise seen
 * from outside (outside = values ≤ iso). Positions are in source voxel coordinates (grid + origin).
 */
export function marchingTetrahedra(grid: ScalarGrid, iso = 0.5): MeshData {
  const [gx, gy, gz] = grid.dims;
  const [ox, oy, oz] = grid.origin;
  const f = grid.values;
  const plane = gx * gy;
  // Edge-vertex caches for the two grid layers a cube layer touches: 7 edge directions per point.
  let layer0 = new Int32Array(plane * 7).fill(-1);
  let layer1 = new Int32Array(plane * 7).fill(-1);
  const positions = new GrowableF32(4096);
  const indices = new GrowableU32(8192);
  const cornerOffset = [0, 1, gx, gx + 1, plane, plane + 1, plane + gx, plane + gx + 1];
  const val = new Float64Array(8);
  // The six tetrahedra: corner paths 0 → a → a|b → 7 for each order (a, b, c) of the axis bits.
  const TETS = [
    [0, 1, 3, 7], [0, 1, 5, 7], [0, 2, 3, 7], [0, 2, 6, 7], [0, 4, 5, 7], [0, 4, 6, 7],
  ];
  let ci = 0;
  let cj = 0;
  let ck = 0;
  let base = 0;

  const vertex = (u: number, v: number): number => {
    // corners u ⊂ v (bitwise); the edge starts at corner u with direction bits d.
    const d = u ^ v;
    const ux = u & 1;
    const uy = (u >> 1) & 1;
    const uz = (u >> 2) & 1;
    const cache = uz ? layer1 : layer0;
    const slot = ((cj + uy) * gx + ci + ux) * 7 + d - 1;
    const cached = cache[slot];
    if (cached >= 0) return cached;
    const fu = val[u];
    const fv = val[v];
    const t = (iso - fu) / (fv - fu);
    const id = positions.length / 3;
    positions.push3(
      ox + ci + ux + t * (d & 1),
      oy + cj + uy + t * ((d >> 1) & 1),
      oz + ck + uz + t * ((d >> 2) & 1),
    );
    cache[slot] = id;
    return id;
  };

  const P = positions;
  const emit = (a: number, b: number, c: number, gxv: number, gyv: number, gzv: number): void => {
    const p = P.data;
    const ax = p[3 * a], ay = p[3 * a + 1], az = p[3 * a + 2];
    const e1x = p[3 * b] - ax, e1y = p[3 * b + 1] - ay, e1z = p[3 * b + 2] - az;
    const e2x = p[3 * c] - ax, e2y = p[3 * c + 1] - ay, e2z = p[3 * c + 2] - az;
    const nx = e1y * e2z - e1z * e2y;
    const ny = e1z * e2x - e1x * e2z;
    const nz = e1x * e2y - e1y * e2x;
    // outward = towards decreasing field: normal · gradient must be negative
    if (nx * gxv + ny * gyv + nz * gzv > 0) indices.push3(a, c, b);
    else indices.push3(a, b, c);
  };

  for (ck = 0; ck < gz - 1; ck++) {
    for (cj = 0; cj < gy - 1; cj++) {
      for (ci = 0; ci < gx - 1; ci++) {
        base = ck * plane + cj * gx + ci;
        let inside = 0;
        for (let c = 0; c < 8; c++) {
          const v = f[base + cornerOffset[c]];
          val[c] = v;
          if (v > iso) inside |= 1 << c;
        }
        if (inside === 0 || inside === 255) continue;
        for (const tet of TETS) {
          let mask = 0;
          for (let t = 0; t < 4; t++) if (inside & (1 << tet[t])) mask |= 1 << t;
          if (mask === 0 || mask === 15) continue;
          // gradient of the linear interpolant along the tet's path (each step moves along one axis)
          const g = [0, 0, 0];
          for (let s = 0; s < 3; s++) {
            const step = tet[s] ^ tet[s + 1];
            g[step === 1 ? 0 : step === 2 ? 1 : 2] = val[tet[s + 1]] - val[tet[s]];
          }
          const count = ((mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1) + ((mask >> 3) & 1));
          if (count === 1 || count === 3) {
            const lone = count === 1 ? mask : ~mask & 15;
            const l = lone === 1 ? 0 : lone === 2 ? 1 : lone === 4 ? 2 : 3;
            const others = [0, 1, 2, 3].filter((t) => t !== l);
            const vs = others.map((o) => (o < l ? vertex(tet[o], tet[l]) : vertex(tet[l], tet[o])));
            emit(vs[0], vs[1], vs[2], g[0], g[1], g[2]);
          } else {
            const ins: number[] = [];
            const outs: number[] = [];
            for (let t = 0; t < 4; t++) ((mask >> t) & 1 ? ins : outs).push(t);
            const e = (a: number, b: number): number => (a < b ? vertex(tet[a], tet[b]) : vertex(tet[b], tet[a]));
            const ac = e(ins[0], outs[0]);
            const ad = e(ins[0], outs[1]);
            const bd = e(ins[1], outs[1]);
            const bc = e(ins[1], outs[0]);
            emit(ac, ad, bd, g[0], g[1], g[2]);
            emit(ac, bd, bc, g[0], g[1], g[2]);
          }
        }
      }
    }
    const done = layer0;
    layer0 = layer1;
    layer1 = done.fill(-1);
  }
  return { positions: positions.toArray(), indices: indices.toArray() };
}
