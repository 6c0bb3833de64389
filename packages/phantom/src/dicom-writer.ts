import { createHash } from 'node:crypto';

/** One data element: tag as 8 hex digits (group+element), VR, value. */
export interface Element {
  tag: string;
  vr: 'AE' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'OB' | 'OW' | 'PN' | 'SH' | 'TM' | 'UI' | 'UL' | 'US';
  value: string | number | number[] | Uint8Array;
}

const LONG_VR = new Set(['OB', 'OW', 'UN', 'SQ', 'UT', 'UC', 'UR']);
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
/** Implementation Class UID of our writer (a 2.25 UUID-derived root). */
const IMPLEMENTATION_UID = '2.25.180911214392740712836120541727468372901';

/** A DICOM UID under the 2.25 (UUID) root, derived deterministically from `seed`. */
export function uidFrom(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex').slice(0, 30); // 120 bits
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

function valueBytes(e: Element): Uint8Array {
  const v = e.value;
  if (v instanceof Uint8Array) return v.length % 2 ? Uint8Array.from([...v, 0]) : v;
  if (e.vr === 'US' || e.vr === 'UL') {
    const vals = Array.isArray(v) ? v : [Number(v)];
    const size = e.vr === 'US' ? 2 : 4;
    const out = new Uint8Array(vals.length * size);
    const dv = new DataView(out.buffer);
    vals.forEach((x, i) => (size === 2 ? dv.setUint16(i * 2, x, true) : dv.setUint32(i * 4, x, true)));
    return out;
  }
  const text = Array.isArray(v) ? v.map(String).join('\\') : String(v);
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length % 2 === 0) return bytes;
  return Buffer.concat([bytes, Buffer.from([e.vr === 'UI' ? 0 : 0x20])]);
}

function encodeElement(e: Element): Buffer {
  const group = Number.parseInt(e.tag.slice(0, 4), 16);
  const elem = Number.parseInt(e.tag.slice(4), 16);
  const value = valueBytes(e);
  const long = LONG_VR.has(e.vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(e.vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else {
    if (value.length > 0xffff) throw new Error(`element ${e.tag} too long for VR ${e.vr}`);
    head.writeUInt16LE(value.length, 6);
  }
  return Buffer.concat([head, value]);
}

/**
 * A DICOM Part 10 file (preamble, "DICM", meta group, data set) in Explicit VR Little Endian.
 * `elements` are sorted by tag here; the meta group is built from the SOP class/instance.
 */
export function encodeDicomFile(sopClassUid: string, sopInstanceUid: string, elements: Element[]): Buffer {
  const meta = [
    { tag: '00020001', vr: 'OB', value: Uint8Array.from([0, 1]) },
    { tag: '00020002', vr: 'UI', value: sopClassUid },
    { tag: '00020003', vr: 'UI', value: sopInstanceUid },
    { tag: '00020010', vr: 'UI', value: EXPLICIT_LE },
    { tag: '00020012', vr: 'UI', value: IMPLEMENTATION_UID },
    { tag: '00020013', vr: 'SH', value: 'VISTA3D_PHANTOM' },
  ].map((e) => encodeElement(e as Element));
  const metaLength = meta.reduce((s, b) => s + b.length, 0);
  const groupLength = encodeElement({ tag: '00020000', vr: 'UL', value: metaLength });
  const body = [...elements].sort((a, b) => a.tag.localeCompare(b.tag)).map(encodeElement);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, ...meta, ...body]);
}
