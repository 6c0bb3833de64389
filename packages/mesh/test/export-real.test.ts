import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NodeIO } from '@gltf-transform/core';
import { STLLoader } from 'three/examples/jsm/loaders/STLLoader.js';
import { labelBoxes } from '../src/index.js';
import { edgeReport, exportMeshes, extractMeshes, signedVolume, type MeshManifest } from '../src/index.js';
import { readNifti, voxelVolumeMl } from '@vista3d/volume';

const SEG = new URL('../../../../shared/data/totalseg_example_ct_seg_fast_vista3d.nii.gz', import.meta.url).pathname;

test('real segmentation: every label meshed, watertight, outward, volume close to the voxel count', async () => {
  const vol = await readNifti(SEG);
  const boxes = labelBoxes(vol);
  const started = performance.now();
  const meshes = await extractMeshes(vol);
  const seconds = (performance.now() - started) / 1000;
  assert.deepEqual(meshes.map((m) => m.labelId), boxes.map((b) => b.labelId));
  assert.ok(meshes.length > 50);
  assert.ok(seconds < 30, `${seconds} s`);
  const voxelMl = voxelVolumeMl(vol);
  for (const m of meshes) {
    const r = edgeReport(m);
    assert.equal(r.boundaryOrNonManifold + r.misoriented + r.degenerate, 0, `label ${m.labelId} ${m.name}: ${JSON.stringify(r)}`);
    const v = signedVolume(m) / 1000;
    assert.ok(v > 0, `label ${m.labelId}`);
    const box = boxes.find((b) => b.labelId === m.labelId)!;
    // large structures: mesh volume within 10% of the voxel-count volume (thin ones differ more by nature)
    if (box.voxels > 5000) assert.ok(Math.abs(v / (box.voxels * voxelMl) - 1) < 0.1, `label ${m.labelId}: ${v} ml vs ${box.voxels * voxelMl} ml`);
  }
});

test('exportMeshes writes all.glb, all.obj, per-label STL/PLY/OBJ and meshes.json', async () => {
  const out = await mkdtemp(join(tmpdir(), 'vista3d-mesh-'));
  try {
    const progress: number[] = [];
    const { files, manifest } = await exportMeshes(SEG, out, {
      formats: ['glb', 'stl', 'obj', 'ply'], smoothing: { iterations: 10 }, targetTriangles: 4000, onProgress: (p) => { if (p.phase === 'label') progress.push(p.done); },
    });
    const names = new Set(await readdir(out));
    for (const f of files) assert.ok(names.has(f.path.slice(out.length + 1)), f.path);
    assert.ok(names.has('all.glb') && names.has('all.obj') && names.has('all.mtl') && names.has('meshes.json'));
    assert.ok(![...names].some((n) => n.includes('.tmp')), 'no temporary files left');
    const json = JSON.parse(await readFile(join(out, 'meshes.json'), 'utf8')) as MeshManifest;
    assert.deepEqual(json, JSON.parse(JSON.stringify(manifest)));
    assert.equal(progress.length, json.labels.length);
    const liver = json.labels.find((l) => l.name === 'liver')!;
    assert.ok(liver && liver.triangles <= 4000 && liver.volumeMl > 500 && liver.areaMm2 > 0);
    assert.deepEqual(liver.files, { stl: 'liver.stl', ply: 'liver.ply', obj: 'liver.obj' });
    const stl = new STLLoader().parse((await readFile(join(out, 'liver.stl'))).buffer as ArrayBuffer);
    assert.equal(stl.getAttribute('position').count, liver.triangles * 3);
    const doc = await new NodeIO().read(join(out, 'all.glb'));
    assert.equal(doc.getRoot().listNodes().length, json.labels.length);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('exportMeshes on a volume with no labels writes just an empty manifest', async () => {
  const out = await mkdtemp(join(tmpdir(), 'vista3d-mesh-'));
  try {
    const { files, manifest } = await exportMeshes(SEG, out, { labels: [149] });
    assert.deepEqual(manifest.labels, []);
    assert.deepEqual(files.map((f) => f.format), ['json']);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
