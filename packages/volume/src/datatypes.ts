import { NiftiError } from './errors.js';
import type { Datatype, VoxelArray } from './types.js';

interface DatatypeInfo {
  code: number;
  bytes: number;
  ctor: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): VoxelArray; new (length: number): VoxelArray };
}

export const DATATYPES: Record<Datatype, DatatypeInfo> = {
  uint8: { code: 2, bytes: 1, ctor: Uint8Array },
  int16: { code: 4, bytes: 2, ctor: Int16Array },
  int32: { code: 8, bytes: 4, ctor: Int32Array },
  float32: { code: 16, bytes: 4, ctor: Float32Array },
  float64: { code: 64, bytes: 8, ctor: Float64Array },
  int8: { code: 256, bytes: 1, ctor: Int8Array },
  uint16: { code: 512, bytes: 2, ctor: Uint16Array },
  uint32: { code: 768, bytes: 4, ctor: Uint32Array },
};

const BY_CODE = new Map(Object.entries(DATATYPES).map(([name, info]) => [info.code, name as Datatype]));

export function datatypeFromCode(code: number): Datatype {
  const dt = BY_CODE.get(code);
  if (!dt) throw new NiftiError('UNSUPPORTED_DATATYPE', `unsupported NIfTI datatype code ${code}`);
  return dt;
}

export function datatypeOf(data: VoxelArray): Datatype {
  for (const [name, info] of Object.entries(DATATYPES)) if (data instanceof info.ctor) return name as Datatype;
  throw new Error('unknown typed array');
}

export function allocate(datatype: Datatype, length: number): VoxelArray {
  return new DATATYPES[datatype].ctor(length);
}
