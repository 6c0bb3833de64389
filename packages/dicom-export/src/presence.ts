import type { Vec3, VoxelArray } from '@vista3d/volume';

/** What a writer needs of a label map: its grid and its voxels (x fastest, VISTA3D ids, 0 = background). */
export interface LabelMap {
  dims: Vec3;
  affine: import('@vista3d/volume').Mat4;
  data: VoxelArray;
}

/** Per label: voxel count and, per slice k, whether the label occurs there (one pass over the map). */
export interface LabelPresence {
  labels: number[];
  voxels: Map<number, number>;
  /** slices.get(label)[k] = voxels of the label in slice k. */
  slices: Map<number, Uint32Array>;
}

export function labelPresence(map: LabelMap): LabelPresence {
  const [nx, ny, nz] = map.dims;
  const plane = nx * ny;
  const d = map.data;
  if (d.length < plane * nz) throw new Error(`label map has ${d.length} voxels, grid needs ${plane * nz}`);
  const perSlice = new Map<number, Uint32Array>();
  let last = -1;
  let lastArr: Uint32Array | null = null;
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    for (let v = 0; v < plane; v++) {
      const l = d[base + v]!;
      if (l === 0) continue;
      if (l !== last) {
        last = l;
        lastArr = perSlice.get(l) ?? null;
        if (!lastArr) {
          if (!Number.isInteger(l) || l < 0) throw new Error(`label map holds a non-integer or negative value ${l}`);
          lastArr = new Uint32Array(nz);
          perSlice.set(l, lastArr);
        }
      }
      lastArr![k] = lastArr![k]! + 1;
    }
  }
  const labels = [...perSlice.keys()].sort((a, b) => a - b);
  const voxels = new Map(labels.map((l) => [l, perSlice.get(l)!.reduce((a, b) => a + b, 0)]));
  return { labels, voxels, slices: perSlice };
}
