import type { Mat4, Volume } from '@vista3d/volume';

export interface SphereFixture {
  volume: Volume<Uint8Array>;
  radiusMm: number;
  center: [number, number, number];
}

/**
 * A ball of radius `radiusMm` (world mm) rasterised at voxel centres into a uint8 label volume with
 * anisotropic spacing and an affine that mirrors x (negative determinant), permutes nothing and
 * translates. Label `labelId` inside, 0 outside.
 */
export function sphereVolume(options: { radiusMm?: number; spacing?: [number, number, number]; labelId?: number; flip?: boolean } = {}): SphereFixture {
  const radiusMm = options.radiusMm ?? 30;
  const spacing = options.spacing ?? [1.5, 1.2, 2.0];
  const labelId = options.labelId ?? 5;
  const flip = options.flip ?? true;
  const dims: [number, number, number] = spacing.map((s) => Math.ceil((2 * radiusMm) / s) + 8) as [number, number, number];
  const sx = flip ? -spacing[0] : spacing[0];
  const affine: Mat4 = [
    [sx, 0, 0, 112.5],
    [0, spacing[1], 0, -80.25],
    [0, 0, spacing[2], 33.0],
    [0, 0, 0, 1],
  ];
  // centre in voxel space: middle of the grid plus a sub-voxel offset so the ball is not symmetric
  const cv = [dims[0] / 2 + 0.31, dims[1] / 2 - 0.17, dims[2] / 2 + 0.43];
  const center: [number, number, number] = [
    affine[0][0] * cv[0] + affine[0][3],
    affine[1][1] * cv[1] + affine[1][3],
    affine[2][2] * cv[2] + affine[2][3],
  ];
  const data = new Uint8Array(dims[0] * dims[1] * dims[2]);
  let i = 0;
  for (let z = 0; z < dims[2]; z++) {
    for (let y = 0; y < dims[1]; y++) {
      for (let x = 0; x < dims[0]; x++, i++) {
        const dx = (x - cv[0]) * spacing[0], dy = (y - cv[1]) * spacing[1], dz = (z - cv[2]) * spacing[2];
        if (dx * dx + dy * dy + dz * dz <= radiusMm * radiusMm) data[i] = labelId;
      }
    }
  }
  const volume: Volume<Uint8Array> = {
    dims, frames: 1, spacing, affine, datatype: 'uint8', data, scl: { slope: 1, inter: 0 },
    meta: { description: 'sphere', qformCode: 0, sformCode: 2, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 },
  };
  return { volume, radiusMm, center };
}
