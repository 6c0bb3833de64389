// Meshes of full-resolution label maps through the CLI and through a web job (issue 11): a
// 512×512×200 multi-label map (the shared 3 mm reference upsampled, nearest) and a whole-body label
// of the real CT upsampled to 0.8 mm. Checks watertight + consistently oriented surfaces, volume
// within 5% of the voxel volume for structures > 50 mL, /health < 100 ms while the job runs, a
// crashed job child failing only its job, a byte budget refusing up front; records peak RSS.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { edgeReport, labelBoxes, signedVolume, type MeshManifest } from '@vista3d/mesh';
import { voxelVolumeMl, writeNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { makeConfig } from '../../apps/frontend/src/server/config.js';
import { authConfigFromEnv } from '../../apps/frontend/src/server/auth/config.js';
import { taskChildPids } from '../../apps/frontend/src/server/isolated-task.js';
import { buildServer } from '../../apps/frontend/src/server/server.js';
import { cli as runCli } from '../../packages/cli/test/helpers.js';
import { CT_FULL, multiLabel512, wholeBody08 } from '../../packages/mesh/test/big-fixtures.js';
import { freePort } from '../helpers/free-port.js';

process.env.LOG_LEVEL ??= 'silent';

interface Input {
  scan: string;
  volume: Volume;
  /** label id → voxel volume (mL) for structures over 50 mL */
  big: Map<number, number>;
}

/** Meshes of all.glb (indexed, so topology can be checked): label id → positions (m) + indices. */
function readGlb(bytes: Buffer): Map<number, { positions: Float32Array; indices: Uint32Array }> {
  const jsonLen = bytes.readUInt32LE(12);
  const json = JSON.parse(bytes.subarray(20, 20 + jsonLen).toString('utf8')) as {
    nodes: Array<{ mesh: number; extras: { labelId: number } }>;
    meshes: Array<{ primitives: Array<{ attributes: { POSITION: number }; indices: number }> }>;
    accessors: Array<{ bufferView: number; count: number }>;
    bufferViews: Array<{ byteOffset: number; byteLength: number }>;
  };
  const bin = bytes.subarray(28 + jsonLen);
  const view = (acc: number, Type: typeof Float32Array | typeof Uint32Array): Float32Array | Uint32Array => {
    const bv = json.bufferViews[json.accessors[acc].bufferView];
    const copy = bin.subarray(bv.byteOffset, bv.byteOffset + bv.byteLength);
    return new Type(Uint8Array.from(copy).buffer);
  };
  const out = new Map<number, { positions: Float32Array; indices: Uint32Array }>();
  for (const n of json.nodes) {
    const prim = json.meshes[n.mesh].primitives[0];
    out.set(n.extras.labelId, { positions: view(prim.attributes.POSITION, Float32Array) as Float32Array, indices: view(prim.indices, Uint32Array) as Uint32Array });
  }
  return out;
}

/** Every label watertight, consistently oriented, outward; big ones within 5% of the voxel volume. */
async function checkMeshes(dir: string, input: Input): Promise<{ labels: number; triangles: number }> {
  const manifest = JSON.parse(await readFile(join(dir, 'meshes.json'), 'utf8')) as MeshManifest;
  const files = new Set(await readdir(dir));
  assert.ok(files.has('all.glb'));
  assert.ok(![...files].some((f) => f.includes('.tmp')), 'no temporary files left');
  const glb = readGlb(await readFile(join(dir, 'all.glb')));
  assert.equal(glb.size, manifest.labels.length);
  let triangles = 0;
  for (const l of manifest.labels) {
    assert.ok(files.has(l.files.stl!), `${l.name}: STL`);
    assert.ok(l.triangles <= 20_000, `${l.name}: ${l.triangles} triangles`);
    const m = glb.get(l.id)!;
    const r = edgeReport(m);
    assert.equal(r.boundaryOrNonManifold + r.misoriented, 0, `${input.scan} label ${l.id} ${l.name}: ${JSON.stringify(r)}`);
    const ml = signedVolume(m) * 1e6; // m³ → mL
    assert.ok(ml > 0, `${l.name} outward`);
    const voxelMl = input.big.get(l.id);
    if (voxelMl !== undefined) assert.ok(Math.abs(ml / voxelMl - 1) < 0.05, `${input.scan} ${l.name}: mesh ${ml.toFixed(1)} mL vs voxels ${voxelMl.toFixed(1)} mL`);
    triangles += l.triangles;
  }
  for (const id of input.big.keys()) assert.ok(glb.has(id), `label ${id} meshed`);
  return { labels: manifest.labels.length, triangles };
}

// Full-resolution meshing may run for minutes under load: the test's own timeout bounds it, not a kill.
const cli = (args: string[]) => runCli(args, { killAfterMs: 0 });

describe('meshes of full-resolution label maps (512×512×200 multi-label, whole body at 0.8 mm)', () => {
  let dir: string;
  let output: string;
  const inputs: Input[] = [];
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vista3d-mesh-full-'));
    output = join(dir, 'output');
    for (const [scan, make] of [['multi512', multiLabel512], ['body08', wholeBody08]] as const) {
      const volume = await make();
      const voxelMl = voxelVolumeMl(volume);
      const big = new Map<number, number>();
      for (const b of labelBoxes(volume)) if (b.voxels * voxelMl > 50) big.set(b.labelId, b.voxels * voxelMl);
      inputs.push({ scan, volume, big });
      await mkdir(join(output, 'p1', 'nifti'), { recursive: true });
      await copyFile(CT_FULL, join(output, 'p1', 'nifti', `${scan}.nii.gz`));
      await writeNifti(join(output, 'p1', 'voxels', scan, 'all.nii.gz'), volume, { gzip: true, level: 1 });
    }
    assert.deepEqual(inputs[0].volume.dims, [512, 512, 200]);
    assert.ok(inputs[0].big.size >= 20);
    assert.ok(inputs[1].volume.spacing.every((s) => Math.abs(s - 0.8) < 0.02), `${inputs[1].volume.spacing}`);
    const config = makeConfig({ host: '127.0.0.1', port: 0, outputFolder: output, dicomFolder: join(dir, 'dicom'), webRoot: join(dir, 'web'), vista3dServer: `http://127.0.0.1:${await freePort()}`, auth: authConfigFromEnv({ AUTH_MODE: 'off' }, output) });
    app = await buildServer(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('CLI: a budget that the estimate exceeds is refused before anything is written', async () => {
    const out = join(dir, 'cli-budget');
    const r = await cli(['mesh', '--labels', join(output, 'p1', 'voxels', 'multi512', 'all.nii.gz'), '--out', out, '--formats', 'obj,stl', '--target-triangles', '0', '--max-mb', '50']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /would take about \d+ MiB .* over the budget of 50 MiB/);
    assert.deepEqual(await readdir(out).catch(() => []), []);
  });

  for (const which of [0, 1]) {
    it(`CLI with the shared defaults: ${which === 0 ? '512×512×200 multi-label map' : 'whole-body label at 0.8 mm'}`, async () => {
      const input = inputs[which];
      const out = join(dir, 'cli', input.scan);
      const started = performance.now();
      const r = await cli(['mesh', '--labels', join(output, 'p1', 'voxels', input.scan, 'all.nii.gz'), '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const seconds = (performance.now() - started) / 1000;
      const peak = Number(/peak RSS (\d+) MiB/.exec(r.stdout)?.[1]);
      assert.match(r.stderr, /1\/\d+ label \d+ .*: \d+ triangles/, 'progress per label');
      const { labels, triangles } = await checkMeshes(out, input);
      console.log(`# CLI ${input.scan}: ${labels} labels, ${triangles} triangles, ${seconds.toFixed(1)} s, peak RSS ${peak} MiB`);
      assert.ok(peak > 0 && peak < 3000, `peak RSS ${peak} MiB`);
    });
  }

  it('web job: a crash of the job\'s child process fails that job (TASK_CRASHED); the server keeps answering', async () => {
    const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'mesh', patient: 'p1', scan: 'multi512', force: true }) });
    assert.equal(res.status, 202, await res.clone().text());
    const job = (await res.json()) as { id: string };
    const deadline = Date.now() + 60_000;
    while (taskChildPids().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    process.kill(taskChildPids()[0], 'SIGKILL');
    const done = await waitFor(base, job.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'TASK_CRASHED');
    assert.match(done.error!.message, /SIGKILL.*server is unaffected/);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    assert.deepEqual(await readdir(join(output, 'p1', 'meshes')).catch(() => []), [], 'no staging or partial meshes left');
  });

  for (const which of [0, 1]) {
    it(`web job (child process): ${which === 0 ? '512×512×200 multi-label map' : 'whole-body label at 0.8 mm'}, /health < 100 ms throughout`, async () => {
      const input = inputs[which];
      const res = await fetch(`${base}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'mesh', patient: 'p1', scan: input.scan, force: true }) });
      assert.equal(res.status, 202);
      const job = (await res.json()) as { id: string };
      const latencies: number[] = [];
      const messages = new Set<string>();
      let final: JobBody | undefined;
      while (!final) {
        const t = performance.now();
        const h = await fetch(`${base}/health`);
        latencies.push(performance.now() - t);
        assert.equal(h.status, 200);
        await h.arrayBuffer();
        const j = (await (await fetch(`${base}/api/jobs/${job.id}`)).json()) as JobBody;
        messages.add(j.message);
        if (['succeeded', 'failed', 'cancelled'].includes(j.status)) final = j;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(final.status, 'succeeded', JSON.stringify(final));
      const sorted = [...latencies].sort((a, b) => a - b);
      const max = sorted.at(-1)!;
      console.log(`# web job ${input.scan}: ${final.results[0].detail}; /health ${latencies.length} probes, median ${sorted[sorted.length >> 1].toFixed(1)} ms, max ${max.toFixed(1)} ms`);
      assert.ok(latencies.length > 10);
      assert.ok(max < 100, `/health took ${max.toFixed(0)} ms during the job`);
      assert.ok([...messages].some((m) => /\(\d+\/\d+\)/.test(m)), 'progress per label in the job message');
      assert.match(final.results[0].detail ?? '', /peak \d+ MiB/);
      await checkMeshes(join(output, 'p1', 'meshes', input.scan), input);
    });
  }
});

interface JobBody {
  status: string;
  message: string;
  error?: { code: string; message: string };
  results: Array<{ detail?: string }>;
}

async function waitFor(base: string, id: string): Promise<JobBody> {
  for (;;) {
    const j = (await (await fetch(`${base}/api/jobs/${id}`)).json()) as JobBody;
    if (['succeeded', 'failed', 'cancelled'].includes(j.status)) return j;
    await new Promise((r) => setTimeout(r, 50));
  }
}
