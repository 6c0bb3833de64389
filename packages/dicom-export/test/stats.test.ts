import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Mat4, Volume } from '@vista3d/volume';
import { segmentationStatistics, statisticsCsv } from '../src/index.js';

describe('segmentation statistics', () => {
  test('voxels, volume, HU, bounding box, border flag and left/right ratio on a hand-made map', () => {
    const dims: [number, number, number] = [10, 8, 6];
    const affine: Mat4 = [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]];
    const data = new Uint8Array(480);
    const hu = new Int16Array(480);
    const at = (i: number, j: number, k: number): number => i + 10 * (j + 8 * k);
    for (let k = 1; k <= 2; k++) for (let j = 2; j <= 3; j++) for (let i = 1; i <= 3; i++) { data[at(i, j, k)] = 14; hu[at(i, j, k)] = 30 + i; } // left kidney 12 voxels
    for (let k = 0; k <= 1; k++) for (let j = 0; j <= 1; j++) for (let i = 6; i <= 8; i++) data[at(i, j, k)] = 5; // right kidney 12 voxels, on the border
    data[at(9, 7, 5)] = 1;
    const ct = { dims, affine, data: hu, scl: { slope: 1, inter: 0 } } as unknown as Volume;
    const r = segmentationStatistics({ dims, affine, data }, ct, { version: 'v2' });
    const left = r.labels.find((s) => s.labelId === 14)!;
    const right = r.labels.find((s) => s.labelId === 5)!;
    assert.equal(left.voxels, 12);
    assert.equal(left.volumeMl, 0.12); // 12 × 10 mm³
    assert.deepEqual(left.hu, { mean: 32, sd: 0.82, min: 31, max: 33 });
    assert.deepEqual(left.bbox, { min: [1, 2, 1], max: [3, 3, 2] });
    assert.deepEqual(left.extentMm, [6, 4, 5]);
    assert.equal(left.touchesBorder, false);
    assert.equal(right.touchesBorder, true);
    assert.equal(left.leftRightRatio, 1);
    assert.equal(r.labels.find((s) => s.labelId === 1)!.leftRightRatio, null);
    const csv = statisticsCsv(r).trim().split('\n');
    assert.equal(csv.length, 4);
    assert.match(csv[0]!, /^label_id,name,voxels,volume_ml,hu_mean/);
    assert.match(csv[3]!, /^14,left kidney,12,0.12,32,0.82,31,33,1,2,1,3,3,2,6,4,5,false,1$/);
  });
});
