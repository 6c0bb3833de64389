import { readFileSync } from 'node:fs';

/** A .npy array (format 1.x/2.x): typed data in file order, its shape, and whether it is Fortran order. */
export interface Npy {
  shape: number[];
  fortran: boolean;
  data: Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array | Float16Array | Int16Array;
}

const DTYPES: Record<string, (b: ArrayBuffer, o: number, n: number) => Npy['data']> = {
  '<f4': (b, o, n) => new Float32Array(b, o, n),
  '<f8': (b, o, n) => new Float64Array(b, o, n),
  '<f2': (b, o, n) => halfToFloat(new Uint16Array(b, o, n)),
  '<i4': (b, o, n) => new Int32Array(b, o, n),
  '<i2': (b, o, n) => new Int16Array(b, o, n),
  '<i8': (b, o, n) => new BigInt64Array(b, o, n),
  '|u1': (b, o, n) => new Uint8Array(b, o, n),
};

type Float16Array = Float32Array;

function halfToFloat(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i];
    const s = v & 0x8000 ? -1 : 1;
    const e = (v >> 10) & 0x1f;
    const m = v & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

export function readNpy(path: string): Npy {
  const buf = readFileSync(path);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const make = descr ? DTYPES[descr] : undefined;
  if (!make) throw new Error(`${path}: dtype ${descr} not supported`);
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const copy = buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + buf.length);
  return { shape, fortran, data: make(copy, 0, n) };
}
