import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decimate, edgeReport, extractLabelMesh, extractMeshes, isWatertight, signedVolume, surfaceArea, type LabelMesh,
} from '../src/index.js';
import { labelById, labelColor } from '@vista3d/labels';
import { sphereVolume } from './sphere-fixture.js';

const { volume, radiusMm: R, center } = sphereVolume({ radiusMm: 30, spacing: [1.5, 1.2, 2.0], labelId: 5, flip: true });
const V = (4 / 3) * Math.PI * R ** 3;
const A = 4 * Math.PI * R * R;
const rel = (x: number, ref: number): number => Math.abs(x / ref - 1);

function assertClosedOutward(m: LabelMesh | { positions: Float32Array; indices: Uint32Array }): void {
  const r = edgeReport(m);
  assert.equal(r.boundaryOrNonManifold, 0, 'every edge in exactly two triangles');
  assert.equal(r.misoriented, 0, 'neighbouring triangles consistently oriented');
  assert.equal(r.degenerate, 0);
  assert.ok(signedVolume(m) > 0, 'outward winding gives positive enclosed volume');
}

test('sphere (anisotropic spacing, mirrored affine): volume and area within 2% of analytic', () => {
  const m = extractLabelMesh(volume, 5)!;
  assert.ok(m);
  assert.equal(m.labelId, 5);
  assert.equal(m.positions.length % 3, 0);
  assert.ok(m.positions instanceof Float32Array && m.indices instanceof Uint32Array);
  assertClosedOutward(m);
  assert.ok(rel(signedVolume(m), V) < 0.02, `volume ${signedVolume(m)} vs ${V}`);
  assert.ok(rel(surfaceArea(m), A) < 0.02, `area ${surfaceArea(m)} vs ${A}`);
  // world placement: every vertex lies within a voxel of the analytic sphere around the world centre
  let maxDev = 0;
  for (let i = 0; i < m.positions.length; i += 3) {
    const d = Math.hypot(m.positions[i] - center[0], m.positions[i + 1] - center[1], m.positions[i + 2] - center[2]);
    maxDev = Math.max(maxDev, Math.abs(d - R));
  }
  assert.ok(maxDev < 2.0, `max radial deviation ${maxDev} mm`);
});

test('normals point outward (away from the centre)', () => {
  const m = extractLabelMesh(volume, 5)!;
  const n = m.normals!;
  let outward = 0;
  for (let i = 0; i < n.length; i += 3) {
    const dx = m.positions[i] - center[0], dy = m.positions[i + 1] - center[1], dz = m.positions[i + 2] - center[2];
    if (n[i] * dx + n[i + 1] * dy + n[i + 2] * dz > 0) outward++;
  }
  assert.equal(outward, n.length / 3);
});

test('the same sphere without the mirror is also outward and accurate', () => {
  const plain = sphereVolume({ radiusMm: 30, spacing: [1.5, 1.2, 2.0], labelId: 5, flip: false });
  const m = extractLabelMesh(plain.volume, 5)!;
  assertClosedOutward(m);
  assert.ok(rel(signedVolume(m), V) < 0.02);
});

test('Taubin smoothing keeps the volume within 2% and stays watertight', () => {
  for (const iterations of [10, 30]) {
    const m = extractLabelMesh(volume, 5, { smoothing: { iterations, passBand: 0.1 } })!;
    assertClosedOutward(m);
    assert.ok(rel(signedVolume(m), V) < 0.02, `iterations ${iterations}: volume ${signedVolume(m)} vs ${V}`);
    assert.ok(rel(surfaceArea(m), A) < 0.02, `iterations ${iterations}: area ${surfaceArea(m)} vs ${A}`);
  }
});

test('quadric decimation reaches the target, stays watertight, keeps volume and area within 2%', () => {
  const full = extractLabelMesh(volume, 5, { smoothing: { iterations: 10 } })!;
  for (const target of [10000, 2000]) {
    const m = extractLabelMesh(volume, 5, { smoothing: { iterations: 10 }, targetTriangles: target })!;
    assert.ok(m.indices.length / 3 <= target && m.indices.length / 3 >= target * 0.9, `${m.indices.length / 3} triangles`);
    assert.ok(m.indices.length < full.indices.length);
    assertClosedOutward(m);
    assert.ok(rel(signedVolume(m), V) < 0.02);
    assert.ok(rel(surfaceArea(m), A) < 0.02);
  }
  const same = decimate(full, { targetTriangles: full.indices.length });
  assert.equal(same.indices.length, full.indices.length);
});

test('raw binary mask (blurSigma 0) is watertight; the voxel staircase overestimates the area', () => {
  const raw = extractLabelMesh(volume, 5, { blurSigma: 0 })!;
  assertClosedOutward(raw);
  assert.ok(rel(signedVolume(raw), V) < 0.02);
  assert.ok(surfaceArea(raw) > A * 1.04, `voxel staircase: ${surfaceArea(raw) / A}`);
});

test('absent labels give no mesh and no error; labels filter works', async () => {
  assert.equal(extractLabelMesh(volume, 77), undefined);
  assert.deepEqual(await extractMeshes(volume, { labels: [77, 78] }), []);
  const all = await extractMeshes(volume);
  assert.deepEqual(all.map((m) => m.labelId), [5]);
  assert.equal(all[0].name, labelById(5)!.name);
  assert.deepEqual(all[0].color, labelColor(5));
});

test('labels touching the volume border, single voxels and diagonal contacts close', async () => {
  const dims: [number, number, number] = [6, 5, 4];
  const data = new Uint8Array(6 * 5 * 4);
  const at = (x: number, y: number, z: number): number => x + 6 * (y + 5 * z);
  for (let z = 0; z < 4; z++) for (let y = 0; y < 5; y++) data[at(0, y, z)] = 1; // a face of the volume
  data[at(3, 2, 2)] = 2; // single voxel
  data[at(4, 3, 3)] = 2; // touching it only at an edge/corner
  data[at(5, 4, 0)] = 3; // corner voxel of the volume
  const vol = { dims, data, affine: [[0.8, 0, 0, 0], [0, 0.8, 0, 0], [0, 0, 2.5, 0], [0, 0, 0, 1]] as [[number, number, number, number], [number, number, number, number], [number, number, number, number], [number, number, number, number]] };
  const progress: number[] = [];
  const meshes = await extractMeshes(vol, { onProgress: (p) => progress.push(p.done), smoothing: { iterations: 5 } });
  assert.deepEqual(meshes.map((m) => m.labelId), [1, 2, 3]);
  assert.deepEqual(progress, [1, 2, 3]);
  for (const m of meshes) assert.ok(isWatertight(m) && signedVolume(m) > 0, `label ${m.labelId}`);
});

test('an aborted signal rejects', async () => {
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(extractMeshes(volume, { signal: ac.signal }), /stop/);
});
