import type { Vec3 } from '@vista3d/volume';

/** Patch origins along one axis: step = patch·(1−overlap), last patch flush with the end (MONAI). */
export function patchStarts(size: number, patch: number, overlap: number): number[] {
  if (size <= patch) return [0];
  const step = Math.max(1, Math.floor(patch * (1 - overlap)));
  const starts: number[] = [];
  for (let s = 0; s + patch < size; s += step) starts.push(s);
  starts.push(size - patch);
  return [...new Set(starts)];
}

/** Gaussian importance map (σ = patch/8 per axis, as MONAI), x fastest; or all ones. */
export function importanceMap(patch: Vec3, blend: 'gaussian' | 'constant'): Float32Array {
  const [px, py, pz] = patch;
  const w = new Float32Array(px * py * pz);
  const g = (n: number): Float64Array => {
    const a = new Float64Array(n);
    const sigma = n * 0.125;
    for (let i = 0; i < n; i++) a[i] = blend === 'constant' ? 1 : Math.exp(-(((i - (n - 1) / 2) / sigma) ** 2) / 2);
    return a;
  };
  const gx = g(px); const gy = g(py); const gz = g(pz);
  let min = Infinity;
  for (let z = 0; z < pz; z++) for (let y = 0; y < py; y++) for (let x = 0; x < px; x++) {
    const v = gx[x] * gy[y] * gz[z];
    w[x + px * (y + py * z)] = v;
    if (v > 0 && v < min) min = v;
  }
  // MONAI clamps the map away from zero so every voxel gets some weight.
  for (let i = 0; i < w.length; i++) if (w[i] < min) w[i] = min;
  return w;
}
