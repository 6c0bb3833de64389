// The refinement step (src/cpu/click-refine.ts): a later click applies only the changed piece around
// itself, never past the midway plane towards an earlier click of the other sign, a negative one no deeper
// in the previous result than itself and a positive one not much farther from it than itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Vec3 } from '@vista3d/volume';
import { applyLocalChange } from '../src/cpu/click-refine.js';

const dims: Vec3 = [40, 10, 10];
const at = (x: number, y: number, z: number): number => x + dims[0] * (y + dims[1] * z);
const count = (m: Uint8Array): number => m.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);

/** A bar along x over [x0, x1), the whole y-z section. */
function bar(x0: number, x1: number): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = x0; x < x1; x++) m[at(x, y, z)] = 1;
  return m;
}

/** The row through the bar's axis (y = z = 5) is in exactly where inside(x) says. */
function assertRow(m: Uint8Array, inside: (x: number) => boolean, what = ''): void {
  for (let x = 0; x < dims[0]; x++) assert.equal(m[at(x, 5, 5)], inside(x) ? 1 : 0, `x = ${x}${what}`);
}

describe('applyLocalChange', () => {
  it('a negative click removes its piece of the strategy\'s answer, but nothing nearer to an earlier positive click', () => {
    const prev = bar(0, 40);
    // The strategy answers a bar that lost x ≥ 10: the negative click at x = 30 would take it all.
    const out = bar(0, 10);
    const positive: Vec3 = [14, 5, 5];
    const negative: Vec3 = [30, 5, 5];
    const n = applyLocalChange(prev, out, dims, [1, 1, 1], negative, false, count(prev), { opposed: [positive] });
    assert.equal(n, count(out));
    // Kept: x < 22 (nearer to the positive click at 14 than to the negative at 30); the midway voxel goes to the new click.
    assertRow(out, (x) => x < 22);
    // The plane is in millimetres: with 2 mm voxels along x it stays midway.
    const out2 = bar(0, 10);
    applyLocalChange(prev, out2, dims, [2, 1, 1], negative, false, count(prev), { opposed: [positive] });
    assertRow(out2, (x) => x < 22, ' at 2 mm');
  });

  it('a positive click adds its piece, but nothing nearer to an earlier negative click, and always its own voxel', () => {
    const prev = bar(0, 10);
    const out = bar(0, 40);
    const negative: Vec3 = [36, 5, 5];
    const positive: Vec3 = [20, 5, 5];
    const n = applyLocalChange(prev, out, dims, [1, 1, 1], positive, true, count(prev), { opposed: [negative] });
    assert.equal(n, count(out));
    assertRow(out, (x) => x <= 28);
  });

  it('a positive click reaches max(2 d, d + 15 mm) from the previous result, d its own distance from it', () => {
    const prev = bar(0, 10);
    // The click at x = 20 lies 11 mm from the result's last voxel (x = 9): the piece ends 26 mm from it, at x = 35.
    const out = bar(0, 40);
    assert.equal(applyLocalChange(prev, out, dims, [1, 1, 1], [20, 5, 5], true, count(prev)), count(bar(0, 36)));
    assertRow(out, (x) => x <= 35);
    // A tube's strategy bounds its later clicks itself: then the whole changed piece is taken.
    const all = bar(0, 40);
    assert.equal(applyLocalChange(prev, all, dims, [1, 1, 1], [20, 5, 5], true, count(prev), { boundPositiveReach: false }), count(bar(0, 40)));
  });

  it('a negative click removes no voxel deeper in the previous result than itself', () => {
    const g: Vec3 = [30, 30, 30];
    const idx = (x: number, y: number, z: number): number => x + g[0] * (y + g[1] * z);
    const cube = (x1: number): Uint8Array => {
      const m = new Uint8Array(g[0] * g[1] * g[2]);
      for (let z = 5; z < 25; z++) for (let y = 5; y < 25; y++) for (let x = 5; x < x1; x++) m[idx(x, y, z)] = 1;
      return m;
    };
    const prev = cube(25);
    // The strategy answers the cube without its half x ≥ 15; the click lies in the cube's surface layer (depth 1 mm).
    const out = cube(15);
    applyLocalChange(prev, out, g, [1, 1, 1], [24, 15, 15], false, count(prev));
    assert.equal(out[idx(24, 15, 15)], 0);
    // The layer at the surface goes, as far along it as the strategy's answer reaches…
    assert.equal(out[idx(24, 6, 15)], 0);
    assert.equal(out[idx(16, 15, 5)], 0);
    // …but not the core behind it (depth 2 mm and more).
    assert.equal(out[idx(23, 15, 15)], 1);
    assert.equal(out[idx(20, 15, 15)], 1);
    // A click at the cube's centre (depth 10 mm, the deepest of the removed half) takes all of it.
    const deep = cube(15);
    applyLocalChange(prev, deep, g, [1, 1, 1], [15, 15, 15], false, count(prev));
    assert.equal(count(deep), count(cube(15)));
  });

  it('takes only the changed piece that holds the click', () => {
    const prev = bar(0, 10);
    const out = bar(0, 40);
    for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) out[at(25, y, z)] = 0;
    const n = applyLocalChange(prev, out, dims, [1, 1, 1], [15, 5, 5], true, count(prev));
    assert.equal(n, count(bar(0, 25)));
    assert.equal(out[at(30, 5, 5)], 0);
  });
});
