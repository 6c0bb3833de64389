// The slice-wise building blocks of the CPU engine's automatic pass against plain definitions:
// in-plane morphology (runs + column counts inside the foreground's box) against the separable 3D
// morphology restricted to two axes, the run-based hole fill against a flood from the border, and
// the 3×3×3 low-variance components against a direct masked statistic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3 } from '@vista3d/volume';
import { fillHolesSlicewise } from '../src/cpu/holes.js';
import { lowStdComponents } from '../src/cpu/local-std.js';
import { morph } from '../src/cpu/morphology.js';
import { Plane } from '../src/cpu/plane.js';
import { componentsOfMask, paintComponents } from '../src/cpu/runs.js';
import { seededRandom } from './helpers.js';

/** Blobby random mask: a few boxes and noise, so runs, holes and borders all occur. */
function blobs(dims: Vec3, seed: number): Uint8Array {
  const rnd = seededRandom(seed);
  const [nx, ny, nz] = dims;
  const m = new Uint8Array(nx * ny * nz);
  for (let b = 0; b < 12; b++) {
    const c = [rnd() * nx, rnd() * ny, rnd() * nz];
    const h = [1 + rnd() * nx * 0.3, 1 + rnd() * ny * 0.3, 1 + rnd() * nz * 0.4];
    const fill = rnd() < 0.7 ? 1 : 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      if (Math.abs(x - c[0]) <= h[0] && Math.abs(y - c[1]) <= h[1] && Math.abs(z - c[2]) <= h[2]) m[x + nx * (y + ny * z)] = fill;
    }
  }
  for (let i = 0; i < m.length; i++) if (rnd() < 0.03) m[i] ^= 1;
  return m;
}

/** Reference hole fill: flood the background from every border pixel, per slice along z. */
function holesByFlood(mask: Uint8Array, dims: Vec3, maxHole: number): Uint8Array {
  const [nx, ny, nz] = dims;
  const out = Uint8Array.from(mask);
  for (let z = 0; z < nz; z++) {
    const label = new Int32Array(nx * ny).fill(-1);
    let next = 0;
    const sizes: number[] = [];
    const border: boolean[] = [];
    for (let p = 0; p < nx * ny; p++) {
      if (label[p] >= 0 || mask[z * nx * ny + p] !== 0) continue;
      const id = next++;
      const stack = [p];
      label[p] = id;
      let size = 0;
      let atBorder = false;
      while (stack.length) {
        const q = stack.pop()!;
        size++;
        const x = q % nx;
        const y = (q - x) / nx;
        if (x === 0 || y === 0 || x === nx - 1 || y === ny - 1) atBorder = true;
        for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          const a = x + dx;
          const b = y + dy;
          if (a < 0 || b < 0 || a >= nx || b >= ny) continue;
          const r = a + nx * b;
          if (label[r] < 0 && mask[z * nx * ny + r] === 0) { label[r] = id; stack.push(r); }
        }
      }
      sizes.push(size);
      border.push(atBorder);
    }
    for (let p = 0; p < nx * ny; p++) if (label[p] >= 0 && !border[label[p]] && sizes[label[p]] <= maxHole) out[z * nx * ny + p] = 1;
  }
  return out;
}

describe('slice-wise building blocks of the automatic pass', () => {
  const dims: Vec3 = [37, 29, 6];

  it('in-plane erosion and dilation equal the separable 3D morphology on the two in-plane axes', () => {
    for (let seed = 1; seed <= 6; seed++) for (const axis of [0, 1, 2]) for (const op of ['erode', 'dilate'] as const) {
      const [ru, rv] = [1 + (seed % 3), seed % 4];
      const mask = blobs(dims, seed * 7 + axis);
      const plane = new Plane(dims, axis);
      const got = Uint8Array.from(mask);
      const s = new Uint8Array(plane.area);
      for (let w = 0; w < plane.g.count; w++) { plane.gather(got, w, s); plane.morph(s, ru, rv, op); plane.scatter(s, got, w); }
      const want = Uint8Array.from(mask);
      morph(want, dims, ru, op, undefined, [plane.g.u]);
      morph(want, dims, rv, op, undefined, [plane.g.v]);
      assert.deepEqual(got, want, `seed ${seed} axis ${axis} ${op} r ${ru},${rv}`);
    }
  });

  it('run-based hole fill equals a flood from the slice border, with and without a size limit', () => {
    for (let seed = 1; seed <= 8; seed++) for (const maxHole of [Infinity, 12]) {
      const mask = blobs(dims, 100 + seed);
      const got = Uint8Array.from(mask);
      fillHolesSlicewise(got, dims, 2, 1, maxHole);
      assert.deepEqual(got, holesByFlood(mask, dims, maxHole), `seed ${seed} max ${maxHole}`);
    }
  });

  it('low-variance components equal the masked 3×3×3 statistic computed voxel by voxel', () => {
    const rnd = seededRandom(5);
    const [nx, ny, nz] = dims;
    const within = blobs(dims, 77);
    const data = new Int16Array(within.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.round((i % nx < nx / 2 ? 100 : 300) + (i % 5 === 0 ? 60 : 0) * rnd());
    const got = new Uint8Array(within.length);
    const comps = lowStdComponents(data, dims, within, 15);
    paintComponents(comps, () => true, got, 1);
    const want = new Uint8Array(within.length);
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const i = x + nx * (y + ny * z);
      if (within[i] === 0) continue;
      const vals: number[] = [];
      for (let c = z - 1; c <= z + 1; c++) for (let b = y - 1; b <= y + 1; b++) for (let a = x - 1; a <= x + 1; a++) {
        if (a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
        const j = a + nx * (b + ny * c);
        if (within[j] !== 0) vals.push(data[j]);
      }
      const mean = vals.reduce((p, q) => p + q, 0) / vals.length;
      const variance = vals.reduce((p, q) => p + q * q, 0) / vals.length - mean * mean;
      want[i] = vals.length >= 7 && variance <= 15 * 15 ? 1 : 0;
    }
    assert.deepEqual(got, want);
    assert.equal(comps.count, componentsOfMask(want, dims).count);
  });
});
