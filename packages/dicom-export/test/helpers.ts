import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import dcmjs from 'dcmjs';
import { convertDicomFolder, readSourceRecord } from '@vista3d/dicom';
import type { SourceSeriesRecord } from '@vista3d/dicom';
import { invertAffine, readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import type { LabelMap } from '../src/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SHARED = process.env.VISTA3D_SHARED_DATA ?? resolve(here, '../../../../shared/data');
export const DICOM = join(SHARED, 'dicom');
export const haveSharedData = (): boolean => existsSync(join(DICOM, 'philips_head_phantom_5mm'));
export const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'vista3d-export-'));

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', rej);
    p.on('close', (code) => res({ code: code ?? -1, out }));
  });
}

/** dciodvfy (Debian dicom3tools) on a file: its Error lines (must be none) and the full output. */
export async function dciodvfy(file: string): Promise<{ errors: string[]; output: string }> {
  const { out } = await run('dciodvfy', [file]);
  return { errors: out.split('\n').filter((l) => /^Error/.test(l)), output: out };
}

/** Runs a Python check script (pydicom + numpy, Debian python3-pydicom) and parses its JSON line. */
export async function python<T>(script: string, args: string[]): Promise<T> {
  // Debian's python3 (python3-pydicom lives there), not a pyenv/venv one earlier on PATH
  const py = process.env.VISTA3D_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const { code, out } = await run(py, [join(here, script), ...args]);
  if (code !== 0) throw new Error(`${script} failed (${code}): ${out}`);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** Writes a label map as raw voxels + meta for the Python checks. */
export async function writeRawLabels(dir: string, labels: LabelMap, name: string): Promise<[string, string]> {
  const raw = join(dir, `${name}.raw`);
  const meta = join(dir, `${name}.json`);
  const data = labels.data as unknown as ArrayBufferView;
  await writeFile(raw, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const dtype = data instanceof Uint8Array ? 'uint8' : data instanceof Uint16Array ? 'uint16' : 'int16';
  await writeFile(meta, JSON.stringify({ dims: labels.dims, affine: labels.affine, dtype }));
  return [raw, meta];
}

export interface Converted {
  ct: Volume;
  source: SourceSeriesRecord;
  niftiPath: string;
}

/** Converts a DICOM folder with the platform's converter and returns the CT and its recorded source. */
export async function convert(dicomDir: string, outDir: string): Promise<Converted> {
  const rep = await convertDicomFolder(dicomDir, outDir, { force: true });
  const r = rep.converted[0];
  if (!r) throw new Error(`nothing converted in ${dicomDir}: ${JSON.stringify(rep.failed)}`);
  const source = await readSourceRecord(r.sidecarPath);
  if (!source) throw new Error('no source record in the sidecar');
  return { ct: await readNifti(r.niftiPath), source, niftiPath: r.niftiPath };
}

/**
 * A 512×512×(28·copies) series from the shared 28-slice Philips series: the stack repeated along z
 * (positions continue at 5 mm, new SOP/Series Instance UIDs), rewritten with dcmjs.
 */
export async function tallSeries(dest: string, copies: number): Promise<string> {
  const srcDir = join(DICOM, 'philips_head_phantom_5mm');
  const files = (await readdir(srcDir)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  await mkdir(dest, { recursive: true });
  const seriesUid = `2.25.${Date.now()}1`;
  let n = 0;
  for (let c = 0; c < copies; c++) {
    for (const f of files) {
      const bytes = await readFile(join(srcDir, f));
      const msg = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const d = msg.dict as Record<string, { Value: unknown[] }>;
      const ipp = d['00200032']!.Value as number[];
      d['00200032']!.Value = [ipp[0], ipp[1], Number(ipp[2]) + c * 28 * 5];
      n++;
      d['00080018']!.Value = [`${seriesUid}.${n}`];
      (msg.meta as Record<string, { Value: unknown[] }>)['00020003']!.Value = [`${seriesUid}.${n}`];
      d['0020000E']!.Value = [seriesUid];
      if (d['00200013']) d['00200013'].Value = [n];
      await writeFile(join(dest, `IM${String(n).padStart(4, '0')}.dcm`), Buffer.from(msg.write()));
    }
  }
  return dest;
}

/**
 * Labels from the CT itself: bone (> 300 HU) as VISTA3D 21, the rest of the phantom (> −200 HU) split
 * into left/right halves (14/5 kidney) with a hole punched in each slice, and a small block as liver (1).
 */
export function syntheticLabels(ct: Volume): LabelMap {
  const [nx, ny, nz] = ct.dims;
  const out = new Uint8Array(nx * ny * nz);
  const { slope, inter } = ct.scl;
  const s = slope || 1;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = i + nx * (j + ny * k);
        const hu = ct.data[v]! * s + inter;
        const hole = Math.abs(i - nx * 0.3) < nx * 0.04 && Math.abs(j - ny / 2) < ny * 0.04;
        if (hu > 300) out[v] = 21;
        else if (hu > -200 && !hole) out[v] = i < nx / 2 ? 14 : 5;
        if (k >= nz / 4 && k < nz / 2 && i >= nx / 2 && i < nx / 2 + 20 && j >= ny / 2 && j < ny / 2 + 30) out[v] = 1;
      }
    }
  }
  return { dims: ct.dims, affine: ct.affine, data: out };
}

/** Rebuilds the label map from SEG bytes with dcmjs (its own parser, the SEG's own geometry). */
export function readSegWithDcmjs(bytes: Uint8Array, like: LabelMap): { labels: Uint8Array; frames: number } {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const msg = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const ds = DicomMetaDictionary.naturalizeDataset(msg.dict) as Record<string, unknown> & {
    Rows: number;
    Columns: number;
    NumberOfFrames: number | string;
    PixelData: ArrayBuffer[];
    SegmentSequence: Array<{ SegmentNumber: number; TrackingID: string }> | { SegmentNumber: number; TrackingID: string };
    SharedFunctionalGroupsSequence: { PlaneOrientationSequence: { ImageOrientationPatient: number[] }; PixelMeasuresSequence: { PixelSpacing: number[] } };
    PerFrameFunctionalGroupsSequence: Array<{
      PlanePositionSequence: { ImagePositionPatient: number[] };
      SegmentIdentificationSequence: { ReferencedSegmentNumber: number };
    }>;
  };
  const segs = Array.isArray(ds.SegmentSequence) ? ds.SegmentSequence : [ds.SegmentSequence];
  const labelOf = new Map(segs.map((s) => [Number(s.SegmentNumber), Number(String(s.TrackingID).split(' ').pop())]));
  const pixels = new Uint8Array(ds.PixelData[0]!);
  const shared = ds.SharedFunctionalGroupsSequence;
  const iop = shared.PlaneOrientationSequence.ImageOrientationPatient.map(Number);
  const ps = shared.PixelMeasuresSequence.PixelSpacing.map(Number);
  const inv = invertAffine(like.affine);
  const [nx, ny] = like.dims;
  const out = new Uint8Array(like.data.length);
  const rows = ds.Rows;
  const cols = ds.Columns;
  const frames = Number(ds.NumberOfFrames);
  const perFrame = Array.isArray(ds.PerFrameFunctionalGroupsSequence) ? ds.PerFrameFunctionalGroupsSequence : [ds.PerFrameFunctionalGroupsSequence];
  const ras = (p: number[]): number[] => [-p[0]!, -p[1]!, p[2]!];
  const toVoxel = (p: number[]): number[] => [0, 1, 2].map((a) => inv[a]![0] * p[0]! + inv[a]![1] * p[1]! + inv[a]![2] * p[2]! + inv[a]![3]);
  for (let f = 0; f < frames; f++) {
    const item = perFrame[f]!;
    const ipp = item.PlanePositionSequence.ImagePositionPatient.map(Number);
    const label = labelOf.get(Number(item.SegmentIdentificationSequence.ReferencedSegmentNumber))!;
    // voxel of pixel (r, c) = o + c·dc + r·dr (the map is affine in r, c)
    const at = (r: number, c: number): number[] =>
      toVoxel(ras([0, 1, 2].map((a) => ipp[a]! + c * ps[1]! * iop[a]! + r * ps[0]! * iop[3 + a]!)));
    const o = at(0, 0);
    const dc = at(0, 1).map((v, a) => v - o[a]!);
    const dr = at(1, 0).map((v, a) => v - o[a]!);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const bitIndex = (f * rows + r) * cols + c;
        if (!((pixels[bitIndex >> 3]! >> (bitIndex & 7)) & 1)) continue;
        const i = Math.round(o[0]! + c * dc[0]! + r * dr[0]!);
        const j = Math.round(o[1]! + c * dc[1]! + r * dr[1]!);
        const k = Math.round(o[2]! + c * dc[2]! + r * dr[2]!);
        out[i + nx * (j + ny * k)] = label;
      }
    }
  }
  return { labels: out, frames };
}

export async function copyDir(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
}
