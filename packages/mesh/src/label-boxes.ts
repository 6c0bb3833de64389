import type { Volume } from '@vista3d/volume';

/** Inclusive voxel bounding box of one label, with its voxel count. */
export interface LabelBox {
  labelId: number;
  min: [number, number, number];
  max: [number, number, number];
  voxels: number;
}

/**
 * One pass over the first frame of a label volume: bounding box and voxel count of every non-zero
 * integer value (raw stored values; label maps are not scaled). Sorted by label id.
 */
export function labelBoxes(volume: Pick<Volume, 'dims' | 'data'>): LabelBox[] {
  const [nx, ny, nz] = volume.dims;
  const data = volume.data;
  const boxes = new Map<number, LabelBox>();
  let last: LabelBox | undefined;
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const v = data[i];
        if (v === 0 || !Number.isFinite(v)) continue;
        const id = Math.round(v);
        if (id === 0) continue;
        let b = last !== undefined && last.labelId === id ? last : boxes.get(id);
        if (b === undefined) {
          b = { labelId: id, min: [x, y, z], max: [x, y, z], voxels: 0 };
          boxes.set(id, b);
        }
        last = b;
        b.voxels++;
        if (x < b.min[0]) b.min[0] = x;
        if (x > b.max[0]) b.max[0] = x;
        if (y < b.min[1]) b.min[1] = y;
        if (y > b.max[1]) b.max[1] = y;
        if (z < b.min[2]) b.min[2] = z;
        if (z > b.max[2]) b.max[2] = z;
      }
    }
  }
  return [...boxes.values()].sort((a, b) => a.labelId - b.labelId);
}
