import { createHash, randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';

export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
/** Our implementation class UID (2.25 + a fixed UUID) and name, written in every file meta header. */
export const IMPLEMENTATION_CLASS_UID = '2.25.136950785914366231428719562640633925453';
export const IMPLEMENTATION_VERSION = 'VISTA3D_1_1';

/** A fresh UID under the 2.25 (UUID-derived) root: no registered org root needed, never collides. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** A stable UID for a name (2.25 + 128 bits of its SHA-1): the same structure gets the same Tracking UID in every export. */
export function nameUid(name: string): string {
  return `2.25.${BigInt(`0x${createHash('sha1').update(name).digest('hex').slice(0, 32)}`).toString()}`;
}

export type Dataset = Record<string, unknown>;

/**
 * A naturalized data set (dcmjs keywords) → Part 10 bytes (preamble, file meta, Explicit VR LE).
 * `pixelDataBytes`, when given, is the length of an OB Pixel Data element the caller appends itself
 * (streamed): the header of that element is written here, so the bytes returned end right where
 * the pixel bytes start.
 */
export function encodePart10(dataset: Dataset, sopClassUid: string, sopInstanceUid: string, pixelDataBytes?: number): Uint8Array {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LE,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ ...dataset, SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid });
  const head = new Uint8Array(dict.write({ allowInvalidVRLength: false }));
  if (pixelDataBytes === undefined) return head;
  return concat(head, pixelDataHeader(pixelDataBytes));
}

/** Header of an OB Pixel Data element (7FE0,0010) of the given (even) length; its value follows. */
export function pixelDataHeader(pixelDataBytes: number): Uint8Array {
  if (pixelDataBytes % 2 !== 0) throw new Error('pixel data length must be even');
  const el = new Uint8Array(12);
  const dv = new DataView(el.buffer);
  dv.setUint16(0, 0x7fe0, true);
  dv.setUint16(2, 0x0010, true);
  el[4] = 0x4f; // 'O'
  el[5] = 0x42; // 'B'
  dv.setUint32(8, pixelDataBytes, true);
  return el;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** DICOM DA and TM of a moment (local time, as scanners write them). */
export function dicomDateTime(d: Date): { date: string; time: string } {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return {
    date: `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`,
    time: `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`,
  };
}

/** Collects an async chunk stream into one buffer (tests, STOW bodies). */
export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    parts.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
