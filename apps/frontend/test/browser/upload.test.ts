// Uploads through the Data page in a real headless Chromium against the real platform: a DICOM study
// chosen with the folder picker (nested folders, hidden files skipped, patient named after the folder)
// and converted to NIfTI with the page's own "Convert DICOM" button; a NIfTI file dropped on the drop
// zone (a synthetic drop event carrying a real file) under a typed patient id; a bad patient id refused.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser } from './helpers/browser.js';
import { DATA, startPlatform, type Platform } from './helpers/services.js';

let platform: Platform;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let scratch: string;
const pageErrors: string[] = [];

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'v3d-upload-'));
  platform = await startPlatform();
  browser = await launchBrowser();
  page = browser.page;
  page.setDefaultTimeout(45_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await platform?.close();
  await rm(scratch, { recursive: true, force: true });
});

interface DicomJson { patient: string; series: Array<{ sliceCount: number; modality?: string }> | null }

test('DICOM folder picked, listed, converted with the page\'s button', async () => {
  // upload_study/series_a/0{1,2,3}.dcm plus a hidden file the upload must skip
  const study = join(scratch, 'upload_study');
  await mkdir(join(study, 'series_a'), { recursive: true });
  for (const f of ['01.dcm', '02.dcm', '03.dcm']) await copyFile(join(DATA, 'dicom', 'dcmqi_ct_3slice', f), join(study, 'series_a', f));
  await writeFile(join(study, '.DS_Store'), 'not dicom');

  await page.goto(`${platform.base}/#/data`);
  await page.getByTestId('folder-input').setInputFiles(study);
  await page.getByText('Uploaded 3 DICOM files to upload_study').waitFor();

  const dicom = (await (await fetch(`${platform.base}/api/dicom`)).json()) as DicomJson[];
  const entry = dicom.find((d) => d.patient === 'upload_study');
  assert.ok(entry, `the study is listed under the folder's name (${dicom.map((d) => d.patient).join(', ')})`);
  assert.deepEqual(entry.series?.map((s) => s.sliceCount), [3], 'one series of 3 slices');

  const section = page.getByRole('region', { name: 'Scans of upload_study' });
  await section.getByRole('button', { name: 'Convert DICOM' }).click();
  const card = section.locator('[data-testid^="scan-"]');
  await card.first().waitFor();
  assert.match(await card.first().getByTestId('scan-dims').innerText(), /\b3\b/, 'the converted scan has 3 slices');
  assert.deepEqual(pageErrors, []);
});

test('NIfTI dropped on the drop zone under a typed patient id; a bad id is refused', async () => {
  await page.goto(`${platform.base}/#/data`);
  const patientBox = page.getByLabel('Patient id for upload');
  const ct = await readFile(join(DATA, 'totalseg_example_ct_sm.nii.gz'));
  const drop = async () => {
    // a real File in a DataTransfer: what the browser hands the page when a file is dropped
    const dataTransfer = await page.evaluateHandle(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(ct.toString('base64'))}), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped_ct.nii.gz', { type: 'application/gzip' }));
      return dt;
    })()`);
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer });
  };

  await patientBox.fill('bad id!');
  await drop();
  await page.getByText('"bad id!" is not a valid patient id').waitFor();

  await patientBox.fill('dropped_patient');
  await drop();
  await page.getByText('Uploaded dropped_ct.nii.gz to dropped_patient').waitFor();
  const card = page.getByRole('region', { name: 'Scans of dropped_patient' }).getByTestId('scan-dropped_ct');
  await card.waitFor();
  assert.match(await card.getByTestId('scan-dims').innerText(), /122\D+101\D+30/);
  assert.deepEqual(pageErrors, []);
});
