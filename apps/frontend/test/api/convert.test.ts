import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DATA, getJson, postJson, startEnv, waitJob } from './helpers.js';
import type { Env, JobJson } from './helpers.js';

let env: Env;
before(async () => {
  env = await startEnv();
  await cp(join(DATA, 'dicom', 'tiny_ct_16x16x4'), join(env.dicom, 'tiny'), { recursive: true });
});
after(async () => {
  await env.close();
});

describe('DICOM conversion jobs (@vista3d/dicom + dcm2niix)', () => {
  it('lists DICOM series and converts a patient into <patient>/nifti', async () => {
    const dicom = await getJson<Array<{ patient: string; series: unknown[] | null }>>(`${env.base}/api/dicom`);
    const tiny = dicom.body.find((d) => d.patient === 'tiny');
    assert.ok(tiny && Array.isArray(tiny.series) && tiny.series.length >= 1, JSON.stringify(dicom.body));
    const missing = await postJson<{ code: string }>(`${env.base}/api/jobs`, { type: 'convert', patient: 'ghost' });
    assert.equal(missing.status, 404);
    const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'convert', patient: 'tiny' });
    assert.equal(res.status, 202);
    const job = await waitJob(env.base, res.body.id);
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    const scans = await getJson<Array<{ id: string; dims: number[] }>>(`${env.base}/api/patients/tiny/scans`);
    assert.equal(scans.status, 200);
    assert.equal(scans.body.length, 1);
    // uneven gaps (202.5, 1.25, 1.25 mm) are resampled to an even 1.25 mm grid, and the job says so
    assert.deepEqual(scans.body[0].dims, [16, 16, 165]);
    assert.ok(job.results.some((r) => r.scan === scans.body[0].id && r.status === 'succeeded' && /uneven slice gaps/.test(r.detail ?? '')), JSON.stringify(job.results));
    // the same again: one honest "skipped" — the output is up to date
    const again = await waitJob(env.base, (await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'convert', patient: 'tiny' })).body.id);
    assert.deepEqual(again.results.map((r) => [r.scan, r.status]), [[scans.body[0].id, 'skipped']]);
  });

  it('a patient folder of junk files fails with NOTHING_CONVERTED, never a green skip', async () => {
    await mkdir(join(env.dicom, 'junkp'), { recursive: true });
    await writeFile(join(env.dicom, 'junkp', 'a.dcm'), 'junk'.repeat(100));
    await writeFile(join(env.dicom, 'junkp', 'notes.txt'), 'hello');
    const res = await postJson<JobJson>(`${env.base}/api/jobs`, { type: 'convert', patient: 'junkp' });
    const job = await waitJob(env.base, res.body.id);
    assert.equal(job.status, 'failed', JSON.stringify(job));
    const r = job.results.find((x) => x.error?.code === 'NOTHING_CONVERTED');
    assert.ok(r, JSON.stringify(job.results));
    assert.match(r.error!.message, /unreadable file/);
  });
});
