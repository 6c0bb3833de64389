// vista3d-phantom: writes the synthetic torso study (the `npm start` demo) —
//   vista3d-phantom --dicom <folder> [--nifti <file.nii.gz>] [--slices N] [--size N]
import { parseArgs } from 'node:util';
import { writePhantomStudy } from './write.js';

const { values } = parseArgs({
  options: { dicom: { type: 'string' }, nifti: { type: 'string' }, slices: { type: 'string' }, size: { type: 'string' } },
});
if (!values.dicom && !values.nifti) {
  process.stderr.write('usage: vista3d-phantom --dicom <folder> [--nifti <file.nii.gz>] [--slices N] [--size N]\n');
  process.exit(2);
}
const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2 || n > 2048) {
    process.stderr.write(`vista3d-phantom: --${name} must be an integer 2…2048\n`);
    process.exit(2);
  }
  return n;
};
const started = performance.now();
const study = await writePhantomStudy({ dicomDir: values.dicom, niftiPath: values.nifti, slices: int(values.slices, 'slices'), size: int(values.size, 'size') });
const p = study.phantom;
process.stdout.write(
  `phantom: ${p.size}×${p.size}×${p.slices} at ${p.pixelSpacing}×${p.pixelSpacing}×${p.sliceSpacing} mm` +
    `${values.dicom ? `, DICOM → ${values.dicom}` : ''}${values.nifti ? `, NIfTI → ${values.nifti}` : ''} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
);
