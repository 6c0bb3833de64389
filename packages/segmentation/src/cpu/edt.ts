import type { Vec3 } from '@vista3d/volume';

const FAR = 1e20;

/**
 * Exact squared Euclidean distance transform in mm² (Felzenszwalb & Huttenlocher 2012: separable
 * lower envelopes of parabolas, O(voxels) per axis, anisotropic spacing). For every voxel with
 * mask ≠ 0 the squared distance to the nearest background voxel; 0 on background. Outside the grid
 * counts as background when `outsideIsBackground` (a structure cut by the scan edge is shallow there).
 */
export function squaredDistanceMm(mask: Uint8Array, dims: Vec3, spacing: readonly number[], outsideIsBackground = true): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] !== 0 ? FAR : 0;
  const maxLen = Math.max(nx, ny, nz) + 2;
  const f = new Float64Array(maxLen);
  const pos = new Float64Array(maxLen);
  const v = new Int32Array(maxLen);
  const z = new Float64Array(maxLen + 1);
  const d = new Float64Array(maxLen);
  const stride = [1, nx, nx * ny];
  for (let axis = 0; axis < 3; axis++) {
    const n = dims[axis];
    const s = stride[axis];
    const h = spacing[axis];
    const [a1, a2] = [0, 1, 2].filter((a) => a !== axis);
    for (let j = 0; j < dims[a2]; j++) for (let i = 0; i < dims[a1]; i++) {
      const base = i * stride[a1] + j * stride[a2];
      // Parabolas: the finite samples of this line plus, optionally, background just outside it.
      let m = 0;
      if (outsideIsBackground) { f[m] = 0; pos[m] = -h; m++; }
      let any = false;
      for (let k = 0; k < n; k++) {
        const val = out[base + k * s];
        if (val !== 0) any = true;
        if (val < FAR) { f[m] = val; pos[m] = k * h; m++; }
      }
      if (!any) continue;
      if (outsideIsBackground) { f[m] = 0; pos[m] = n * h; m++; }
      if (m === 0) continue;
      lowerEnvelope(f, pos, m, v, z);
      let k = 0;
      for (let q = 0; q < n; q++) {
        const x = q * h;
        while (z[k + 1] < x) k++;
        const dx = x - pos[v[k]];
        d[q] = dx * dx + f[v[k]];
      }
      for (let q = 0; q < n; q++) out[base + q * s] = d[q];
    }
  }
  return out;
}

function lowerEnvelope(f: Float64Array, pos: Float64Array, m: number, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < m; q++) {
    let s: number;
    for (;;) {
      const p = v[k];
      s = (f[q] + pos[q] * pos[q] - (f[p] + pos[p] * pos[p])) / (2 * (pos[q] - pos[p]));
      if (s <= z[k] && k > 0) k--;
      else break;
    }
    if (s <= z[k]) { v[k] = q; z[k + 1] = Infinity; continue; }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
}
