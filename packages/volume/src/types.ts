export type Datatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export type Vec3 = [number, number, number];
/** Row-major 4×4 voxel (i, j, k) → world (RAS+, mm) transform, as in NIfTI's sform. */
export type Mat4 = [
  [number, number, number, number],
  [number, number, number, number],
  [number, number, number, number],
  [number, number, number, number],
];

export interface NiftiMeta {
  description: string;
  qformCode: number;
  sformCode: number;
  /** Which header transform the affine came from. */
  affineSource: 'sform' | 'qform' | 'pixdim';
  xyztUnits: number;
  intentCode: number;
  calMin: number;
  calMax: number;
}

/**
 * A 3D (or 3D+t) image: voxels in a typed array, x fastest, then y, then z, then t.
 * Raw stored values; physical value = raw * scl.slope + scl.inter (Hounsfield units for CT).
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  dims: Vec3;
  /** Number of 3D frames (NIfTI dim[4]); 1 for ordinary CT. */
  frames: number;
  /** Voxel size in mm (absolute pixdim[1..3]). */
  spacing: Vec3;
  affine: Mat4;
  datatype: Datatype;
  data: T;
  scl: { slope: number; inter: number };
  meta: NiftiMeta;
}
