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
import { DATA, type Platform } from './helpers/services.js';
import { startBrowserSession, type BrowserSession } from './helpers/session.js';

let session: BrowserSession;
let platform: Platform;
let page: Page;
let scratch: string;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'v3d-upload-'));
  session = await startBrowserSession({ timeoutMs: 45_000 });
  ({ platform, page } = session);
});

after(async () => {
  await session?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Fails when the page shows any error box or inline error (a red "no patient" is a bug, not a state). */
async function assertNoVisibleError(where: string): Promise<void> {
  const boxes = page.locator('.error-box:visible, .error-inline:visible');
  const n = await boxes.count();
  const texts = n ? await boxes.allInnerTexts() : [];
  assert.equal(n, 0, `${where}: visible error(s): ${texts.join(' | ')}`);
}

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
  // the fresh DICOM-only patient: selected, "no NIfTI yet", no red error; the guessed id is not kept
  await page.getByText('No NIfTI yet').waitFor();
  await assertNoVisibleError('DICOM-only patient after upload');
  assert.equal(await page.getByLabel('Patient id for upload').inputValue(), '', 'the folder name is not kept as the next upload\'s patient');

  const dicom = (await (await fetch(`${platform.base}/api/dicom`)).json()) as DicomJson[];
  const entry = dicom.find((d) => d.patient === 'upload_study');
  assert.ok(entry, `the study is listed under the folder's name (${dicom.map((d) => d.patient).join(', ')})`);
  assert.deepEqual(entry.series?.map((s) => s.sliceCount), [3], 'one series of 3 slices');

  const section = page.getByRole('region', { name: 'Scans of upload_study' });
  await section.getByRole('button', { name: 'Convert DICOM' }).click();
  const card = section.locator('[data-testid^="scan-"]');
  await card.first().waitFor();
  assert.match(await card.first().getByTestId('scan-dims').innerText(), /\b3\b/, 'the converted scan has 3 slices');
  await assertNoVisibleError('after conversion');
  assert.deepEqual(session.pageErrors, []);
});

test('second folder goes to its own patient; uneven gaps are resampled and the warning is on the scan card and the job', async () => {
  const second = join(scratch, 'second_study');
  await mkdir(second, { recursive: true });
  for (const f of ['7106', '7136', '7166', '7196']) await copyFile(join(DATA, 'dicom', 'tiny_ct_16x16x4', f), join(second, f));
  await page.goto(`${platform.base}/#/data/upload_study`);
  await page.getByTestId('folder-input').setInputFiles(second);
  await page.getByText('Uploaded 4 DICOM files to second_study').waitFor();
  const section = page.getByRole('region', { name: 'Scans of second_study' });
  await section.getByRole('button', { name: 'Convert DICOM' }).click();
  const warnings = section.getByTestId('scan-warnings');
  await warnings.waitFor();
  assert.match(await warnings.innerText(), /uneven slice gaps 1\.25…202\.5 mm resampled/);
  assert.match(await section.getByTestId('scan-dims').innerText(), /\b165\b/);
  await page.goto(`${platform.base}/#/jobs`);
  const series = page.getByTestId('job-series').first();
  await series.waitFor();
  assert.match(await series.innerText(), /uneven slice gaps/);
  await assertNoVisibleError('jobs page');
  assert.deepEqual(session.pageErrors, []);
});

test('a junk folder is refused with a reason; a DICOM-only patient is counted and can be deleted', async () => {
  const junk = join(scratch, 'junk_folder');
  await mkdir(junk, { recursive: true });
  await writeFile(join(junk, 'notes.txt'), 'not dicom '.repeat(30));
  await writeFile(join(junk, 'IM0001'), Buffer.alloc(600, 7));
  await page.goto(`${platform.base}/#/data`);
  await page.getByTestId('folder-input').setInputFiles(junk);
  await page.getByText(/no DICOM files in the upload/).first().waitFor();
  const listed = (await (await fetch(`${platform.base}/api/patients`)).json()) as Array<{ id: string }>;
  assert.ok(!listed.some((p) => p.id === 'junk_folder'), 'nothing stored for the junk folder');

  // a DICOM-only patient counts on the dashboard and deletes cleanly
  const only = join(scratch, 'dicom_only');
  await mkdir(only, { recursive: true });
  await copyFile(join(DATA, 'dicom', 'dcmqi_ct_3slice', '01.dcm'), join(only, '01.dcm'));
  await page.goto(`${platform.base}/#/data`);
  await page.getByTestId('folder-input').setInputFiles(only);
  await page.getByText('Uploaded 1 DICOM file to dicom_only').or(page.getByText('Uploaded 01.dcm to dicom_only')).first().waitFor();
  const after = (await (await fetch(`${platform.base}/api/patients`)).json()) as Array<{ id: string }>;
  await page.goto(`${platform.base}/#/dashboard`);
  await page.getByTestId('count-patients').waitFor();
  assert.equal(await page.getByTestId('count-patients').innerText(), String(after.length));
  await assertNoVisibleError('dashboard');
  await page.goto(`${platform.base}/#/data/dicom_only`);
  await page.getByText('No NIfTI yet').waitFor();
  await assertNoVisibleError('DICOM-only patient');
  await page.getByRole('button', { name: 'Delete patient dicom_only' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete patient' }).click();
  await page.getByText('Deleted patient dicom_only').waitFor();
  const left = (await (await fetch(`${platform.base}/api/patients`)).json()) as Array<{ id: string }>;
  assert.ok(!left.some((p) => p.id === 'dicom_only'));
  assert.deepEqual(session.pageErrors, []);
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
  assert.deepEqual(session.pageErrors, []);
});
