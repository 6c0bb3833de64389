// Dev only: `npx tsx apps/frontend/test/browser/helpers/dev-stub.ts` serves the built app + stub API.
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStub } from './stub-server.js';

const shared = '/work/shared/data';
const out = await mkdtemp(join(tmpdir(), 'v3d-stub-'));
await mkdir(join(out, 'sample_patient', 'nifti'), { recursive: true });
await copyFile(join(shared, 'totalseg_example_ct.nii.gz'), join(out, 'sample_patient', 'nifti', 'totalseg_example_ct.nii.gz'));
const s = await startStub({ webRoot: 'apps/frontend/dist/web', outputFolder: out, referenceSeg: join(shared, 'totalseg_example_ct_seg_fast_vista3d.nii.gz') });
console.log(s.url);
