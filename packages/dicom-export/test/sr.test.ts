import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { segmentationStatistics, writeMeasurementReport } from '../src/index.js';
import { DICOM, convert, dciodvfy, haveSharedData, python, syntheticLabels, tempDir } from './helpers.js';

describe('DICOM SR (TID 1500 measurement report)', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  before(async () => {
    work = await tempDir();
  });
  after(() => rm(work, { recursive: true, force: true }));

  test('same numbers as the statistics report; dciodvfy clean; pydicom reads them back', async () => {
    const c = await convert(join(DICOM, 'dcmqi_ct_3slice'), join(work, 'dcmqi'));
    const report = segmentationStatistics(syntheticLabels(c.ct), c.ct);
    const sr = writeMeasurementReport({ report, source: c.source, algorithm: { type: 'AUTOMATIC', engine: 'Vista3D CPU engine', version: '1.1.0' } });
    const file = join(work, 'sr.dcm');
    await writeFile(file, sr.bytes);
    const v = await dciodvfy(file);
    assert.deepEqual(v.errors, [], v.output);
    const back = await python<Record<string, Record<string, number>>>('check_sr.py', [file]);
    for (const l of report.labels) {
      const g = back[`VISTA3D ${l.labelId} ${l.name}`]!;
      assert.ok(g, l.name);
      assert.equal(g.Volume, l.volumeMl);
      assert.equal(g['Attenuation Coefficient Mean'], l.hu!.mean);
      assert.equal(g['Attenuation Coefficient Standard Deviation'], l.hu!.sd);
      assert.equal(g['Attenuation Coefficient Minimum'], l.hu!.min);
      assert.equal(g['Attenuation Coefficient Maximum'], l.hu!.max);
    }
  });
});
