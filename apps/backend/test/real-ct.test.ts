// The backend as deployed: VISTA3D_ENGINE=cpu built from the config (engine in a worker thread), the
// real CT from ../shared/data served by the real image server (by URL) and uploaded in the body;
// the label maps are checked against the input's grid and affine and against TotalSegmentator's
// reference segmentation of the same CT (lungs, bones, body).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { affinesEqual, encodeNifti, parseNifti, readNifti, voxelToWorld, type Volume } from '@vista3d/volume';
import { CT, DATA, postJson, probeServiceEndpoints, SERVICE_PATHS, startHarness, type Harness } from './helpers.js';

const REFERENCE = join(DATA, 'totalseg_example_ct_seg_fast_vista3d.nii.gz');
// VISTA3D ids in the reference: lung lobes, and every bone it labels (vertebrae, ribs, hips, femurs, sacrum).
const REF_LEFT_LUNG = [28, 29];
const REF_RIGHT_LUNG = [30, 31, 32];
const REF_BONES = [...range(33, 39), ...range(63, 97), 127];
const BODY = 200, BONE = 21, LEFT_LUNG = 135, RIGHT_LUNG = 136;

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function labelsOf(res: ArrayBuffer): Volume {
  const entries = unzipSync(new Uint8Array(res));
  const names = Object.keys(entries);
  assert.equal(names.length, 1);
  assert.match(names[0], /_seg\.nii\.gz$/);
  return parseNifti(entries[names[0]]);
}

interface Mask {
  voxels: number;
  litres: number;
  /** world (RAS mm) centroid */
  centroid: [number, number, number];
}

function mask(vol: Volume, test: (v: number) => boolean): Mask {
  const [nx, ny] = vol.dims;
  let n = 0, si = 0, sj = 0, sk = 0;
  for (let i = 0; i < vol.data.length; i++) {
    if (!test(vol.data[i])) continue;
    n++;
    si += i % nx;
    sj += Math.floor(i / nx) % ny;
    sk += Math.floor(i / (nx * ny));
  }
  const mm3 = vol.spacing[0] * vol.spacing[1] * vol.spacing[2];
  const c = voxelToWorld(vol.affine, si / Math.max(1, n), sj / Math.max(1, n), sk / Math.max(1, n));
  return { voxels: n, litres: (n * mm3) / 1e6, centroid: [c[0], c[1], c[2]] };
}

function dice(a: Volume, inA: (v: number) => boolean, b: Volume, inB: (v: number) => boolean): number {
  let both = 0, na = 0, nb = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = inA(a.data[i]);
    const y = inB(b.data[i]);
    if (x) na++;
    if (y) nb++;
    if (x && y) both++;
  }
  return (2 * both) / Math.max(1, na + nb);
}

const among = (ids: number[]) => (v: number): boolean => ids.includes(v);

describe('real CT, CPU engine built from the config (in its worker thread)', () => {
  let h: Harness;
  let ct: Volume;
  let ref: Volume;
  let byUrl: Volume;
  let bigUpload: Buffer | undefined;
  before(async () => {
    [ct, ref] = await Promise.all([readNifti(CT), readNifti(REFERENCE)]);
    h = await startHarness({ engine: 'cpu' }, null);
  });
  after(async () => h.close());

  test('info reports the CPU engine and exactly its automatic classes', async () => {
    const info = (await (await fetch(`${h.base}/v1/vista3d/info`)).json()) as {
      engine: { name: string; version: string };
      automaticClasses: Array<{ id: number; name: string }>;
      pointPrompts: { supported: boolean; classes: unknown };
      classes: Array<{ id: number }>;
    };
    assert.equal(info.engine.name, 'vista3d-cpu-classical');
    assert.match(info.engine.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(info.automaticClasses.map((c) => c.id).sort((a, b) => a - b), [21, 57, 132, 135, 136, 200]);
    assert.equal(info.automaticClasses.find((c) => c.id === 200)?.name, 'body');
    assert.deepEqual(info.pointPrompts, { supported: true, classes: 'any' });
    assert.equal(info.classes.length, 146, 'the 145 VISTA3D classes (by points) plus body');
  });

  test('by URL (real image server): label map on the input grid and affine; lungs, bones and body plausible', async () => {
    // Health, readiness and metrics answer while the job runs.
    let done = false;
    const pending = postJson(h.base, { image: `${h.images}/ct.nii.gz` }).finally(() => (done = true));
    let probes = 0;
    while (!done) {
      for (const path of ['/v1/health/live', '/v1/health/ready', '/metrics']) {
        const res = await fetch(`${h.base}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 200, path);
      }
      probes++;
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await pending;
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.equal(res.headers.get('x-vista3d-dims'), ct.dims.join(','));
    byUrl = labelsOf(await res.arrayBuffer());

    // Same grid and affine as the input.
    assert.deepEqual(byUrl.dims, ct.dims);
    assert.deepEqual(byUrl.spacing, ct.spacing);
    assert.ok(affinesEqual(byUrl.affine, ct.affine), 'affine equals the input affine');
    assert.equal(byUrl.meta.sformCode, ct.meta.sformCode);
    assert.equal(byUrl.datatype, 'uint8');

    const present = new Set(byUrl.data);
    for (const id of present) assert.ok([0, BODY, BONE, LEFT_LUNG, RIGHT_LUNG, 57, 132].includes(id), `unexpected label ${id}`);
    for (const id of [BODY, BONE, LEFT_LUNG, RIGHT_LUNG]) assert.ok(present.has(id), `label ${id} present`);

    // Lungs: both present, each on its own side, volumes in litres close to the reference's. This is an
    // abdomen–pelvis CT from the lung bases down, so only the bases are in view (reference ≈ 0.04 / 0.07 L).
    const lungs = {
      left: { ours: mask(byUrl, (v) => v === LEFT_LUNG), ref: mask(ref, among(REF_LEFT_LUNG)), dice: dice(byUrl, (v) => v === LEFT_LUNG, ref, among(REF_LEFT_LUNG)) },
      right: { ours: mask(byUrl, (v) => v === RIGHT_LUNG), ref: mask(ref, among(REF_RIGHT_LUNG)), dice: dice(byUrl, (v) => v === RIGHT_LUNG, ref, among(REF_RIGHT_LUNG)) },
    };
    for (const [side, l] of Object.entries(lungs)) {
      assert.ok(l.ours.litres > 0.02 && l.ours.litres < 4, `${side} lung ${l.ours.litres.toFixed(3)} L`);
      const ratio = l.ours.litres / l.ref.litres;
      assert.ok(ratio > 0.7 && ratio < 1.4, `${side} lung ${l.ours.litres.toFixed(3)} L vs reference ${l.ref.litres.toFixed(3)} L`);
      assert.ok(l.dice > 0.85, `${side} lung Dice ${l.dice.toFixed(3)}`);
    }
    // RAS world coordinates: +x points to the patient's right, so the left lung has the lower x.
    assert.ok(lungs.left.ours.centroid[0] < lungs.right.ours.centroid[0], 'RAS: the left lung lies at lower world x than the right');

    // Bones: all bones as one class, against the union of the reference's bones.
    const bone = mask(byUrl, (v) => v === BONE);
    const refBone = mask(ref, among(REF_BONES));
    const boneDice = dice(byUrl, (v) => v === BONE, ref, among(REF_BONES));
    assert.ok(bone.litres > 0.5 * refBone.litres && bone.litres < 1.6 * refBone.litres, `bone ${bone.litres.toFixed(2)} L vs reference ${refBone.litres.toFixed(2)} L`);
    assert.ok(boneDice > 0.75, `bone Dice ${boneDice.toFixed(3)}`);

    // Body: everything labelled lies inside it (organs overwrite the body label), it holds every voxel
    // the reference labels, and its volume is an adult trunk's, far from the whole field of view.
    const body = mask(byUrl, (v) => v !== 0);
    const field = (ct.data.length * ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1e6;
    let refInside = 0, refAll = 0;
    for (let i = 0; i < ref.data.length; i++) {
      if (ref.data[i] === 0) continue;
      refAll++;
      if (byUrl.data[i] !== 0) refInside++;
    }
    assert.ok(refInside / refAll > 0.98, `body holds ${((100 * refInside) / refAll).toFixed(1)} % of the reference's labelled voxels`);
    assert.ok(body.litres > 8 && body.litres < 0.8 * field, `body ${body.litres.toFixed(1)} L in a ${field.toFixed(1)} L field of view`);
    console.log(
      `# real CT by URL: left lung ${lungs.left.ours.litres.toFixed(3)} L (ref ${lungs.left.ref.litres.toFixed(3)}, Dice ${lungs.left.dice.toFixed(3)}), ` +
        `right ${lungs.right.ours.litres.toFixed(3)} L (ref ${lungs.right.ref.litres.toFixed(3)}, Dice ${lungs.right.dice.toFixed(3)}), ` +
        `bone ${bone.litres.toFixed(2)} L (ref ${refBone.litres.toFixed(2)}, Dice ${boneDice.toFixed(3)}), body ${body.litres.toFixed(1)} L; ${probes} health rounds`,
    );
  });

  test('by upload (application/gzip body and multipart): the same label map as by URL', async () => {
    assert.ok(byUrl, 'the URL test ran first');
    const bytes = await readFile(CT);
    const gz = await fetch(`${h.base}/v1/vista3d/inference?name=totalseg_example_ct.nii.gz`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: bytes });
    assert.equal(gz.status, 200, await gz.clone().text());
    const form = new FormData();
    form.append('image', new Blob([bytes], { type: 'application/gzip' }), 'totalseg_example_ct.nii.gz');
    const mp = await fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', body: form });
    assert.equal(mp.status, 200, await mp.clone().text());
    for (const res of [gz, mp]) {
      const vol = labelsOf(await res.arrayBuffer());
      assert.deepEqual(vol.dims, ct.dims);
      assert.ok(affinesEqual(vol.affine, ct.affine));
      assert.deepEqual(vol.data, byUrl.data);
    }
  });

  test('point prompt: region growing from a liver voxel of the reference', async () => {
    // A voxel deep inside the reference liver (VISTA3D 1): its centroid.
    const liver = mask(ref, (v) => v === 1);
    const [nx, ny] = ref.dims;
    let si = 0, sj = 0, sk = 0, n = 0;
    for (let i = 0; i < ref.data.length; i++) {
      if (ref.data[i] !== 1) continue;
      si += i % nx;
      sj += Math.floor(i / nx) % ny;
      sk += Math.floor(i / (nx * ny));
      n++;
    }
    const seed = [Math.round(si / n), Math.round(sj / n), Math.round(sk / n)];
    assert.equal(ref.data[seed[0] + nx * (seed[1] + ny * seed[2])], 1, 'seed inside the reference liver');
    const res = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['liver'], points: { liver: [seed] } } });
    assert.equal(res.status, 200, await res.clone().text());
    const vol = labelsOf(await res.arrayBuffer());
    assert.deepEqual([...new Set(vol.data)].sort((a, b) => a - b), [0, 1], 'only the prompted class');
    const grown = mask(vol, (v) => v === 1);
    const d = dice(vol, (v) => v === 1, ref, (v) => v === 1);
    assert.ok(grown.litres > 0.3 * liver.litres && grown.litres < 2 * liver.litres, `liver ${grown.litres.toFixed(2)} L vs reference ${liver.litres.toFixed(2)} L`);
    console.log(`# point prompt liver: ${grown.litres.toFixed(2)} L (ref ${liver.litres.toFixed(2)} L), Dice ${d.toFixed(3)}`);
  });

  test('a large CT (real CT upsampled to 366×303×224) with the CPU engine in its worker thread', async () => {
    const ct = await readNifti(CT);
    const [nx, ny, nz] = ct.dims;
    const f = [3, 3, 2];
    const dims: [number, number, number] = [nx * f[0], ny * f[1], nz * f[2]];
    const data = new Int16Array(dims[0] * dims[1] * dims[2]);
    const { slope, inter } = ct.scl;
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++) {
        const src = nx * (Math.floor(y / f[1]) + ny * Math.floor(z / f[2]));
        const dst = dims[0] * (y + dims[1] * z);
        for (let x = 0; x < dims[0]; x++) data[dst + x] = Math.round(ct.data[src + Math.floor(x / f[0])] * slope + inter);
      }
    const affine = ct.affine.map((row) => row.map((v, j) => (j < 3 ? v / f[j] : v))) as Volume['affine'];
    const big: Volume = { ...ct, dims, spacing: [ct.spacing[0] / 3, ct.spacing[1] / 3, ct.spacing[2] / 2], affine, datatype: 'int16', data, scl: { slope: 1, inter: 0 } };
    const body = await encodeNifti(big, { gzip: true, level: 1 });
    {
      await probeServiceEndpoints(h.base); // warm-up
      const t0 = performance.now();
      let done = false;
      const pending = fetch(`${h.base}/v1/vista3d/inference?classes=left_lung,right_lung,bone`, {
        method: 'POST',
        headers: { 'content-type': 'application/gzip' },
        body,
      }).finally(() => (done = true));
      let slowest = 0;
      let probes = 0;
      while (!done) {
        slowest = Math.max(slowest, await probeServiceEndpoints(h.base));
        probes += SERVICE_PATHS.length;
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = await pending;
      assert.equal(res.status, 200, await res.clone().text());
      const seconds = (performance.now() - t0) / 1000;
      const vol = labelsOf(await res.arrayBuffer());
      assert.deepEqual(vol.dims, dims);
      assert.ok(affinesEqual(vol.affine, affine));
      const present = new Set(vol.data);
      for (const id of [BONE, LEFT_LUNG, RIGHT_LUNG]) assert.ok(present.has(id), `label ${id}`);
      assert.ok(!present.has(BODY), 'body not asked for');
      console.log(`# ${dims.join('×')} CT: ${seconds.toFixed(1)} s end to end; ${probes} probes during the job, slowest ${slowest.toFixed(0)} ms`);
      assert.ok(probes >= 8, `${probes} probes`);
      // On the main thread the CPU engine stalls the event loop for over a second at this size
      // (VISTA3D_ENGINE_WORKER=false); in its worker thread probes take milliseconds.
      assert.ok(slowest < 500, `a probe took ${slowest.toFixed(0)} ms during inference`);
    }
    bigUpload = body;
  });

  test('a client that goes away mid-job stops the engine in its worker and frees the slot', async () => {
    assert.ok(bigUpload, 'the large-CT test ran first');
    const metric = async (re: RegExp): Promise<number> => Number(re.exec(await (await fetch(`${h.base}/metrics`)).text())?.[1] ?? 0);
    const running = /vista3d_backend_queue_depth\{state="running"\} (\d+)/;
    const aborted = /vista3d_backend_inference_requests_total\{outcome="aborted"\} (\d+)/;
    const ac = new AbortController();
    const gone = fetch(`${h.base}/v1/vista3d/inference`, { method: 'POST', headers: { 'content-type': 'application/gzip' }, body: bigUpload, signal: ac.signal }).catch(() => 'aborted');
    while ((await metric(running)) === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 800)); // decoding done, the engine is at work
    const t0 = performance.now();
    ac.abort();
    assert.equal(await gone, 'aborted');
    // The next job gets the (same) worker once the engine has stopped at its next stage boundary,
    // well before the ~5 s the whole job takes.
    const res = await postJson(h.base, { image: `${h.images}/ct.nii.gz`, prompts: { classes: ['bone'] } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const seconds = (performance.now() - t0) / 1000;
    console.log(`# aborted large job: next small job done ${seconds.toFixed(2)} s after the abort`);
    assert.ok(seconds < 4, `${seconds.toFixed(1)} s`);
    assert.equal(await metric(aborted), 1);
    assert.equal(await metric(running), 0);
  });
});
