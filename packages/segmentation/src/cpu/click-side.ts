import { labelById } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { rawRange } from './hu.js';
import type { AxisInfo } from './orientation.js';

/** The patient's side a class name gives: +1 right, -1 left, 0 none. */
export function sideOf(classId: number): -1 | 0 | 1 {
  const name = labelById(classId)?.name ?? '';
  return /\bright\b/.test(name) ? 1 : /\bleft\b/.test(name) ? -1 : 0;
}

/**
 * Voxel index along the left-right axis of the body's midline in the axial slice through p: the mean
 * left-right position of the voxels above minHu (the centre of the axis when there are none).
 */
export function bodyMidlineIndex(ct: Volume, axes: AxisInfo, p: Vec3, minHu: number): number {
  const [nx, ny] = ct.dims;
  const strides = [1, nx, nx * ny];
  const [u, w] = [0, 1, 2].filter((a) => a !== axes.siAxis);
  const { lo, hi } = rawRange(ct, minHu, Infinity);
  const base = p[axes.siAxis] * strides[axes.siAxis];
  let sum = 0;
  let count = 0;
  for (let j = 0; j < ct.dims[w]; j++) for (let i = 0; i < ct.dims[u]; i++) {
    const v = ct.data[base + i * strides[u] + j * strides[w]];
    if (!(v > lo && v < hi)) continue;
    sum += u === axes.lrAxis ? i : j;
    count++;
  }
  return count > 0 ? sum / count : (ct.dims[axes.lrAxis] - 1) / 2;
}
