import type { Mat4, Vec3 } from '@vista3d/volume';

/**
 * Axis reordering and flips that bring an array to RAS (MONAI `Orientation(axcodes="RAS")`):
 * new axis w is old axis `perm[w]`, read backwards when `flip[w]`.
 */
export interface Orientation {
  perm: Vec3;
  flip: [boolean, boolean, boolean];
}

/** The orientation that makes the affine's voxel axes point along +R, +A, +S (nearest world axis per voxel axis). */
export function rasOrientation(affine: Mat4): Orientation {
  const perm: Vec3 = [-1, -1, -1];
  const flip: [boolean, boolean, boolean] = [false, false, false];
  // Greedy assignment by the largest |direction component|, like nibabel's io_orientation.
  const cells: Array<{ a: number; w: number; v: number }> = [];
  for (let a = 0; a < 3; a++) {
    const norm = Math.hypot(affine[0][a], affine[1][a], affine[2][a]) || 1;
    for (let w = 0; w < 3; w++) cells.push({ a, w, v: affine[w][a] / norm });
  }
  cells.sort((p, q) => Math.abs(q.v) - Math.abs(p.v));
  const usedA = new Set<number>();
  for (const c of cells) {
    if (usedA.has(c.a) || perm[c.w] !== -1) continue;
    perm[c.w] = c.a;
    flip[c.w] = c.v < 0;
    usedA.add(c.a);
  }
  return { perm, flip };
}

export function isIdentityOrientation(o: Orientation): boolean {
  return o.perm[0] === 0 && o.perm[1] === 1 && o.perm[2] === 2 && !o.flip.some(Boolean);
}

export function orientedDims(dims: Vec3, o: Orientation): Vec3 {
  return [dims[o.perm[0]], dims[o.perm[1]], dims[o.perm[2]]];
}

/** Affine of the oriented array: new index → old index → world. */
export function orientAffine(affine: Mat4, dims: Vec3, o: Orientation): Mat4 {
  const out = affine.map((r) => [...r]) as Mat4;
  for (let row = 0; row < 3; row++) {
    let t = affine[row][3];
    for (let w = 0; w < 3; w++) {
      const a = o.perm[w];
      out[row][w] = o.flip[w] ? -affine[row][a] : affine[row][a];
      if (o.flip[w]) t += affine[row][a] * (dims[a] - 1);
    }
    out[row][3] = t;
  }
  return out;
}

/** A continuous old-grid coordinate on the oriented grid. */
export function orientPoint(p: Vec3, dims: Vec3, o: Orientation): Vec3 {
  return [0, 1, 2].map((w) => (o.flip[w] ? dims[o.perm[w]] - 1 - p[o.perm[w]] : p[o.perm[w]])) as Vec3;
}

/** For each oriented voxel (x fastest), the offset of the old voxel it comes from, as base + steps. */
function walk(dims: Vec3, o: Orientation): { base: number; step: Vec3; nd: Vec3 } {
  const stride = [1, dims[0], dims[0] * dims[1]];
  let base = 0;
  const step = [0, 0, 0] as Vec3;
  for (let w = 0; w < 3; w++) {
    const a = o.perm[w];
    step[w] = o.flip[w] ? -stride[a] : stride[a];
    if (o.flip[w]) base += stride[a] * (dims[a] - 1);
  }
  return { base, step, nd: orientedDims(dims, o) };
}

/** Reorients voxel values (HU = raw·slope + inter) into a new float32 array. */
export function orientData(src: ArrayLike<number>, dims: Vec3, o: Orientation, slope = 1, inter = 0): Float32Array {
  const { base, step, nd } = walk(dims, o);
  const out = new Float32Array(nd[0] * nd[1] * nd[2]);
  let i = 0;
  for (let z = 0; z < nd[2]; z++) for (let y = 0; y < nd[1]; y++) {
    let s = base + y * step[1] + z * step[2];
    for (let x = 0; x < nd[0]; x++, s += step[0]) out[i++] = src[s] * slope + inter;
  }
  return out;
}

/** Undoes `orientData` for a label map: oriented labels back into the original axis order. */
export function unorientLabels(labels: Uint8Array, dims: Vec3, o: Orientation): Uint8Array {
  const { base, step, nd } = walk(dims, o);
  const out = new Uint8Array(labels.length);
  let i = 0;
  for (let z = 0; z < nd[2]; z++) for (let y = 0; y < nd[1]; y++) {
    let s = base + y * step[1] + z * step[2];
    for (let x = 0; x < nd[0]; x++, s += step[0]) out[s] = labels[i++];
  }
  return out;
}
