import type { Vec3, Volume } from '@vista3d/volume';
import { clickBoxBounds, mean3, type ClickBox } from './click-box.js';
import { maskBounds } from './click-geodesic.js';
import { BoundedCache } from './bounded-cache.js';
import { ctFingerprint } from './click-refine.js';
import { huScale } from './hu.js';
import { keepRegionsOf } from './interactive.js';

/**
 * The working box around the clicks like click-box.ts's, but each coarse cell's mean is taken over a
 * lattice of its voxels (every ⌊f/2⌋-th along an axis, at least every voxel of a 1-voxel cell): a 5 mm
 * cell of a 0.7 mm CT holds ≈ 200 voxels, and its mean HU needs a dozen. A large organ's box is most
 * of the scan, and reading every voxel of it was the click's largest cost.
 */
export function readSampledBox(ct: Volume, points: readonly Vec3[], marginMm: number, f: Vec3): ClickBox {
  const { lo, dims, atEdge } = clickBoxBounds(ct, points, marginMm, f);
  const key = `${ctFingerprint(ct)}|${lo.join(',')}|${dims.join(',')}|${f.join(',')}`;
  const known = boxes.get(key);
  if (known !== undefined) return known;
  const box = sampleBox(ct, lo, dims, atEdge, f);
  boxes.set(key, box);
  keepRegionsOf(box);
  return box;
}

/**
 * Sampled boxes kept (bytes), by CT and bounds: an organ's later clicks mostly fall in the box of its
 * first (a liver's reach is most of the scan), so they read no voxel, and the box's per-click regions
 * (interactive.ts) are kept with it. A kept box is shared: nothing writes into it.
 */
const boxes = new BoundedCache<ClickBox>(64 * 2 ** 20, (b) => 8 * b.hu.length);

/** Empties the kept boxes (a benchmark or test that times a cold click). */
export function clearSampledBoxes(): void {
  boxes.clear();
}

function sampleBox(ct: Volume, lo: Vec3, dims: Vec3, atEdge: boolean[], f: Vec3): ClickBox {
  const step = f.map((k) => Math.max(1, Math.floor(k / 2))) as Vec3;
  const [bx, by, bz] = dims;
  const [nx, ny, nz] = ct.dims;
  const n = bx * by * bz;
  const sum = new Float32Array(n);
  const cnt = new Uint16Array(n);
  const data = ct.data;
  for (let cz = 0; cz < bz; cz++) for (let z = lo[2] + cz * f[2]; z < Math.min(nz, lo[2] + (cz + 1) * f[2]); z += step[2]) {
    for (let cy = 0; cy < by; cy++) for (let y = lo[1] + cy * f[1]; y < Math.min(ny, lo[1] + (cy + 1) * f[1]); y += step[1]) {
      const row = bx * (cy + by * cz);
      const src = nx * (y + ny * z);
      for (let cx = 0; cx < bx; cx++) {
        const end = Math.min(nx, lo[0] + (cx + 1) * f[0]);
        for (let x = lo[0] + cx * f[0]; x < end; x += step[0]) { sum[row + cx] += data[src + x]; cnt[row + cx]++; }
      }
    }
  }
  const { slope, inter } = huScale(ct);
  for (let i = 0; i < n; i++) sum[i] = cnt[i] > 0 ? (sum[i] / cnt[i]) * slope + inter : -1024;
  return { lo, f, dims, spacing: ct.spacing.map((s, a) => s * f[a]) as Vec3, hu: sum, smooth: mean3(sum, dims), atEdge };
}

/**
 * Writes the coarse mask into the full-resolution output: whole cells are filled a row at a time;
 * cells next to the mask's border (both sides, one cell deep) are decided voxel by voxel by the
 * clicks' windows, except those a negative click claimed; the positive click voxels are always in.
 * Returns the voxels written.
 */
export function writeCells(mask: Uint8Array, claimed: Uint8Array, box: ClickBox, ct: Volume, out: Uint8Array, windows: ReadonlyArray<{ lo: number; hi: number }>, positives: readonly Vec3[]): number {
  const accept = (v: number): boolean => windows.some((w) => v >= w.lo && v <= w.hi);
  const [bx, by, bz] = box.dims;
  const [nx, ny, nz] = ct.dims;
  const { lo, f } = box;
  // Nothing is written outside the mask's cells and the one-cell ring around them: a liver's box is
  // most of the scan, its mask a fraction of it.
  const { lo: m0, hi: m1 } = maskBounds(mask, box.dims, 1);
  if (m1[0] <= m0[0]) return writePositives(out, ct.dims, positives, 0);
  const border = new Uint8Array(mask.length);
  if (f.some((k) => k > 1)) {
    // A cell is near the border when its 3×3×3 neighbourhood holds both inside and outside cells.
    for (let z = m0[2]; z < m1[2]; z++) for (let y = m0[1]; y < m1[1]; y++) for (let x = m0[0]; x < m1[0]; x++) {
      const c = x + bx * (y + by * z);
      if (claimed[c] !== 0) continue;
      let ins = 0;
      let outs = 0;
      for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const X = x + dx; const Y = y + dy; const Z = z + dz;
        if (X < 0 || Y < 0 || Z < 0 || X >= bx || Y >= by || Z >= bz) continue;
        if (mask[X + bx * (Y + by * Z)] !== 0) ins++; else outs++;
      }
      if (ins > 0 && outs > 0) border[c] = 1;
    }
  }
  const { slope, inter } = huScale(ct);
  const data = ct.data;
  let count = 0;
  for (let z = lo[2] + m0[2] * f[2]; z < Math.min(nz, lo[2] + m1[2] * f[2]); z++) {
    const cz = Math.floor((z - lo[2]) / f[2]);
    for (let y = lo[1] + m0[1] * f[1]; y < Math.min(ny, lo[1] + m1[1] * f[1]); y++) {
      const row = bx * (Math.floor((y - lo[1]) / f[1]) + by * cz);
      const dst = nx * (y + ny * z);
      for (let cx = m0[0]; cx < m1[0]; cx++) {
        const c = row + cx;
        const x0 = lo[0] + cx * f[0];
        const x1 = Math.min(nx, x0 + f[0]);
        if (border[c] !== 0) {
          for (let x = x0; x < x1; x++) if (accept(data[dst + x] * slope + inter)) { out[dst + x] = 1; count++; }
        } else if (mask[c] !== 0) {
          out.fill(1, dst + x0, dst + x1);
          count += x1 - x0;
        }
      }
    }
  }
  return writePositives(out, ct.dims, positives, count);
}

/** The positive click voxels set in out; count plus those newly set. */
function writePositives(out: Uint8Array, dims: Vec3, positives: readonly Vec3[], count: number): number {
  const [nx, ny] = dims;
  for (const [x, y, z] of positives) {
    const v = x + nx * (y + ny * z);
    count += out[v] === 0 ? 1 : 0;
    out[v] = 1;
  }
  return count;
}
