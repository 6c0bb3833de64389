import { mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { api } from 'dicomweb-client';
import XHR2 from 'xhr2';
import { writeFileAtomic } from '@vista3d/volume';
import type { FileError } from './types.js';

/** A DICOM JSON attribute (PS3.18 F.2): `{ vr, Value }`. */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
}
export type DicomJson = Record<string, DicomJsonAttribute>;

/** A study as returned by QIDO-RS, flattened. */
export interface StudySummary {
  studyUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  studyDescription: string;
  accessionNumber: string;
  modalities: string[];
  seriesCount: number | null;
  instanceCount: number | null;
}

export interface DicomWebOptions {
  /** Extra HTTP headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
}

export interface ImportOptions extends DicomWebOptions {
  /** When set, files go to `<destDir>/<patient>/<study>/<series>/<sop>.dcm`, else `<destDir>/<study>/…`. */
  patient?: string;
  /** Parallel WADO-RS retrievals (default 4). */
  concurrency?: number;
  /** Re-download instances already on disk (default false: keep them). */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface ImportResult {
  studyUid: string;
  /** Folder the study was written to (`…/<studyUid>`). */
  studyDir: string;
  series: Array<{ seriesUid: string; dir: string; instances: number }>;
  written: number;
  existing: number;
  errors: FileError[];
  seconds: number;
}

/** QIDO/WADO/STOW client: dicomweb-client (XMLHttpRequest) running on Node through the xhr2 polyfill. */
interface TypedClient {
  searchForStudies(o: { queryParams?: Record<string, string> }): Promise<DicomJson[]>;
  searchForSeries(o: { studyInstanceUID: string; queryParams?: Record<string, string> }): Promise<DicomJson[]>;
  searchForInstances(o: { studyInstanceUID: string; seriesInstanceUID?: string }): Promise<DicomJson[]>;
  retrieveInstance(o: { studyInstanceUID: string; seriesInstanceUID: string; sopInstanceUID: string }): Promise<ArrayBuffer | ArrayBuffer[]>;
  storeInstances(o: { datasets: ArrayBuffer[] }): Promise<unknown>;
}

function installXhr(): void {
  const g = globalThis as { XMLHttpRequest?: unknown };
  if (!g.XMLHttpRequest) g.XMLHttpRequest = XHR2;
}

/** A typed dicomweb-client for `url` (the DICOMweb root, e.g. `http://orthanc:8042/dicom-web`). */
export function dicomWebClient(url: string, opts: DicomWebOptions = {}): TypedClient {
  installXhr();
  const base = url.replace(/\/+$/, '');
  const u = new URL(base);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`DICOMweb URL must be http(s): ${url}`);
  const client = new api.DICOMwebClient({ url: base, headers: opts.headers ?? {}, singlepart: false, verbose: false });
  return client as unknown as TypedClient;
}

function first(attr: DicomJsonAttribute | undefined): unknown {
  return attr?.Value?.[0];
}

export function jsonString(ds: DicomJson, tag: string): string {
  const v = first(ds[tag]);
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && 'Alphabetic' in (v as Record<string, unknown>)) return String((v as { Alphabetic: unknown }).Alphabetic);
  return String(v);
}

function jsonNumber(ds: DicomJson, tag: string): number | null {
  const v = Number(first(ds[tag]));
  return Number.isFinite(v) && jsonString(ds, tag) !== '' ? v : null;
}

/** Wraps XHR failures (dicomweb-client rejects with the request object) into readable errors. */
async function call<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof Error) throw new Error(`${what}: ${e.message}`);
    const o = e as { status?: number; message?: string; request?: { status?: number; responseURL?: string } };
    const status = o?.status ?? o?.request?.status;
    throw new Error(`${what} failed${status !== undefined ? ` (HTTP ${status})` : ''}${o?.message ? `: ${o.message}` : ''}`);
  }
}

/** QIDO-RS study search; `query` uses DICOM keywords or tags (`PatientID`, `StudyDate`, `00100010`…). */
export async function searchStudies(url: string, query: Record<string, string> = {}, opts: DicomWebOptions = {}): Promise<StudySummary[]> {
  const client = dicomWebClient(url, opts);
  const found = (await call('QIDO-RS study search', client.searchForStudies({ queryParams: query }))) ?? [];
  return found.map((ds) => ({
    studyUid: jsonString(ds, '0020000D'),
    patientId: jsonString(ds, '00100020'),
    patientName: jsonString(ds, '00100010'),
    studyDate: jsonString(ds, '00080020'),
    studyDescription: jsonString(ds, '00081030'),
    accessionNumber: jsonString(ds, '00080050'),
    modalities: (ds['00080061']?.Value ?? []).map(String),
    seriesCount: jsonNumber(ds, '00201206'),
    instanceCount: jsonNumber(ds, '00201208'),
  }));
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

function checkUid(uid: string, what: string): string {
  if (!UID.test(uid) || uid.length > 64) throw new Error(`invalid ${what} ${JSON.stringify(uid)} (a UID is digits and dots)`);
  return uid;
}

function isPart10(bytes: Uint8Array): boolean {
  return bytes.length > 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * Imports one study: QIDO-RS lists its series and instances, WADO-RS retrieves every instance as
 * application/dicom, each written atomically (temp + rename) to
 * `<destDir>[/<patient>]/<studyUid>/<seriesUid>/<sopInstanceUid>.dcm`. Instances already on disk
 * are kept unless `overwrite`. Per-instance failures are collected in `errors`, not thrown.
 */
export async function importStudy(url: string, studyUid: string, destDir: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const started = performance.now();
  checkUid(studyUid, 'StudyInstanceUID');
  if (opts.patient !== undefined && (!opts.patient || /[/\\\0]|^\.|\.\./.test(opts.patient))) {
    throw new Error(`invalid patient folder name ${JSON.stringify(opts.patient)}`);
  }
  const client = dicomWebClient(url, opts);
  const root = opts.patient ? join(resolve(destDir), opts.patient) : resolve(destDir);
  const studyDir = join(root, studyUid);
  const seriesList = await call(`QIDO-RS series of study ${studyUid}`, client.searchForSeries({ studyInstanceUID: studyUid }));
  if (!seriesList || seriesList.length === 0) throw new Error(`study ${studyUid} not found on ${url}`);
  const jobs: Array<{ seriesUid: string; sopUid: string; path: string }> = [];
  const result: ImportResult = { studyUid, studyDir, series: [], written: 0, existing: 0, errors: [], seconds: 0 };
  for (const s of seriesList) {
    opts.signal?.throwIfAborted();
    const seriesUid = checkUid(jsonString(s, '0020000E'), 'SeriesInstanceUID');
    const instances = await call(
      `QIDO-RS instances of series ${seriesUid}`,
      client.searchForInstances({ studyInstanceUID: studyUid, seriesInstanceUID: seriesUid }),
    );
    const dir = join(studyDir, seriesUid);
    result.series.push({ seriesUid, dir, instances: instances.length });
    for (const inst of instances) {
      const sopUid = checkUid(jsonString(inst, '00080018'), 'SOPInstanceUID');
      jobs.push({ seriesUid, sopUid, path: join(dir, `${sopUid}.dcm`) });
    }
  }
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      opts.signal?.throwIfAborted();
      const job = jobs[next++]!;
      try {
        const have = opts.overwrite ? null : await stat(job.path).catch(() => null);
        if (have && have.size > 132 && isPart10(new Uint8Array((await readFile(job.path)).subarray(0, 132 + 4)))) {
          result.existing++;
        } else {
          const got = await call(
            `WADO-RS instance ${job.sopUid}`,
            client.retrieveInstance({ studyInstanceUID: studyUid, seriesInstanceUID: job.seriesUid, sopInstanceUID: job.sopUid }),
          );
          const buf = Array.isArray(got) ? got[0] : got;
          if (!buf) throw new Error('empty WADO-RS response');
          const bytes = new Uint8Array(buf);
          if (!isPart10(bytes)) throw new Error('WADO-RS response is not a DICOM Part 10 file');
          await mkdir(join(studyDir, job.seriesUid), { recursive: true });
          await writeFileAtomic(job.path, bytes);
          result.written++;
        }
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        result.errors.push({ file: job.path, message: e instanceof Error ? e.message : String(e) });
      }
      done++;
      opts.onProgress?.(done, jobs.length, job.sopUid);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** STOW-RS: uploads DICOM files (multipart/related; type="application/dicom") to `url`. */
export async function storeFiles(url: string, files: string[], opts: DicomWebOptions = {}): Promise<void> {
  const client = dicomWebClient(url, opts);
  const datasets: ArrayBuffer[] = [];
  for (const f of files) {
    const b = await readFile(f);
    datasets.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  await call('STOW-RS', client.storeInstances({ datasets }));
}
