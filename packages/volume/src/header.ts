import * as nifti from 'nifti-reader-js';
import { DATATYPES, datatypeFromCode } from './datatypes.js';
import { NiftiError } from './errors.js';
import { affineToQuatern } from './geometry.js';
import type { Datatype, Mat4, NiftiMeta, Vec3, Volume, VoxelArray } from './types.js';

/** Everything about a NIfTI file except its voxels. */
export interface NiftiHeaderInfo {
  dims: Vec3;
  frames: number;
  spacing: Vec3;
  affine: Mat4;
  datatype: Datatype;
  voxOffset: number;
  littleEndian: boolean;
  scl: { slope: number; inter: number };
  meta: NiftiMeta;
  /** Number of voxel bytes that must follow voxOffset. */
  dataBytes: number;
}

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

/** How many leading (decompressed) bytes are needed to parse the header, from sizeof_hdr. */
export function headerBytesNeeded(first4: Uint8Array): number {
  const view = new DataView(first4.buffer, first4.byteOffset, 4);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  if (le === NIFTI1_HEADER_BYTES || be === NIFTI1_HEADER_BYTES) return NIFTI1_HEADER_BYTES;
  if (le === NIFTI2_HEADER_BYTES || be === NIFTI2_HEADER_BYTES) return NIFTI2_HEADER_BYTES;
  throw new NiftiError('BAD_MAGIC', 'not a NIfTI file: sizeof_hdr is neither 348 (NIfTI-1) nor 540 (NIfTI-2)');
}

export interface HeaderLimits {
  /** Refuse volumes with more voxels than this (all frames together). */
  maxVoxels?: number;
  /**
   * Refuse volumes whose decoded voxel data is larger than this many bytes: a voxel count alone lets
   * a float64 image take four times the memory of the int16 CT the limit was sized for.
   */
  maxBytes?: number;
}

/** Parses and validates a NIfTI-1/2 header from its leading bytes (already decompressed). */
export function parseHeader(bytes: Uint8Array, limits: HeaderLimits = {}): NiftiHeaderInfo {
  if (bytes.byteLength < 4) throw new NiftiError('TRUNCATED', 'file is too short to be NIfTI');
  const needed = headerBytesNeeded(bytes.subarray(0, 4));
  if (bytes.byteLength < needed) {
    throw new NiftiError('TRUNCATED', `header truncated: ${bytes.byteLength} of ${needed} bytes`);
  }
  // nifti-reader-js wants an ArrayBuffer it can own; copying the header bytes alone is cheap.
  // (Buffer#slice is a view into Node's shared pool, so copy explicitly.)
  const headerBytes = new Uint8Array(Math.min(bytes.byteLength, needed + 4));
  headerBytes.set(bytes.subarray(0, headerBytes.byteLength));
  const headerCopy = headerBytes.buffer;
  if (!nifti.isNIFTI(headerCopy)) {
    throw new NiftiError('BAD_MAGIC', 'not a single-file NIfTI: magic is not "n+1"/"n+2" (.hdr/.img pairs are not supported)');
  }
  let h: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    h = nifti.readHeader(headerCopy);
  } catch (err) {
    throw new NiftiError('BAD_HEADER', `unreadable NIfTI header: ${(err as Error).message}`);
  }
  const ndim = h.dims[0];
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new NiftiError('BAD_DIMS', `dim[0] must be 1..7, got ${ndim}`);
  }
  const dimAt = (i: number): number => (i <= ndim ? h.dims[i] : 1);
  const dims: Vec3 = [dimAt(1), dimAt(2), dimAt(3)];
  let frames = 1;
  for (let i = 4; i <= ndim; i++) frames *= dimAt(i);
  for (const [i, d] of [...dims, frames].entries()) {
    if (!Number.isInteger(d) || d < 1) throw new NiftiError('BAD_DIMS', `dimension ${i + 1} must be a positive integer, got ${d}`);
  }
  const datatype = datatypeFromCode(h.datatypeCode);
  const bytesPer = DATATYPES[datatype].bytes;
  if (h.numBitsPerVoxel !== 0 && h.numBitsPerVoxel !== bytesPer * 8) {
    throw new NiftiError('INCONSISTENT', `bitpix ${h.numBitsPerVoxel} does not match datatype ${datatype} (${bytesPer * 8} bits)`);
  }
  const voxOffset = Math.round(h.vox_offset);
  if (!Number.isFinite(h.vox_offset) || voxOffset < needed || voxOffset > 1 << 24) {
    throw new NiftiError('BAD_VOX_OFFSET', `vox_offset ${h.vox_offset} is invalid (must be at least ${needed + 4} for a single-file NIfTI)`);
  }
  const nvox = dims[0] * dims[1] * dims[2] * frames;
  if (limits.maxVoxels !== undefined && nvox > limits.maxVoxels) {
    throw new NiftiError('TOO_LARGE', `volume has ${nvox} voxels, more than the limit of ${limits.maxVoxels}`);
  }
  if (limits.maxBytes !== undefined && nvox * bytesPer > limits.maxBytes) {
    throw new NiftiError('TOO_LARGE', `volume data is ${nvox * bytesPer} bytes (${nvox} voxels of ${datatype}), more than the limit of ${limits.maxBytes} bytes`);
  }
  const pix = (i: number): number => {
    const v = Math.abs(h.pixDims[i] ?? 1);
    return Number.isFinite(v) && v > 0 ? v : 1;
  };
  const affine = h.affine.map((row) => [...row]) as Mat4;
  if (affine.flat().some((v) => !Number.isFinite(v))) throw new NiftiError('BAD_HEADER', 'affine contains non-finite values');
  const slopeOk = Number.isFinite(h.scl_slope) && h.scl_slope !== 0;
  return {
    dims,
    frames,
    spacing: [pix(1), pix(2), pix(3)],
    affine,
    datatype,
    voxOffset,
    littleEndian: h.littleEndian,
    scl: { slope: slopeOk ? h.scl_slope : 1, inter: slopeOk && Number.isFinite(h.scl_inter) ? h.scl_inter : 0 },
    meta: {
      description: h.description ?? '',
      qformCode: h.qform_code,
      sformCode: h.sform_code,
      affineSource: h.qform_code > 0 && h.sform_code < h.qform_code ? 'qform' : h.sform_code > 0 ? 'sform' : 'pixdim',
      xyztUnits: h.xyzt_units,
      intentCode: h.intent_code,
      calMin: h.cal_min,
      calMax: h.cal_max,
    },
    dataBytes: nvox * bytesPer,
  };
}

/** 352-byte NIfTI-1 header (348 + empty extension flag) describing `volume`, little-endian. */
export function encodeHeader(volume: Volume<VoxelArray>): Uint8Array {
  const h = new nifti.NIFTI1();
  const [nx, ny, nz] = volume.dims;
  const is4d = volume.frames > 1;
  h.littleEndian = true;
  h.dims = [is4d ? 4 : 3, nx, ny, nz, volume.frames, 1, 1, 1];
  h.datatypeCode = DATATYPES[volume.datatype].code;
  h.numBitsPerVoxel = DATATYPES[volume.datatype].bytes * 8;
  const q = affineToQuatern(volume.affine);
  h.pixDims = [q.qfac, volume.spacing[0], volume.spacing[1], volume.spacing[2], 1, 1, 1, 1];
  h.vox_offset = 352;
  h.scl_slope = volume.scl.slope;
  h.scl_inter = volume.scl.inter;
  h.xyzt_units = volume.meta.xyztUnits || 2 /* mm */ | 8 /* s */;
  h.cal_min = volume.meta.calMin;
  h.cal_max = volume.meta.calMax;
  h.intent_code = volume.meta.intentCode;
  h.description = volume.meta.description.slice(0, 79);
  const code = Math.max(volume.meta.sformCode, volume.meta.qformCode, 1);
  h.qform_code = code;
  h.sform_code = code;
  h.quatern_b = q.b;
  h.quatern_c = q.c;
  h.quatern_d = q.d;
  h.qoffset_x = q.qx;
  h.qoffset_y = q.qy;
  h.qoffset_z = q.qz;
  h.affine = volume.affine.map((row) => [...row]);
  h.magic = 'n+1';
  return new Uint8Array(h.toArrayBuffer(false));
}
