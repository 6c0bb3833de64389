import { createHash } from 'node:crypto';
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import { open, opendir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import dicomParser from 'dicom-parser';
import { isImageSopClass, sopClassName } from './sop.js';
import type {
  DicomInstance,
  DicomSeries,
  DiscoverOptions,
  DiscoveryResult,
  FileError,
  SliceSpacingInfo,
} from './types.js';

/** Bytes read first; the whole file is read only when the header is longer than this. */
const HEADER_PROBE_BYTES = 64 * 1024;
const PIXEL_TAGS = ['x7fe00010', 'x7fe00008', 'x7fe00009'];

type DataSet = ReturnType<typeof dicomParser.parseDicom>;

interface ParsedFile {
  file: string;
  patient: string;
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string;
  seriesNumber: number | null;
  modality: string;
  description: string;
  rows: number;
  columns: number;
  frames: number;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  imageType: string[];
  sopClassUid: string;
  transferSyntaxUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  studyDescription: string;
  gantryTilt: number;
  instance: DicomInstance;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e) return String((e as { exception: unknown }).exception);
  return String(e);
}

function num(ds: DataSet, tag: string, index = 0): number | null {
  const s = ds.string(tag);
  if (s === undefined || s === '') return null;
  const parts = s.split('\\');
  const v = Number.parseFloat(parts[index] ?? '');
  return Number.isFinite(v) ? v : null;
}

function nums(ds: DataSet, tag: string, n: number): number[] | null {
  const s = ds.string(tag);
  if (!s) return null;
  const v = s.split('\\').map((x) => Number.parseFloat(x));
  return v.length >= n && v.slice(0, n).every(Number.isFinite) ? v.slice(0, n) : null;
}

function str(ds: DataSet, tag: string): string {
  return (ds.string(tag) ?? '').trim();
}

/** Deflated Explicit VR Little Endian: the data set after the meta header is one raw deflate stream. */
function inflate(bytes: Uint8Array, position: number): Uint8Array {
  // SYNC_FLUSH: a header probe holds only the start of the stream; take what it decodes to.
  const body = inflateRawSync(bytes.subarray(position), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const out = new Uint8Array(position + body.length);
  out.set(bytes.subarray(0, position), 0);
  out.set(body, position);
  return out;
}

function parseBytes(bytes: Uint8Array): DataSet {
  try {
    return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010', inflater: inflate });
  } catch (e) {
    const msg = errorMessage(e);
    // Raw DICOM data set without the Part 10 preamble/meta header: try implicit VR little endian
    // when the first bytes look like a group 0x0008 element.
    if (/DICM prefix not found/.test(msg) && bytes.length > 8 && bytes[0] === 0x08 && bytes[1] === 0x00) {
      return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010', TransferSyntaxUID: '1.2.840.10008.1.2' });
    }
    throw e;
  }
}

async function readHead(file: string, size: number): Promise<{ ds: DataSet; complete: boolean }> {
  const fh = await open(file, 'r');
  try {
    const probe = Math.min(size, HEADER_PROBE_BYTES);
    const buf = new Uint8Array(probe);
    await fh.read(buf, 0, probe, 0);
    if (probe < size) {
      try {
        const ds = parseBytes(buf);
        if (PIXEL_TAGS.some((t) => ds.elements[t])) return { ds, complete: false };
      } catch {
        // header longer than the probe (or a parse error): read it all below
      }
    }
    const all = probe === size ? buf : new Uint8Array(size);
    if (probe < size) await fh.read(all, 0, size, 0);
    return { ds: parseBytes(all), complete: true };
  } finally {
    await fh.close();
  }
}

function parsedFrom(file: string, patient: string, ds: DataSet, size: number, sawWholeFile: boolean): ParsedFile {
  const sopClassUid = str(ds, 'x00080016') || str(ds, 'x00020002');
  const seriesUid = str(ds, 'x0020000e');
  const studyUid = str(ds, 'x0020000d');
  const rows = ds.uint16('x00280010') ?? 0;
  const columns = ds.uint16('x00280011') ?? 0;
  const px = nums(ds, 'x00280030', 2);
  const ipp = nums(ds, 'x00200032', 3);
  const iop = nums(ds, 'x00200037', 6);
  const pixel = PIXEL_TAGS.map((t) => ds.elements[t]).find((e) => e !== undefined);
  let truncated = false;
  const deflated = str(ds, 'x00020010') === '1.2.840.10008.1.2.1.99'; // offsets are in the inflated bytes
  if (pixel && !deflated) {
    if (pixel.length !== 0xffffffff && pixel.length > 0 && pixel.dataOffset + pixel.length > size) truncated = true;
  } else if (!pixel && !deflated && rows > 0 && sawWholeFile && isImageSopClass(sopClassUid, true)) {
    truncated = true; // an image without pixel data: cut before (7FE0,0010)
  }
  const frames = num(ds, 'x00280008') ?? 1;
  return {
    file,
    patient,
    studyUid,
    seriesUid,
    frameOfReferenceUid: str(ds, 'x00200052'),
    seriesNumber: num(ds, 'x00200011'),
    modality: str(ds, 'x00080060'),
    description: str(ds, 'x0008103e'),
    rows,
    columns,
    frames: Math.max(1, Math.round(frames)),
    pixelSpacing: px ? [px[0]!, px[1]!] : null,
    sliceThickness: num(ds, 'x00180050'),
    imageType: str(ds, 'x00080008').split('\\').map((s) => s.trim().toUpperCase()).filter(Boolean),
    sopClassUid,
    transferSyntaxUid: str(ds, 'x00020010'),
    patientId: str(ds, 'x00100020'),
    patientName: str(ds, 'x00100010'),
    studyDate: str(ds, 'x00080020'),
    studyDescription: str(ds, 'x00081030'),
    gantryTilt: num(ds, 'x00181120') ?? 0,
    instance: {
      file,
      sopInstanceUid: str(ds, 'x00080018'),
      instanceNumber: num(ds, 'x00200013'),
      imagePositionPatient: ipp ? [ipp[0]!, ipp[1]!, ipp[2]!] : null,
      imageOrientationPatient: iop ? [iop[0]!, iop[1]!, iop[2]!, iop[3]!, iop[4]!, iop[5]!] : null,
      rescaleSlope: num(ds, 'x00281053') ?? 1,
      rescaleIntercept: num(ds, 'x00281052') ?? 0,
      transferSyntaxUid: str(ds, 'x00020010'),
      truncated,
    },
  };
}

/**
 * Reads one file's DICOM header (never the pixel data: parsing stops at (7FE0,0010) and only the
 * first 64 KiB are read unless the header is longer). Throws with a readable message when the file
 * is not DICOM.
 */
export async function readDicomHeader(file: string, patient = ''): Promise<ParsedFile> {
  const st = await stat(file);
  if (st.size < 132) throw new Error(`not a DICOM file (only ${st.size} bytes)`);
  let head: { ds: DataSet; complete: boolean };
  try {
    head = await readHead(file, st.size);
  } catch (e) {
    throw new Error(`not a readable DICOM file: ${errorMessage(e)}`);
  }
  return parsedFrom(file, patient, head.ds, st.size, head.complete);
}

const NOT_DICOM_EXT = /\.(txt|md|json|nii|nii\.gz|nrrd|xml|html?|pdf|jpe?g|png|zip|csv)$/i;

/** Why a file is not read at all (null: read it). Dotfiles, DICOMDIR indexes, OS litter, known non-DICOM extensions. */
export function defaultIgnoreReason(name: string): string | null {
  if (name === 'DICOMDIR') return 'DICOMDIR index (the files it lists are found by walking the folder)';
  if (name.startsWith('.')) return 'hidden file';
  if (name === 'Thumbs.db') return 'operating-system file';
  if (NOT_DICOM_EXT.test(name)) return `not DICOM (${NOT_DICOM_EXT.exec(name)![0]} file)`;
  return null;
}

async function walk(root: string, opts: DiscoverOptions, out: string[], errors: FileError[], ignored: FileError[]): Promise<void> {
  const ignore = opts.ignore ? (n: string): string | null => (opts.ignore!(n) ? 'ignored by name' : null) : defaultIgnoreReason;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    opts.signal?.throwIfAborted();
    let handle;
    try {
      handle = await opendir(dir);
    } catch (e) {
      errors.push({ file: dir, message: `cannot read folder: ${errorMessage(e)}` });
      continue;
    }
    for await (const ent of handle) {
      const full = join(dir, ent.name);
      const why = ignore(ent.name);
      if (why) {
        ignored.push({ file: full, message: ent.isDirectory() ? `hidden folder` : why });
        continue;
      }
      if (ent.isDirectory()) stack.push(full);
      else if (ent.isFile()) out.push(full);
      else if (ent.isSymbolicLink()) {
        try {
          const st = await stat(full);
          if (st.isFile()) out.push(full);
          else if (st.isDirectory() && opts.followSymlinks) stack.push(full);
        } catch (e) {
          errors.push({ file: full, message: `broken link: ${errorMessage(e)}` });
        }
      }
    }
  }
  out.sort();
}

function patientOf(root: string, file: string): string {
  const rel = relative(root, file);
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : basename(root);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Sorts instances along the slice normal and measures the gaps. */
export function sliceSpacing(instances: DicomInstance[]): { sorted: DicomInstance[]; spacing: SliceSpacingInfo | null } {
  const iop = instances.find((i) => i.imageOrientationPatient)?.imageOrientationPatient;
  const byInstance = (a: DicomInstance, b: DicomInstance): number =>
    (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.file.localeCompare(b.file);
  if (!iop || instances.some((i) => !i.imagePositionPatient)) {
    return { sorted: [...instances].sort(byInstance), spacing: null };
  }
  const n = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
  const d = (i: DicomInstance): number => {
    const p = i.imagePositionPatient!;
    return p[0] * n[0]! + p[1] * n[1]! + p[2] * n[2]!;
  };
  const sorted = [...instances].sort((a, b) => d(a) - d(b) || byInstance(a, b));
  const gaps: number[] = [];
  let duplicates = 0;
  for (let k = 1; k < sorted.length; k++) {
    const g = d(sorted[k]!) - d(sorted[k - 1]!);
    if (Math.abs(g) < 1e-4) duplicates++;
    else gaps.push(Number(g.toFixed(5)));
  }
  if (gaps.length === 0) return { sorted, spacing: null };
  const med = median(gaps);
  const min = Math.min(...gaps);
  const max = Math.max(...gaps);
  return {
    sorted,
    spacing: { gaps, min, max, median: med, uniform: max - min <= Math.max(0.01, 0.01 * med), duplicatePositions: duplicates },
  };
}

interface SeriesGroup {
  key: string;
  uid: string;
  source: 'dicom' | 'fallback';
}

/** What files without a SeriesInstanceUID are grouped by (documented in docs/dicom.md). */
export const FALLBACK_KEY_DESCRIPTION =
  'patient folder, StudyInstanceUID, FrameOfReferenceUID, SeriesNumber, Modality, ImageOrientationPatient, PixelSpacing, Rows×Columns and folder';

const round = (v: number, digits: number): string => (Math.abs(v) < 10 ** -digits ? '0' : v.toFixed(digits));

/**
 * Files group by patient folder + StudyInstanceUID + SeriesInstanceUID. Without a (non-empty)
 * SeriesInstanceUID the fallback key keeps slices that belong together in one stack and apart from
 * anything that cannot share a grid; such a series gets a stable synthetic uid `fallback.<sha1>`.
 */
function seriesGroup(root: string, p: ParsedFile): SeriesGroup {
  if (p.seriesUid) return { key: `${p.patient}\u0000${p.studyUid}\u0000${p.seriesUid}`, uid: p.seriesUid, source: 'dicom' };
  const iop = p.instance.imageOrientationPatient;
  const parts = [
    p.patient,
    p.studyUid,
    p.frameOfReferenceUid,
    p.seriesNumber ?? '',
    p.modality,
    iop ? iop.map((v) => round(v, 3)).join('\\') : '',
    p.pixelSpacing ? p.pixelSpacing.map((v) => round(v, 4)).join('\\') : '',
    `${p.rows}x${p.columns}`,
    relative(root, dirname(p.file)),
  ].join('\u0000');
  const uid = `fallback.${createHash('sha1').update(parts).digest('hex').slice(0, 20)}`;
  return { key: `fallback\u0000${parts}`, uid, source: 'fallback' };
}

const LOCALIZER_DESCRIPTION = /\b(scout|topogram|localizer|localiser|surview|scanogram)\b/i;

function buildSeries(files: ParsedFile[], dirErrors: FileError[], group: SeriesGroup): DicomSeries {
  const first = files[0]!;
  const errors: FileError[] = [];
  const warnings: string[] = [];
  if (group.source === 'fallback') {
    warnings.push(`no SeriesInstanceUID: the ${files.length} file(s) were grouped by ${FALLBACK_KEY_DESCRIPTION}`);
  }
  const seen = new Set<string>();
  const usable: DicomInstance[] = [];
  for (const f of files) {
    if (f.instance.truncated) {
      errors.push({ file: f.file, message: 'truncated: the file ends inside its pixel data' });
      continue;
    }
    if (f.instance.sopInstanceUid && seen.has(f.instance.sopInstanceUid)) {
      warnings.push(`duplicate SOPInstanceUID ${f.instance.sopInstanceUid} in ${f.file} (ignored)`);
      errors.push({ file: f.file, message: `duplicate SOPInstanceUID ${f.instance.sopInstanceUid}: the same image as another file` });
      continue;
    }
    seen.add(f.instance.sopInstanceUid);
    usable.push(f.instance);
  }
  const isImage = isImageSopClass(first.sopClassUid, first.rows > 0);
  const { sorted, spacing } = isImage ? sliceSpacing(usable) : { sorted: usable, spacing: null };
  const slopes = [...new Set(usable.map((i) => i.rescaleSlope))].sort((a, b) => a - b);
  const intercepts = [...new Set(usable.map((i) => i.rescaleIntercept))].sort((a, b) => a - b);
  if (isImage) {
    if (spacing && !spacing.uniform) {
      warnings.push(
        `inconsistent slice spacing: gaps ${spacing.min}…${spacing.max} mm (median ${spacing.median} mm) — ` +
          'missing slices or a non-uniform acquisition',
      );
    }
    if (spacing && spacing.duplicatePositions > 0) warnings.push(`${spacing.duplicatePositions} slice(s) share a position with another slice`);
    if (slopes.length > 1 || intercepts.length > 1) warnings.push('rescale slope/intercept vary between slices');
    if (Math.abs(first.gantryTilt) > 0.01) warnings.push(`gantry tilt ${first.gantryTilt}°`);
    if (errors.length > 0) warnings.push(`${errors.length} file(s) left out (unreadable or truncated)`);
  }
  const multiframe = usable.length === 1 && first.frames > 1;
  return {
    patient: first.patient,
    studyUid: first.studyUid,
    seriesUid: group.uid,
    seriesUidSource: group.source,
    frameOfReferenceUid: first.frameOfReferenceUid,
    seriesNumber: first.seriesNumber,
    modality: first.modality,
    description: first.description,
    sliceCount: multiframe ? first.frames : usable.length,
    rows: first.rows,
    columns: first.columns,
    pixelSpacing: first.pixelSpacing,
    sliceThickness: first.sliceThickness,
    imageType: first.imageType,
    isLocalizer: first.imageType.includes('LOCALIZER') || LOCALIZER_DESCRIPTION.test(first.description),
    isImage,
    sopClassUid: first.sopClassUid,
    sopClassName: sopClassName(first.sopClassUid),
    transferSyntaxUid: first.transferSyntaxUid,
    patientId: first.patientId,
    patientName: first.patientName,
    studyDate: first.studyDate,
    studyDescription: first.studyDescription,
    rescaleSlopes: slopes,
    rescaleIntercepts: intercepts,
    gantryTilt: first.gantryTilt,
    spacing,
    files: sorted.map((i) => i.file),
    instances: sorted,
    errors: [...errors, ...dirErrors],
    warnings,
  };
}

/**
 * Walks `root` (any nesting), reads only DICOM headers and groups files by patient folder,
 * StudyInstanceUID and SeriesInstanceUID. Non-DICOM files are reported in `errors`, never fatal.
 */
export async function discoverDicom(root: string, opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const absRoot = resolve(root);
  const rootStat = await stat(absRoot).catch(() => null);
  if (!rootStat?.isDirectory()) throw new Error(`DICOM folder not found: ${absRoot}`);
  const files: string[] = [];
  const errors: FileError[] = [];
  const ignored: FileError[] = [];
  await walk(absRoot, opts, files, errors, ignored);
  const parsed: ParsedFile[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      opts.signal?.throwIfAborted();
      const file = files[next++]!;
      try {
        parsed.push(await readDicomHeader(file, patientOf(absRoot, file)));
      } catch (e) {
        errors.push({ file, message: errorMessage(e) });
      }
      done++;
      opts.onProgress?.(done, files.length, file);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 16) }, worker));

  const groups = new Map<string, { files: ParsedFile[]; group: SeriesGroup }>();
  for (const p of parsed) {
    const g = seriesGroup(absRoot, p);
    const entry = groups.get(g.key);
    if (entry) entry.files.push(p);
    else groups.set(g.key, { files: [p], group: g });
  }
  errors.sort((a, b) => a.file.localeCompare(b.file));
  ignored.sort((a, b) => a.file.localeCompare(b.file));
  const series = [...groups.values()].map(({ files: g, group }) => {
    const dirs = new Set(g.map((p) => dirname(p.file)));
    return buildSeries(g, errors.filter((e) => dirs.has(dirname(e.file))), group);
  });
  series.sort(
    (a, b) =>
      a.patient.localeCompare(b.patient) ||
      a.studyUid.localeCompare(b.studyUid) ||
      (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity) ||
      a.seriesUid.localeCompare(b.seriesUid),
  );
  return { series, errors, ignored, fileCount: files.length + ignored.length };
}

/** Discovers the series under `root` (see discoverDicom); unreadable files are in each series' `errors`. */
export async function discoverSeries(root: string, opts: DiscoverOptions = {}): Promise<DicomSeries[]> {
  return (await discoverDicom(root, opts)).series;
}
