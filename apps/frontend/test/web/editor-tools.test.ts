// The viewer's pure editing and measuring functions (apps/frontend/src/web/viewer/tools) on small grids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EditHistory, EditRecorder, floodFill2D, interpolateLabel, labelCounts, paint, sliceMask, type Grid,
} from '../../src/web/viewer/tools/label-edit.js';
import { distanceMm, roiStats } from '../../src/web/viewer/tools/measure.js';

const grid: Grid = { dims: [20, 20, 20], spacing: [1, 1, 2] };
const idx = (x: number, y: number, z: number): number => x + 20 * (y + 20 * z);

describe('label editing', () => {
  it('paints a disc and a sphere with physical radii, honours locks and the HU range, and undoes exactly', () => {
    const labels = new Uint8Array(8000);
    labels[idx(10, 12, 5)] = 9;
    const history = new EditHistory();
    const rec = new EditRecorder(labels);
    paint(labels, grid, [10, 10, 5], 2, 2, 3, false, { locked: new Set([9]) }, rec);
    // disc r = 2 voxels in-plane: 13 voxels, minus the locked one at distance 2
    assert.equal(labelCounts(labels)[3], 12);
    assert.equal(labels[idx(10, 12, 5)], 9);
    history.push(rec.finish()!);
    const sphere = new EditRecorder(labels);
    // r = 2 mm: ±2 voxels in x/y, ±1 voxel in z (2 mm slices)
    paint(labels, grid, [5, 5, 10], 2, 2, 4, true, { huRange: [0, 100], hu: (i) => (i % 20 === 5 ? 50 : -500) }, sphere);
    const painted = [...labels.keys()].filter((i) => labels[i] === 4);
    assert.ok(painted.length > 0 && painted.every((i) => i % 20 === 5), 'only voxels inside the HU range');
    assert.deepEqual(new Set(painted.map((i) => Math.floor(i / 400))), new Set([9, 10, 11]));
    history.push(sphere.finish()!);
    history.undo(labels);
    history.undo(labels);
    assert.deepEqual([...labelCounts(labels)].slice(1).reduce((n, c) => n + c, 0), 1, 'only the locked voxel is left');
    history.redo(labels);
    assert.equal(labelCounts(labels)[3], 12);
  });

  it('fills a closed region on one slice only', () => {
    const labels = new Uint8Array(8000);
    for (let i = 2; i <= 8; i++) for (const [x, y] of [[i, 2], [i, 8], [2, i], [8, i]] as const) labels[idx(x, y, 4)] = 1;
    const rec = new EditRecorder(labels);
    floodFill2D(labels, grid, [5, 5, 4], 2, 7, {}, rec);
    assert.equal(labelCounts(labels)[7], 25, 'the 5×5 inside of the ring');
    assert.equal(labels[idx(5, 5, 3)], 0);
  });

  it('interpolates between two drawn slices (shape-based)', () => {
    const labels = new Uint8Array(8000);
    // a 3×3 square on slice 2 and a 7×7 square on slice 8, same centre
    for (let y = 9; y <= 11; y++) for (let x = 9; x <= 11; x++) labels[idx(x, y, 2)] = 5;
    for (let y = 7; y <= 13; y++) for (let x = 7; x <= 13; x++) labels[idx(x, y, 8)] = 5;
    const rec = new EditRecorder(labels);
    const filled = interpolateLabel(labels, grid, 2, 5, {}, rec);
    assert.deepEqual(filled, [3, 4, 5, 6, 7]);
    const areas = [2, 3, 4, 5, 6, 7, 8].map((k) => sliceMask(labels, grid.dims, 2, k, 5).reduce((n, v) => n + v, 0));
    for (let i = 1; i < areas.length; i++) assert.ok(areas[i]! >= areas[i - 1]!, `areas grow monotonically: ${areas}`);
    assert.ok(areas[3]! > 9 && areas[3]! < 49, `the middle slice lies between: ${areas[3]}`);
    assert.equal(labels[idx(10, 10, 5)], 5, 'centre filled');
  });
});

describe('measurements', () => {
  it('measures distance in world mm and ROI statistics', () => {
    const affine = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]];
    assert.equal(distanceMm(affine, [0, 0, 0], [3, 4, 0]), 5);
    assert.equal(distanceMm(affine, [0, 0, 0], [0, 0, 5]), 10);
    const hu = (i: number): number => (i % 2 === 0 ? 10 : 30);
    const rect = roiStats(grid, { kind: 'rectangle', axis: 2, corner1: [2, 2, 3], corner2: [5, 3, 3] }, hu);
    assert.deepEqual([rect.voxels, rect.mean, rect.sd, rect.min, rect.max, rect.areaMm2, rect.volumeMl], [8, 20, 10, 10, 30, 8, 0.016]);
    const sphere = roiStats(grid, { kind: 'sphere', center: [10, 10, 10], radiusMm: 2 }, () => 40);
    // |dx|,|dy| ≤ 2 voxels, |dz| ≤ 1 slice (2 mm): 13 + 1 + 1
    assert.deepEqual([sphere.voxels, sphere.mean, sphere.sd], [15, 40, 0]);
  });
});
