import { vertexAdjacency } from './adjacency.js';
import type { MeshData, SmoothingOptions } from './types.js';

/**
 * Taubin λ/μ smoothing (Taubin 1995) with the uniform umbrella Laplacian: a shrinking step λ > 0
 * followed by an inflating step μ < −λ, with 1/λ + 1/μ = k_PB. Low frequencies (the shape) pass,
 * voxel staircase noise is removed, and — unlike plain Laplacian smoothing — the volume is kept.
 * Connectivity is unchanged, so watertightness is preserved. Returns new positions.
 */
export function taubinSmooth(mesh: MeshData, options: SmoothingOptions): MeshData {
  const iterations = Math.max(0, Math.floor(options.iterations));
  const passBand = options.passBand ?? 0.1;
  if (!(passBand > 0 && passBand < 1)) throw new RangeError(`passBand must be in (0, 1), got ${passBand}`);
  const lambda = 0.5;
  const mu = 1 / (passBand - 1 / lambda);
  const n = mesh.positions.length / 3;
  const { offsets, neighbours } = vertexAdjacency(n, mesh.indices);
  let cur = Float64Array.from(mesh.positions);
  let next = new Float64Array(cur.length);
  const step = (factor: number): void => {
    for (let v = 0; v < n; v++) {
      const s = offsets[v], e = offsets[v + 1];
      const x = cur[3 * v], y = cur[3 * v + 1], z = cur[3 * v + 2];
      if (e === s) {
        next[3 * v] = x; next[3 * v + 1] = y; next[3 * v + 2] = z;
        continue;
      }
      let sx = 0, sy = 0, sz = 0;
      for (let i = s; i < e; i++) {
        const u = 3 * neighbours[i];
        sx += cur[u]; sy += cur[u + 1]; sz += cur[u + 2];
      }
      const k = e - s;
      next[3 * v] = x + factor * (sx / k - x);
      next[3 * v + 1] = y + factor * (sy / k - y);
      next[3 * v + 2] = z + factor * (sz / k - z);
    }
    const t = cur;
    cur = next;
    next = t;
  };
  for (let it = 0; it < iterations; it++) {
    step(lambda);
    step(mu);
  }
  return { positions: Float32Array.from(cur), indices: mesh.indices };
}
