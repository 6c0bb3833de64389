import type { Vec3 } from '@vista3d/volume';
import { IntList } from './growable.js';

/**
 * 6-connected flood fill from seed voxels: marks `out[v] = 1` for every reachable voxel with
 * accept(v) true. Iterative with an Int32 FIFO (never recursion: a lung is millions of voxels).
 * Stops early and returns -1 once more than maxVoxels are marked (a leak); else the count.
 */
export function flood(
  dims: Vec3,
  seeds: ArrayLike<number>,
  accept: (v: number) => boolean,
  out: Uint8Array,
  maxVoxels = Infinity,
): number {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const queue = new IntList(4096);
  let count = 0;
  for (let s = 0; s < seeds.length; s++) {
    const v = seeds[s];
    if (out[v] === 0 && accept(v)) {
      out[v] = 1;
      queue.push(v);
      count++;
    }
  }
  let head = 0;
  while (head < queue.length) {
    const v = queue.data[head++];
    const x = v % nx;
    const y = ((v - x) / nx) % ny;
    const z = (v - x - y * nx) / sxy;
    for (let d = 0; d < 6; d++) {
      let w: number;
      switch (d) {
        case 0: if (x === 0) continue; w = v - 1; break;
        case 1: if (x === nx - 1) continue; w = v + 1; break;
        case 2: if (y === 0) continue; w = v - nx; break;
        case 3: if (y === ny - 1) continue; w = v + nx; break;
        case 4: if (z === 0) continue; w = v - sxy; break;
        default: if (z === nz - 1) continue; w = v + sxy;
      }
      if (out[w] !== 0 || !accept(w)) continue;
      out[w] = 1;
      queue.push(w);
      if (++count > maxVoxels) return -1;
    }
    // Compact the queue now and then so a long fill does not keep every visited index.
    if (head > 1 << 20 && head > queue.length / 2) {
      queue.data.copyWithin(0, head, queue.length);
      queue.length -= head;
      head = 0;
    }
  }
  return count;
}
