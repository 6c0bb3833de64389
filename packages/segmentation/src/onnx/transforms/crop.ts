import type { Vec3 } from '@vista3d/volume';

/** A box [start, end) in voxels. */
export interface Box {
  start: Vec3;
  end: Vec3;
}

/**
 * MONAI `CropForeground(select_fn = x > threshold, margin, allow_smaller=True)`: the bounding box of
 * the selected voxels, widened by `margin` on each side and clipped to the image. null when nothing
 * is selected (MONAI would crop to nothing; the caller keeps the whole image instead).
 */
export function foregroundBox(data: Float32Array, dims: Vec3, threshold: number, margin: number): Box | null {
  const [nx, ny, nz] = dims;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    if (!(data[i] > threshold)) continue;
    if (x < lo[0]) lo[0] = x;
    if (x > hi[0]) hi[0] = x;
    if (y < lo[1]) lo[1] = y;
    if (y > hi[1]) hi[1] = y;
    if (z < lo[2]) lo[2] = z;
    if (z > hi[2]) hi[2] = z;
  }
  if (hi[0] < 0) return null;
  return {
    start: [0, 1, 2].map((a) => Math.max(0, lo[a] - margin)) as Vec3,
    end: [0, 1, 2].map((a) => Math.min(dims[a], hi[a] + 1 + margin)) as Vec3,
  };
}

export function boxDims(box: Box): Vec3 {
  return [0, 1, 2].map((a) => box.end[a] - box.start[a]) as Vec3;
}

export function cropData(data: Float32Array, dims: Vec3, box: Box): Float32Array {
  const [cx, cy, cz] = boxDims(box);
  const out = new Float32Array(cx * cy * cz);
  let o = 0;
  for (let z = 0; z < cz; z++) for (let y = 0; y < cy; y++) {
    const s = box.start[0] + dims[0] * (box.start[1] + y + dims[1] * (box.start[2] + z));
    out.set(data.subarray(s, s + cx), o);
    o += cx;
  }
  return out;
}

/** Undoes a crop for a label map: the box back in place, `fill` around it (MONAI pads with 0). */
export function uncropLabels(labels: Uint8Array, box: Box, dims: Vec3, fill = 0): Uint8Array {
  const [cx, cy, cz] = boxDims(box);
  const out = new Uint8Array(dims[0] * dims[1] * dims[2]).fill(fill);
  let o = 0;
  for (let z = 0; z < cz; z++) for (let y = 0; y < cy; y++) {
    const d = box.start[0] + dims[0] * (box.start[1] + y + dims[1] * (box.start[2] + z));
    out.set(labels.subarray(o, o + cx), d);
    o += cx;
  }
  return out;
}
