import { spawn } from 'node:child_process';
import { findOnPath } from './dcm2niix.js';

/** Transfer syntaxes by UID, with whether Debian's dcm2niix decodes them itself. */
export const TRANSFER_SYNTAXES: Record<string, { name: string; native: boolean; lossy?: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', native: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', native: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', native: true },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', native: false },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (8-bit)', native: true, lossy: true },
  // dcm2niix decodes 8-bit JPEG extended only; 12-bit CT needs the IJG 12-bit decoder.
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (12-bit)', native: false, lossy: true },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless', native: true },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1', native: true },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', native: false },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', native: false, lossy: true },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', native: true },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', native: true, lossy: true },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', native: true },
};

export function transferSyntaxName(uid: string): string {
  return TRANSFER_SYNTAXES[uid]?.name ?? (uid ? `transfer syntax ${uid}` : 'unknown transfer syntax');
}

/** True when the file must be decoded to Explicit VR Little Endian before dcm2niix sees it. */
export function needsDecoding(uid: string): boolean {
  return uid !== '' && TRANSFER_SYNTAXES[uid]?.native !== true;
}

let gdcmconv: string | null | undefined;

/** `gdcmconv` from Debian's libgdcm-tools (`$GDCMCONV_PATH` overrides), or null. */
export function findGdcmconv(): string | null {
  if (process.env.GDCMCONV_PATH) return process.env.GDCMCONV_PATH;
  if (gdcmconv === undefined) gdcmconv = findOnPath('gdcmconv');
  return gdcmconv;
}

function run(bin: string, args: string[], signal?: AbortSignal): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    const keep = (d: Buffer): void => {
      if (out.length < 8192) out += d.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/**
 * Decodes `files[i]` to uncompressed Explicit VR Little Endian at `targets[i]` with gdcmconv
 * (`-w`), a few files at a time. Rejects with the syntax and gdcmconv's message when a file
 * cannot be decoded.
 */
export async function decodeFiles(files: Array<{ src: string; dst: string; syntax: string }>, signal?: AbortSignal): Promise<void> {
  if (files.length === 0) return;
  const bin = findGdcmconv();
  const names = [...new Set(files.map((f) => transferSyntaxName(f.syntax)))].join(', ');
  if (!bin) throw new Error(`${names} needs gdcmconv to decode (apt-get install libgdcm-tools) or set GDCMCONV_PATH`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      const r = await run(bin, ['-w', f.src, f.dst], signal);
      if (r.code !== 0) {
        const msg = r.out.split('\n').map((l) => l.trim()).filter(Boolean).slice(-2).join(' | ');
        throw new Error(`cannot decode ${transferSyntaxName(f.syntax)} (${f.syntax})${msg ? `: ${msg}` : ''}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, files.length) }, worker));
}
