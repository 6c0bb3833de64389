/**
 * A small Explicit VR Little Endian element encoder for the large, repetitive sequences of SEG and
 * RTSTRUCT (thousands of per-frame groups and contours), which dcmjs encodes too slowly (~5 ms per
 * item). Sequences and items use undefined lengths with delimiters. Elements must be given in
 * ascending tag order; the caller appends the bytes after dcmjs's output (their tags are higher).
 */
export type Value = string | string[] | number[] | Uint8Array | Item[];
export type Element = [tag: number, vr: string, value: Value];
export type Item = Element[];

const LONG = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SQ', 'UT', 'UN', 'UC', 'UR', 'SV', 'UV']);
const ascii = new TextEncoder();

/** Growable byte sink. */
export class ByteSink {
  buf = new Uint8Array(1 << 16);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >> 8) & 0xff;
  }
  u32(v: number): void {
    this.u16(v & 0xffff);
    this.u16((v >>> 16) & 0xffff);
  }
  tag(t: number): void {
    this.u16(t >>> 16);
    this.u16(t & 0xffff);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** DS value (≤ 16 characters): fixed decimals trimmed, exponent form never needed for mm. */
export function ds(v: number): string {
  for (let d = 6; d >= 0; d--) {
    const s = String(Number(v.toFixed(d)));
    if (s.length <= 16) return s;
  }
  throw new Error(`number ${v} does not fit a DS value`);
}

function valueBytes(vr: string, v: Exclude<Value, Item[]>): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (vr === 'US' || vr === 'UL') {
    const n = v as number[];
    const size = vr === 'US' ? 2 : 4;
    const out = new Uint8Array(n.length * size);
    const dv = new DataView(out.buffer);
    n.forEach((x, i) => (size === 2 ? dv.setUint16(i * 2, x, true) : dv.setUint32(i * 4, x, true)));
    return out;
  }
  const text = Array.isArray(v) ? (v as Array<string | number>).map((x) => (typeof x === 'number' ? ds(x) : x)).join('\\') : v;
  const b = ascii.encode(text);
  if (b.length % 2 === 0) return b;
  const padded = new Uint8Array(b.length + 1);
  padded.set(b);
  padded[b.length] = vr === 'UI' ? 0 : 0x20;
  return padded;
}

export function encodeElements(sink: ByteSink, elements: Item): void {
  for (const [tag, vr, value] of elements) {
    sink.tag(tag);
    sink.bytes(ascii.encode(vr));
    if (vr === 'SQ') {
      sink.u16(0);
      sink.u32(0xffffffff);
      for (const item of value as Item[]) {
        sink.tag(0xfffee000);
        sink.u32(0xffffffff);
        encodeElements(sink, item);
        sink.tag(0xfffee00d);
        sink.u32(0);
      }
      sink.tag(0xfffee0dd);
      sink.u32(0);
      continue;
    }
    const b = valueBytes(vr, value as Exclude<Value, Item[]>);
    if (LONG.has(vr)) {
      sink.u16(0);
      sink.u32(b.length);
    } else {
      if (b.length > 0xffff) throw new Error(`value of (${tag.toString(16)}) too long for ${vr}`);
      sink.u16(b.length);
    }
    sink.bytes(b);
  }
}

/** A code sequence item (Code Value, Coding Scheme Designator, Code Meaning). */
export const codeElements = (c: { value: string; scheme: string; meaning: string }): Item => [
  [0x00080100, 'SH', c.value],
  [0x00080102, 'SH', c.scheme],
  [0x00080104, 'LO', c.meaning],
];
