import type { Vec3 } from '@vista3d/volume';

/**
 * Fills 2D holes of a mask slice by slice (slices perpendicular to `axis`), in place: background
 * not 4-connected to the slice border becomes 1. Slice-wise because 3D hole filling would miss
 * body cavities open at the scan's top/bottom, which are exactly the cases we see in partial scans.
 * Holes larger than maxHoleVoxels stay background. `outsideSeed(voxel)` limits which border pixels
 * count as outside (e.g. only gas: lung cut by the field of view touches the border but is inside).
 */
export function fillHolesSlicewise(mask: Uint8Array, dims: Vec3, axis = 2, value = 1, maxHoleVoxels = Infinity, outsideSeed?: (voxel: number) => boolean): void {
  const axes = [0, 1, 2].filter((a) => a !== axis);
  const stride: Vec3 = [1, dims[0], dims[0] * dims[1]];
  const [ua, va] = axes;
  const nu = dims[ua];
  const nv = dims[va];
  const su = stride[ua];
  const sv = stride[va];
  const sw = stride[axis];
  const area = nu * nv;
  // seen: 0 = unvisited, 1 = background reached from the border, 2 = visited hole voxel
  const seen = new Uint8Array(area);
  const queue = new Int32Array(area);
  const hole = new Int32Array(area);
  for (let w = 0; w < dims[axis]; w++) {
    const base = w * sw;
    seen.fill(0);
    const at = (u: number, v: number): number => base + u * su + v * sv;
    let head = 0;
    let tail = 0;
    const seed = (u: number, v: number): void => {
      const p = u + v * nu;
      if (seen[p] === 0 && mask[at(u, v)] === 0 && (!outsideSeed || outsideSeed(at(u, v)))) {
        seen[p] = 1;
        queue[tail++] = p;
      }
    };
    for (let u = 0; u < nu; u++) { seed(u, 0); seed(u, nv - 1); }
    for (let v = 0; v < nv; v++) { seed(0, v); seed(nu - 1, v); }
    // Hot loop: inline neighbour visits (no per-pixel closures), p = u + v·nu, voxel = base + u·su + v·sv.
    const flood = (mark: number, out: Int32Array | null): number => {
      let count = 0;
      while (head < tail) {
        const p = queue[head++];
        if (out) out[count] = p;
        count++;
        const u = p % nu;
        const v = (p - u) / nu;
        const vox = base + u * su + v * sv;
        if (u > 0 && seen[p - 1] === 0 && mask[vox - su] === 0) { seen[p - 1] = mark; queue[tail++] = p - 1; }
        if (u < nu - 1 && seen[p + 1] === 0 && mask[vox + su] === 0) { seen[p + 1] = mark; queue[tail++] = p + 1; }
        if (v > 0 && seen[p - nu] === 0 && mask[vox - sv] === 0) { seen[p - nu] = mark; queue[tail++] = p - nu; }
        if (v < nv - 1 && seen[p + nu] === 0 && mask[vox + sv] === 0) { seen[p + nu] = mark; queue[tail++] = p + nu; }
      }
      return count;
    };
    flood(1, null);
    // Every unvisited background pixel now belongs to a hole; fill each hole (subject to its size).
    for (let p = 0; p < area; p++) {
      if (seen[p] !== 0) continue;
      const u0 = p % nu;
      const v0 = (p - u0) / nu;
      if (mask[at(u0, v0)] !== 0) continue;
      head = 0;
      tail = 0;
      seen[p] = 2;
      queue[tail++] = p;
      const count = flood(2, hole);
      if (count > maxHoleVoxels) continue;
      for (let h = 0; h < count; h++) {
        const q = hole[h];
        const u = q % nu;
        mask[at(u, (q - u) / nu)] = value;
      }
    }
  }
}
