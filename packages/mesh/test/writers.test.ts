import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeIO } from '@gltf-transform/core';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { STLLoader } from 'three/examples/jsm/loaders/STLLoader.js';
import type { BufferGeometry, Mesh } from 'three';
import { labelFileStem } from '@vista3d/labels';
import { extractMeshes, signedVolume, toGlb, toMtl, toObj, toPly, toStlBinary, type LabelMesh } from '../src/index.js';
import { srgbToLinear } from '../src/writers/format.js';
import { sphereVolume } from './sphere-fixture.js';

function twoLabels(): Promise<LabelMesh[]> {
  const a = sphereVolume({ radiusMm: 12, spacing: [1.5, 1.2, 2.0], labelId: 1, flip: true }).volume;
  // add a second label: a box in one corner
  const [nx, ny] = a.dims;
  for (let z = 1; z < 5; z++) for (let y = 1; y < 4; y++) for (let x = 1; x < 6; x++) a.data[x + nx * (y + ny * z)] = 6;
  return extractMeshes(a, { smoothing: { iterations: 5 } });
}

const toArrayBuffer = (u: Uint8Array): ArrayBuffer => u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

/** Triangle soup volume of a non-indexed three.js geometry. */
function soupVolume(g: BufferGeometry): number {
  const p = g.getAttribute('position').array as Float32Array;
  const idx = g.getIndex();
  const indices = idx ? Uint32Array.from(idx.array as ArrayLike<number>) : Uint32Array.from({ length: p.length / 3 }, (_, i) => i);
  return signedVolume({ positions: p, indices });
}

test('STL binary: re-read by three STLLoader — triangles, positions, normals, volume', async () => {
  const [m] = await twoLabels();
  const bytes = toStlBinary(m, 'solid would confuse readers');
  assert.equal(bytes.length, 84 + 50 * (m.indices.length / 3));
  assert.notEqual(new TextDecoder().decode(bytes.subarray(0, 5)), 'solid');
  const g = new STLLoader().parse(toArrayBuffer(bytes));
  const pos = g.getAttribute('position');
  assert.equal(pos.count, m.indices.length);
  assert.ok(Math.abs(pos.getX(0) - m.positions[3 * m.indices[0]]) < 1e-5);
  assert.ok(Math.abs(soupVolume(g) / signedVolume(m) - 1) < 1e-5);
  // facet normals agree with the winding (outward)
  const n = g.getAttribute('normal');
  assert.equal(n.count, pos.count);
  assert.ok(Math.abs(Math.hypot(n.getX(0), n.getY(0), n.getZ(0)) - 1) < 1e-5);
});

test('PLY binary little-endian: re-read by three PLYLoader — vertices, faces, colours, normals', async () => {
  const meshes = await twoLabels();
  for (const m of meshes) {
    const g = new PLYLoader().parse(toArrayBuffer(toPly(m)));
    assert.equal(g.getAttribute('position').count, m.positions.length / 3);
    assert.equal(g.getIndex()!.count, m.indices.length);
    assert.deepEqual(Array.from(g.getIndex()!.array.slice(0, 6)), Array.from(m.indices.slice(0, 6)));
    assert.ok(Math.abs(g.getAttribute('position').getZ(7) - m.positions[3 * 7 + 2]) < 1e-5);
    const c = g.getAttribute('color');
    // PLYLoader converts sRGB vertex colours to linear working colour space
    const expected = m.color.map((v) => srgbToLinear(v));
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(c.getComponent(0, k) - expected[k]) < 1e-3, `component ${k}`);
    assert.equal(g.getAttribute('normal').count, m.positions.length / 3);
    assert.ok(Math.abs(soupVolume(g) / signedVolume(m) - 1) < 1e-5);
  }
});

test('OBJ: re-read by three OBJLoader — one object per label, vertex data and volume', async () => {
  const meshes = await twoLabels();
  const text = new TextDecoder().decode(toObj(meshes, { mtlFile: 'all.mtl' }));
  assert.match(text, /^mtllib all\.mtl$/m);
  for (const m of meshes) assert.match(text, new RegExp(`^# color ${m.color.join(' ')}$`, 'm'));
  const group = new OBJLoader().parse(text);
  const objects = group.children as Mesh[];
  assert.deepEqual(objects.map((o) => o.name), meshes.map((m) => labelFileStem(m.name)));
  for (let i = 0; i < meshes.length; i++) {
    const g = objects[i].geometry;
    assert.equal(g.getAttribute('position').count, meshes[i].indices.length);
    assert.ok(g.getAttribute('normal'));
    // 4-decimal text keeps the enclosed volume to ~1e-4
    assert.ok(Math.abs(soupVolume(g) / signedVolume(meshes[i]) - 1) < 1e-4);
  }
  const mtl = new TextDecoder().decode(toMtl(meshes));
  assert.match(mtl, new RegExp(`newmtl ${labelFileStem(meshes[0].name)}\\nKd `));
});

test('GLB: re-read by @gltf-transform NodeIO — node names, vertex counts, colours, metres and Y-up', async () => {
  const meshes = await twoLabels();
  const glb = await toGlb(meshes);
  assert.equal(new TextDecoder().decode(glb.subarray(0, 4)), 'glTF');
  const doc = await new NodeIO().readBinary(glb);
  const nodes = doc.getRoot().listScenes()[0].listChildren();
  assert.deepEqual(nodes.map((n) => n.getName()), meshes.map((m) => m.name));
  for (let i = 0; i < meshes.length; i++) {
    const m = meshes[i];
    const prim = nodes[i].getMesh()!.listPrimitives()[0];
    const pos = prim.getAttribute('POSITION')!;
    assert.equal(pos.getCount(), m.positions.length / 3);
    assert.equal(prim.getIndices()!.getCount(), m.indices.length);
    assert.equal(prim.getAttribute('NORMAL')!.getCount(), m.positions.length / 3);
    const p0 = pos.getElement(0, []);
    assert.ok(Math.abs(p0[0] - -m.positions[0] / 1000) < 1e-7, 'x = -R in metres');
    assert.ok(Math.abs(p0[1] - m.positions[2] / 1000) < 1e-7, 'y = S (up)');
    assert.ok(Math.abs(p0[2] - m.positions[1] / 1000) < 1e-7, 'z = A');
    const base = prim.getMaterial()!.getBaseColorFactor();
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(base[k] - srgbToLinear(m.color[k])) < 1e-6);
    assert.deepEqual(nodes[i].getExtras(), { labelId: m.labelId, color: [...m.color] });
    // proper rotation + scale: the enclosed volume is kept (m³ = mm³ · 1e-9), so winding is still outward
    const positions = pos.getArray() as Float32Array;
    const v = signedVolume({ positions, indices: prim.getIndices()!.getArray() as Uint32Array });
    assert.ok(Math.abs(v / (signedVolume(m) * 1e-9) - 1) < 1e-4);
  }
});
