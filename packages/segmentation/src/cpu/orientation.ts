import type { Mat4 } from '@vista3d/volume';

/** Which voxel axis runs along each patient axis, and in which direction (from the affine). */
export interface AxisInfo {
  /** Voxel axis closest to world x (RAS+: +x = towards the patient's Right). */
  lrAxis: number;
  /** +1 if increasing that voxel index moves towards the patient's Right, else -1. */
  towardsRight: 1 | -1;
  /** Voxel axis closest to world z (superior). */
  siAxis: number;
  /** +1 if increasing that voxel index moves superior (towards the head), else -1. */
  towardsSuperior: 1 | -1;
}

export function axisInfo(affine: Mat4): AxisInfo {
  const dominant = (row: number): number => {
    let best = 0;
    for (let c = 1; c < 3; c++) if (Math.abs(affine[row][c]) > Math.abs(affine[row][best])) best = c;
    return best;
  };
  const lrAxis = dominant(0);
  let siAxis = dominant(2);
  if (siAxis === lrAxis) siAxis = [0, 1, 2].find((c) => c !== lrAxis && c !== dominant(1)) ?? 2;
  return {
    lrAxis,
    towardsRight: affine[0][lrAxis] >= 0 ? 1 : -1,
    siAxis,
    towardsSuperior: affine[2][siAxis] >= 0 ? 1 : -1,
  };
}
