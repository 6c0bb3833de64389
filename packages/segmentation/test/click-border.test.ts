// The two border steps of the click path: majority smoothing of a strategy's answer (src/cpu/click-smooth.ts)
// and the general strategy's partial-volume border (src/cpu/click-edge.ts), against brute-force versions
// on random masks, a scan of 3 slices and a fine grid.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3, Volume } from '@vista3d/volume';
import { SMOOTH_FRACTION, SMOOTH_WIDTH_MM, smoothResult } from '../src/cpu/click-smooth.js';
import { addPartialVolumeBorder } from '../src/cpu/click-edge.js';
import { seededRandom, syntheticCt } from './helpers.js';

/** A ball of radius r (voxels) at c with a ragged border (each border voxel flipped with probability p). */
function raggedBall(dims: Vec3, c: Vec3, r: number, p: number, seed: number): Uint8Array {
  const rnd = seededRandom(seed);
  const [nx, ny, nz] = dims;
  const m = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const d = Math.hypot(x - c[0], y - c[1], z - c[2]);
    let v = d <= r ? 1 : 0;
    if (Math.abs(d - r) < 1.5 && rnd() < p) v = 1 - v;
    m[x + nx * (y + ny * z)] = v;
  }
  return m;
}

/** The definition, voxel by voxel: the box's part inside the scan, at least SMOOTH_FRACTION of it in. */
function bruteSmooth(mask: Uint8Array, dims: Vec3, spacing: number[]): Uint8Array {
  const h = spacing.map((s) => Math.max(1, Math.round((SMOOTH_WIDTH_MM / s - 1) / 2)));
  const [nx, ny, nz] = dims;
  const out = new Uint8Array(mask.length);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    let inBox = 0;
    let set = 0;
    for (let c = Math.max(0, z - h[2]); c <= Math.min(nz - 1, z + h[2]); c++)
      for (let b = Math.max(0, y - h[1]); b <= Math.min(ny - 1, y + h[1]); b++)
        for (let a = Math.max(0, x - h[0]); a <= Math.min(nx - 1, x + h[0]); a++) { inBox++; set += mask[a + nx * (b + ny * c)]; }
    out[x + nx * (y + ny * z)] = set >= SMOOTH_FRACTION * inBox ? 1 : 0;
  }
  return out;
}

const count = (m: Uint8Array): number => m.reduce((a, v) => a + v, 0);

describe('majority smoothing of a click result', () => {
  for (const [name, dims, spacing] of [
    ['3 mm grid', [40, 36, 30], [3, 3, 3]],
    ['fine anisotropic grid', [48, 44, 26], [0.7, 0.6, 1.1]],
    ['scan of 3 slices', [60, 60, 3], [0.8, 0.8, 1]],
  ] as Array<[string, Vec3, number[]]>) {
    it(`equals the voxel-by-voxel definition on a ${name}`, () => {
      const c: Vec3 = [Math.floor(dims[0] / 2), Math.floor(dims[1] / 2), Math.floor(dims[2] / 2)];
      const mask = raggedBall(dims, c, Math.min(dims[0], dims[1]) / 3, 0.4, 7);
      // A one-voxel spike and a speck away from the ball: smoothed away.
      mask[1 + dims[0] * (1 + dims[1] * (dims[2] - 1))] = 1;
      const expected = bruteSmooth(mask, dims, spacing);
      const got = mask.slice();
      const n = smoothResult(got, dims, spacing, [], []);
      assert.equal(n, count(got));
      const diff = got.reduce((a, v, i) => a + (v !== expected[i] ? 1 : 0), 0);
      assert.equal(diff, 0, `${diff} voxels differ from the definition`);
      assert.equal(got[1 + dims[0] * (1 + dims[1] * (dims[2] - 1))], 0, 'an isolated voxel is smoothed away');
      // A 3-slice scan keeps its section: beyond the scan's edge is not background.
      assert.ok(count(got) > 0.8 * count(mask), `kept ${count(got)} of ${count(mask)} voxels`);
    });
  }

  it('keeps positive clicks in and negative ones out', () => {
    const dims: Vec3 = [30, 30, 30];
    const mask = raggedBall(dims, [15, 15, 15], 8, 0.2, 3);
    const pos: Vec3 = [2, 2, 2];
    const neg: Vec3 = [15, 15, 15];
    mask[pos[0] + 30 * (pos[1] + 30 * pos[2])] = 1;
    smoothResult(mask, dims, [3, 3, 3], [pos, neg], [1, 0]);
    assert.equal(mask[pos[0] + 30 * (pos[1] + 30 * pos[2])], 1);
    assert.equal(mask[neg[0] + 30 * (neg[1] + 30 * neg[2])], 0);
  });

  it('leaves an empty result empty', () => {
    const mask = new Uint8Array(8 * 8 * 8);
    assert.equal(smoothResult(mask, [8, 8, 8], [1, 1, 1], [], []), 0);
    assert.equal(count(mask), 0);
  });

  it('smooths a liver-sized result on a 512×512×300 grid in well under a second', () => {
    const dims: Vec3 = [512, 512, 300];
    const sp = [0.7, 0.6, 1.1];
    const mask = new Uint8Array(512 * 512 * 300);
    // A ragged ball of 2.4 L (radius 83 mm): the largest organ the smoothed strategies see (the colon is not smoothed).
    const rnd = seededRandom(11);
    for (let z = 60; z < 240; z++) for (let y = 100; y < 412; y++) for (let x = 130; x < 382; x++) {
      const d = Math.hypot((x - 256) * sp[0], (y - 256) * sp[1], (z - 150) * sp[2]);
      if (d < 80 + 6 * rnd()) mask[x + 512 * (y + 512 * z)] = 1;
    }
    const before = count(mask);
    const t = performance.now();
    smoothResult(mask, dims, sp, [], []);
    const s = (performance.now() - t) / 1000;
    console.log(`# liver-sized smoothing: ${s.toFixed(3)} s`);
    assert.ok(s < 0.6, `${s.toFixed(2)} s`);
    assert.ok(Math.abs(count(mask) / before - 1) < 0.05, `${count(mask)} of ${before} voxels`);
  });
});

describe('partial-volume border of the general strategy', () => {
  /** A CT of soft tissue (40 HU) with a bright rod (200 HU) whose border voxels are mixed. */
  function rodCt(): { ct: Volume; inner: Uint8Array } {
    const ct = syntheticCt([20, 20, 10], [3, 3, 3], (x, y) => {
      const d = Math.hypot(x - 10, y - 10);
      if (d <= 3) return 200;
      // Mostly rod (150 HU) or mostly tissue (80 HU) just outside it.
      return d <= 4 ? ((x + y) % 2 === 0 ? 150 : 80) : 40;
    });
    const inner = Uint8Array.from(ct.data, (v) => (v === 200 ? 1 : 0));
    return { ct, inner };
  }

  it('adds the border voxels that are mostly the structure, not those mostly the tissue beyond', () => {
    const { ct, inner } = rodCt();
    const out = inner.slice();
    const n = addPartialVolumeBorder(ct, out, count(inner));
    assert.equal(n, count(out));
    let added150 = 0;
    let added80 = 0;
    for (let i = 0; i < out.length; i++) {
      if (out[i] === 1 && inner[i] === 0) {
        if (ct.data[i] === 150) added150++;
        else if (ct.data[i] === 80) added80++;
        else assert.fail(`added a voxel of ${ct.data[i]} HU`);
      }
    }
    assert.ok(added150 > 0, 'mixed voxels mostly rod join');
    assert.equal(added80, 0, 'mixed voxels mostly tissue stay out');
  });

  it('adds nothing where the structure and its surroundings have the same HU', () => {
    const { ct, inner } = rodCt();
    (ct.data as Int16Array).fill(40);
    const out = inner.slice();
    assert.equal(addPartialVolumeBorder(ct, out, count(inner)), count(inner));
  });
});
