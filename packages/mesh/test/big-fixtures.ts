// Full-resolution inputs built from the shared 3 mm sample (nearest-neighbour upsampling), for the
// heavy mesh tests and bench/mesh: a 512×512×200 multi-label map and a whole-body label at 0.8 mm.
import { createVolumeLike, readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { BODY_LABEL_ID } from '@vista3d/labels';

export const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
export const SEG_FULL = `${DATA}totalseg_example_ct_seg_fast_vista3d.nii.gz`;
export const CT_FULL = `${DATA}totalseg_example_ct.nii.gz`;

/** Nearest-neighbour resampling of `src` onto a `dims` grid covering the same field of view. */
export function upsampleNearest(src: Volume, dims: [number, number, number], pick: (v: number) => number = (v) => v): Volume<Uint8Array> {
  const [sx, sy, sz] = src.dims;
  const [nx, ny, nz] = dims;
  const f = [sx / nx, sy / ny, sz / nz];
  const out = new Uint8Array(nx * ny * nz);
  const ix = new Uint32Array(nx);
  for (let i = 0; i < nx; i++) ix[i] = Math.min(sx - 1, Math.floor((i + 0.5) * f[0]));
  let o = 0;
  for (let k = 0; k < nz; k++) {
    const kk = Math.min(sz - 1, Math.floor((k + 0.5) * f[2]));
    for (let j = 0; j < ny; j++) {
      const jj = Math.min(sy - 1, Math.floor((j + 0.5) * f[1]));
      const row = (kk * sy + jj) * sx;
      for (let i = 0; i < nx; i++) out[o++] = pick(src.data[row + ix[i]]);
    }
  }
  // new index n ↦ old continuous index (n + 0.5)·f − 0.5
  const A = src.affine;
  const affine = A.map((r) => [r[0] * f[0], r[1] * f[1], r[2] * f[2], r[3] + r[0] * (0.5 * f[0] - 0.5) + r[1] * (0.5 * f[1] - 0.5) + r[2] * (0.5 * f[2] - 0.5)]) as Volume['affine'];
  const spacing: [number, number, number] = [src.spacing[0] * f[0], src.spacing[1] * f[1], src.spacing[2] * f[2]];
  return createVolumeLike({ dims, spacing, affine, meta: src.meta }, 'uint8', out);
}

/** The 61-label reference segmentation of the sample CT on a 512×512×200 grid. */
export async function multiLabel512(): Promise<Volume<Uint8Array>> {
  return upsampleNearest(await readNifti(SEG_FULL), [512, 512, 200]);
}

/** A whole-body label (HU > −400, BODY_LABEL_ID) of the sample CT on a 0.8 mm grid. */
export async function wholeBody08(): Promise<Volume<Uint8Array>> {
  const ct = await readNifti(CT_FULL);
  const dims = ct.dims.map((n, a) => Math.round((n * ct.spacing[a]) / 0.8)) as [number, number, number];
  const { slope, inter } = ct.scl;
  return upsampleNearest(ct, dims, (v) => (v * (slope || 1) + inter > -400 ? BODY_LABEL_ID : 0));
}
