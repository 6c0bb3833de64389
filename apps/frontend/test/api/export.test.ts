import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertDicomFolder } from '@vista3d/dicom';
import { saveSegmentation } from '@vista3d/store';
import { createVolumeLike, readNifti } from '@vista3d/volume';
import { startOrthanc } from '../../../../packages/dicom/test/orthanc.js';
import type { RunningOrthanc } from '../../../../packages/dicom/test/orthanc.js';
import { dciodvfy, syntheticLabels } from '../../../../packages/dicom-export/test/helpers.js';
import { DATA, getJson, postJson, startEnv } from './helpers.js';
import type { Env } from './helpers.js';

const DICOM = join(DATA, 'dicom');

describe('frontend export routes: SEG/RTSTRUCT/stats downloads, STOW-RS to Orthanc, SEG import', () => {
  let env: Env;
  let orthanc: RunningOrthanc;
  let scan: string;
  let study: string;
  before(async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    orthanc = await startOrthanc(await mkdtemp(join(tmpdir(), 'vista3d-orthanc-')));
    env = await startEnv({ dicomwebUrl: orthanc.dicomWebUrl }, {}, { backend: 'none' });
    const rep = await convertDicomFolder(join(DICOM, 'dcmqi_ct_3slice'), join(env.output, 'p2', 'nifti'), {});
    const r = rep.converted[0]!;
    scan = r.scan;
    const ct = await readNifti(r.niftiPath);
    const seg = createVolumeLike(ct, 'uint8');
    seg.data.set(syntheticLabels(ct).data as Uint8Array);
    await saveSegmentation(env.output, 'p2', scan, seg);
    study = (JSON.parse(await readFile(r.sidecarPath, 'utf8')) as { Vista3D: { studyInstanceUid: string } }).Vista3D.studyInstanceUid;
  });
  after(async () => {
    await env?.close();
    await orthanc?.stop();
  });

  test('downloads: SEG and RTSTRUCT (dciodvfy clean), stats JSON and CSV; clear 4xx on bad input', async () => {
    for (const format of ['seg', 'rtstruct']) {
      const res = await fetch(`${env.base}/api/patients/p2/scans/${scan}/export/${format}`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'application/dicom');
      assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="p2_${scan}_${format}.dcm"`));
      const file = join(env.dir, `dl.${format}.dcm`);
      await writeFile(file, new Uint8Array(await res.arrayBuffer()));
      assert.deepEqual((await dciodvfy(file)).errors, []);
    }
    const stats = await getJson<{ labels: Array<{ name: string; volumeMl: number; hu: unknown }> }>(`${env.base}/api/patients/p2/scans/${scan}/export/stats`);
    assert.equal(stats.status, 200);
    assert.ok(stats.body.labels.find((l) => l.name === 'left kidney')?.hu);
    const csv = await fetch(`${env.base}/api/patients/p2/scans/${scan}/export/stats-csv?classes=liver`);
    assert.match(await csv.text(), /^label_id,name/);
    assert.equal((await getJson(`${env.base}/api/patients/p2/scans/${scan}/export/pdf`)).status, 400);
    const none = await getJson<{ code: string; message: string }>(`${env.base}/api/patients/p1/scans/ct/export/seg`);
    assert.equal(none.status, 404, JSON.stringify(none.body)); // p1/ct has no segmentation
    const notDicom = await getJson<{ code: string }>(`${env.base}/api/patients/p1/scans/ct/export/stats`);
    assert.equal(notDicom.status, 404);
    assert.equal((await getJson(`${env.base}/api/patients/p2/scans/${scan}/export/seg?classes=nonsense`)).status, 400);
  });

  test('send to the PACS (per scan and per patient): STOW-RS, QIDO finds the SEG, WADO returns it; then import it back from the PACS', async () => {
    const one = await postJson<{ sent: Array<{ format: string; sopInstanceUid: string; seriesInstanceUid: string }> }>(`${env.base}/api/patients/p2/scans/${scan}/export/send`, { formats: ['seg', 'rtstruct'] });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    const seg = one.body.sent.find((s) => s.format === 'seg')!;
    const q = await getJson<Array<Record<string, { Value: string[] }>>>(`${orthanc.dicomWebUrl}/studies/${study}/series/${seg.seriesInstanceUid}/instances`, { headers: { Accept: 'application/dicom+json' } });
    assert.equal(q.body[0]!['00080018']!.Value[0], seg.sopInstanceUid);
    const all = await postJson<{ sent: unknown[] }>(`${env.base}/api/patients/p2/export/send`, {});
    assert.equal(all.status, 200);
    assert.equal(all.body.sent.length, 1);
    const back = await postJson<{ segments: Array<{ labelId: number; voxels: number }> }>(`${env.base}/api/patients/p2/scans/${scan}/import-seg/pacs`, { study, series: seg.seriesInstanceUid, sop: seg.sopInstanceUid });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual(back.body.segments.map((s) => s.labelId), [1, 5, 14, 21]);
    assert.equal((await postJson(`${env.base}/api/patients/p2/scans/${scan}/export/send`, { formats: ['stats'] })).status, 400);
  });

  test('import an uploaded DICOM SEG (the shared dcmqi liver) as the scan\'s segmentation; a CT file is refused', async () => {
    const form = new FormData();
    form.append('file', new Blob([await readFile(join(DICOM, 'dcmqi_ct_3slice_labels', 'liver.dcm'))]), 'liver.dcm');
    const res = await getJson<{ labels: Array<{ id: number; voxels: number }> }>(`${env.base}/api/patients/p2/scans/${scan}/import-seg`, { method: 'POST', body: form });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.labels.map((l) => l.id), [1]);
    const labels = JSON.parse(await readFile(join(env.output, 'p2', 'voxels', scan, 'labels.json'), 'utf8')) as { labels: Array<{ id: number }> };
    assert.deepEqual(labels.labels.map((l) => l.id), [1]);
    const bad = new FormData();
    bad.append('file', new Blob([await readFile(join(DICOM, 'dcmqi_ct_3slice', '01.dcm'))]), '01.dcm');
    const r2 = await getJson<{ code: string; message: string }>(`${env.base}/api/patients/p2/scans/${scan}/import-seg`, { method: 'POST', body: bad });
    assert.equal(r2.status, 422);
    assert.match(r2.body.message, /not a DICOM SEG/);
  });
});
