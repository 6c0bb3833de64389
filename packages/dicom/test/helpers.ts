import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import dcmjs from 'dcmjs';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The shared real-data folder (`../shared/data` from the repository root). */
export const SHARED = process.env.VISTA3D_SHARED_DATA ?? resolve(here, '../../../../shared/data');
export const DICOM = join(SHARED, 'dicom');
export const REFERENCE = join(SHARED, 'dicom_reference');

export const SERIES = {
  philips: 'philips_head_phantom_5mm',
  dcmqi: 'dcmqi_ct_3slice',
  tiny: 'tiny_ct_16x16x4',
} as const;

export function haveSharedData(): boolean {
  return existsSync(join(DICOM, SERIES.tiny));
}

export async function tempDir(prefix = 'vista3d-dicom-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Copies one shared series to `<dest>/<patient>/<sub...>` and returns that folder. */
export async function copySeries(name: string, dest: string, ...sub: string[]): Promise<string> {
  const target = join(dest, ...sub);
  await cp(join(DICOM, name), target, { recursive: true });
  return target;
}

interface DcmjsDict {
  [tag: string]: { vr: string; Value: unknown[] };
}

/**
 * Rewrites DICOM elements of a file with dcmjs (a real DICOM writer), e.g. to turn a series into a
 * localizer: `{ '00080008': ['ORIGINAL','PRIMARY','LOCALIZER'] }`.
 */
export async function rewriteDicom(file: string, values: Record<string, unknown[]>): Promise<void> {
  const bytes = await readFile(file);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const msg = dcmjs.data.DicomMessage.readFile(ab) as { dict: DcmjsDict; write: () => ArrayBuffer };
  for (const [tag, value] of Object.entries(values)) {
    const el = msg.dict[tag];
    if (!el) throw new Error(`${file}: no element ${tag}`);
    el.Value = value;
  }
  await writeFile(file, Buffer.from(msg.write()));
}
