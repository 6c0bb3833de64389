// The labelled CTs of ../shared/data with their references as VISTA3D ids.
import { fileURLToPath } from 'node:url';
import { readNifti, voxelToWorld, worldToVoxel, type Volume } from '@vista3d/volume';

export const SHARED_DATA = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

export interface LabelledCt {
  name: string;
  ct: string;
  ref: string;
  /** Reference value → VISTA3D id (identity when absent). */
  remap?: Record<number, number>;
}

export const LABELLED_CTS: LabelledCt[] = [
  { name: 'totalseg_example_ct', ct: 'totalseg_example_ct.nii.gz', ref: 'totalseg_example_ct_seg_fast_vista3d.nii.gz' },
  { name: 'totalseg_example_ct_sm', ct: 'totalseg_example_ct_sm.nii.gz', ref: 'totalseg_example_ct_sm_seg_vista3d.nii.gz' },
  // Hand-drawn: 1 liver, 2 spine (vertebral column → VISTA3D "vertebrae" 146), 3 heart.
  {
    name: 'dcmqi_ct_3slice', ct: 'dicom_reference/dcmqi_ct_3slice_dcm2niix.nii.gz', ref: 'dicom/dcmqi_ct_3slice_labels/liver_spine_heart_labels.nii.gz',
    remap: { 1: 1, 2: 146, 3: 115 },
  },
];

/** The CT and its reference on the CT's grid (nearest voxel through world space when they differ). */
export async function loadLabelledCt(c: LabelledCt): Promise<{ ct: Volume; ref: Volume<Uint8Array> }> {
  const ct = await readNifti(SHARED_DATA + c.ct);
  const raw = await readNifti(SHARED_DATA + c.ref);
  const [nx, ny, nz] = ct.dims;
  const data = new Uint8Array(nx * ny * nz);
  const same = raw.dims.every((d, a) => d === ct.dims[a]) && raw.affine.every((row, r) => row.every((v, k) => Math.abs(v - ct.affine[r][k]) < 1e-3));
  const [rx, ry, rz] = raw.dims;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    let v: number;
    if (same) v = raw.data[x + nx * (y + ny * z)];
    else {
      const w = voxelToWorld(ct.affine, x, y, z);
      const [i, j, k] = worldToVoxel(raw.affine, ...w).map(Math.round);
      v = i >= 0 && j >= 0 && k >= 0 && i < rx && j < ry && k < rz ? raw.data[i + rx * (j + ry * k)] : 0;
    }
    data[x + nx * (y + ny * z)] = c.remap ? (c.remap[v] ?? 0) : v;
  }
  return { ct, ref: { ...raw, dims: ct.dims, affine: ct.affine, spacing: ct.spacing, datatype: 'uint8', data, scl: { slope: 1, inter: 0 } } };
}
