import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, symlink, utimes } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { join, resolve } from 'node:path';
import { readNifti, readNiftiHeader, writeFileAtomic, writeNifti } from '@vista3d/volume';
import type { Mat4, Vec3 } from '@vista3d/volume';
import { findDcm2niix, findOnPath, runDcm2niix } from './dcm2niix.js';
import { sourceRecordOf } from './source-record.js';
import { discoverDicom } from './discover.js';
import { decodeFiles, needsDecoding, transferSyntaxName } from './transfer-syntax.js';
import { axisSigns, planGeometry, resampleStack, stackGeometry } from './geometry.js';
import { scanName, uniqueScanName } from './naming.js';
import type { DicomSeries, DiscoverOptions, FileError } from './types.js';

/**
 * 'corrected' (default): a gantry-tilted (sheared) stack or one with uneven slice gaps is resampled
 * onto a regular orthogonal grid whose world positions match every slice's ImagePositionPatient.
 * 'raw': the acquired slices exactly as dcm2niix stacks them (research; warned as uncorrected).
 */
export type GeometryPolicy = 'corrected' | 'raw';

export interface ConvertSeriesOptions {
  /** Scan name (file stem); default `scanName(series)`. */
  scan?: string;
  /** Re-convert even when the output is up to date. */
  force?: boolean;
  /** Tilt correction and even-grid resampling (default 'corrected'); see GeometryPolicy. */
  geometry?: GeometryPolicy;
  /** Read the output back, check its grid and compute the HU range (default true). */
  verify?: boolean;
  /** dcm2niix binary (default `$DCM2NIIX_PATH` or `dcm2niix` on PATH). */
  dcm2niix?: string;
  /** Extra dcm2niix arguments placed before the input folder. */
  extraArgs?: string[];
  signal?: AbortSignal;
}

export interface ConversionResult {
  status: 'converted' | 'up-to-date';
  scan: string;
  patient: string;
  seriesUid: string;
  niftiPath: string;
  sidecarPath: string;
  /** Grid of the written NIfTI (read back; null when verify is off and the output was up to date). */
  dims: Vec3 | null;
  spacing: Vec3 | null;
  affine: Mat4 | null;
  /** NIfTI scl_slope/scl_inter and the DICOM RescaleSlope/Intercept they came from. */
  rescale: { slope: number; intercept: number } | null;
  dicomRescale: { slope: number; intercept: number } | null;
  /** Minimum and maximum physical value (HU for CT). */
  huRange: [number, number] | null;
  /** Other dcm2niix outputs not kept (e.g. `_Eq_1` for irregular spacing). */
  discardedVariants: string[];
  /** What was done to the geometry (null for an up-to-date output written before this was recorded). */
  geometry: GeometryReport | null;
  warnings: string[];
  seconds: number;
  converter: string;
}

export interface ConvertFolderOptions extends Omit<ConvertSeriesOptions, 'scan' | 'signal'> {
  /** Series with fewer slices are skipped (default 3). */
  minSlices?: number;
  /** Only these patients (first folder under the DICOM folder). */
  patients?: string[];
  /**
   * 'flat' (default): every series goes to `<niftiOutDir>/<scan>.nii.gz`.
   * 'patient': `<niftiOutDir>` is OUTPUT_FOLDER and series go to `<niftiOutDir>/<patient>/nifti/<scan>.nii.gz`.
   */
  layout?: 'flat' | 'patient';
  /** Also convert non-CT image series (MR, PT, …); default only CT. */
  allModalities?: boolean;
  discover?: Omit<DiscoverOptions, 'signal' | 'onProgress'>;
  onProgress?: (done: number, total: number, message: string) => void;
  signal?: AbortSignal;
}

export interface SeriesRef {
  patient: string;
  seriesUid: string;
  seriesNumber: number | null;
  description: string;
  modality: string;
  sliceCount: number;
}

export interface ConversionReport {
  converted: ConversionResult[];
  skipped: Array<{ series: SeriesRef; reason: string; result?: ConversionResult }>;
  failed: Array<{ series: SeriesRef; error: string }>;
  /** Files that are not readable DICOM (never fatal). */
  fileErrors: FileError[];
  /** Files not read at all, with the reason (DICOMDIR, dotfiles, known non-DICOM extensions). */
  ignoredFiles: FileError[];
  /** Warnings of all series (`<scan>: <warning>`). */
  warnings: string[];
  seconds: number;
}

export interface GeometryReport {
  policy: GeometryPolicy;
  /** Angle between stacking direction and slice normal (gantry tilt), degrees; 0 when not sheared. */
  tiltDeg: number;
  /** In-plane drift of the slice origin over the stack, mm (how far a raw stack is off). */
  shearMm: number;
  gapsMm: { min: number; max: number };
  uniformGaps: boolean;
  /** True when the output was resampled onto a regular grid (slices interpolated). */
  resampled: boolean;
  sourceSlices: number;
  outputSlices: number;
  outputGapMm: number | null;
}

interface SidecarStamp {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  fingerprint: string;
  sourceFiles: number;
  newestSourceMtimeMs: number;
  converter: string;
  geometry: GeometryPolicy;
  convertedAt: string;
}

export class ConversionError extends Error {
  constructor(
    message: string,
    readonly log?: string,
  ) {
    super(message);
    this.name = 'ConversionError';
  }
}

export function seriesRef(s: DicomSeries): SeriesRef {
  return {
    patient: s.patient,
    seriesUid: s.seriesUid,
    seriesNumber: s.seriesNumber,
    description: s.description,
    modality: s.modality,
    sliceCount: s.sliceCount,
  };
}

async function fingerprint(files: string[], policy: GeometryPolicy): Promise<{ hash: string; newest: number }> {
  const h = createHash('sha1').update(`v2\0${policy}\0`);
  let newest = 0;
  for (const f of files) {
    const st = await stat(f);
    newest = Math.max(newest, st.mtimeMs);
    h.update(`${resolve(f)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return { hash: h.digest('hex'), newest };
}

type StoredStamp = SidecarStamp & { warnings?: string[]; geometryReport?: GeometryReport };

async function readStamp(sidecar: string): Promise<StoredStamp | null> {
  try {
    const json = JSON.parse(await readFile(sidecar, 'utf8')) as { Vista3D?: StoredStamp };
    return json.Vista3D ?? null;
  } catch {
    return null;
  }
}

/** Series UID that owns `<dir>/<scan>.nii.gz` according to its sidecar (null: free or unknown). */
export async function scanOwner(dir: string, scan: string): Promise<string | null> {
  return (await readStamp(join(dir, `${scan}.json`)))?.seriesInstanceUid ?? null;
}

const VARIANT = /^(.*?)(_Eq_\d+|_Tilt_\d+|_ROI\d+|_e\d+|_i\d+|_c\d+|_t\d+|_ph|_real|_imaginary|_MoCo|_ADC|_trace|_Crop_\d+)*$/;

/** dcm2niix's main output: the acquired slices, unresampled (its _Tilt/_Eq variants are ours to redo exactly). */
function pickOutputs(files: string[], scan: string): { nii: string; json: string | null; others: string[] } {
  const niis = files.filter((f) => f.endsWith('.nii')).sort();
  if (niis.length === 0) throw new ConversionError('dcm2niix wrote no NIfTI');
  let nii = `${scan}.nii`;
  if (!niis.includes(nii)) {
    if (niis.length === 1) nii = niis[0]!;
    else throw new ConversionError(`dcm2niix split the series into ${niis.length} volumes (${niis.join(', ')}); none is the whole series`);
  }
  const stem = nii.slice(0, -'.nii'.length);
  const jsonCandidates = [`${stem}.json`, `${VARIANT.exec(stem)?.[1] ?? stem}.json`, `${scan}.json`];
  const json = jsonCandidates.find((j) => files.includes(j)) ?? null;
  return { nii, json, others: niis.filter((f) => f !== nii) };
}

/**
 * Converts one series with dcm2niix into `<niftiOutDir>/<scan>.nii.gz` + `<scan>.json` (dcm2niix's
 * BIDS sidecar plus a `Vista3D` stamp). dcm2niix runs on a temp folder of symlinks to only this
 * series' files, inside `niftiOutDir`; the outputs are renamed into place (NIfTI first, sidecar last,
 * the sidecar being the "done" marker), so a failure never leaves a partial file. Up-to-date outputs
 * (same files, sizes, mtimes, output newer than every input) are left alone unless `force`.
 */
export async function convertSeries(series: DicomSeries, niftiOutDir: string, opts: ConvertSeriesOptions = {}): Promise<ConversionResult> {
  const started = performance.now();
  const scan = opts.scan ?? scanName(series);
  const policy = opts.geometry ?? 'corrected';
  const outDir = resolve(niftiOutDir);
  const niftiPath = join(outDir, `${scan}.nii.gz`);
  const sidecarPath = join(outDir, `${scan}.json`);
  if (!series.isImage) throw new ConversionError(`${series.sopClassName} is not an image series`);
  if (series.files.length === 0) throw new ConversionError('no readable DICOM files in the series');
  const bin = opts.dcm2niix ?? findDcm2niix();
  if (!bin) throw new ConversionError('dcm2niix not found: install it (apt-get install dcm2niix) or set DCM2NIIX_PATH');
  const converter = `dcm2niix (${bin})`;
  const warnings = [...series.warnings];
  const dicomRescale =
    series.rescaleSlopes.length === 1 && series.rescaleIntercepts.length === 1
      ? { slope: series.rescaleSlopes[0]!, intercept: series.rescaleIntercepts[0]! }
      : null;
  const fp = await fingerprint(series.files, policy);

  const base = {
    scan,
    patient: series.patient,
    seriesUid: series.seriesUid,
    niftiPath,
    sidecarPath,
    dicomRescale,
    converter,
  };

  if (!opts.force) {
    const stamp = await readStamp(sidecarPath);
    const out = await stat(niftiPath).catch(() => null);
    if (stamp && out && stamp.fingerprint === fp.hash && stamp.seriesInstanceUid === series.seriesUid && out.mtimeMs >= fp.newest) {
      const res: ConversionResult = {
        ...base,
        status: 'up-to-date',
        dims: null,
        spacing: null,
        affine: null,
        rescale: null,
        huRange: null,
        discardedVariants: [],
        geometry: stamp.geometryReport ?? null,
        warnings: stamp.warnings ?? warnings,
        seconds: (performance.now() - started) / 1000,
      };
      const h = await readNiftiHeader(niftiPath).catch(() => null);
      if (h) Object.assign(res, { dims: h.dims, spacing: h.spacing, affine: h.affine, rescale: { slope: h.scl.slope || 1, intercept: h.scl.inter } });
      return res;
    }
  }

  await mkdir(outDir, { recursive: true });
  const tmp = await mkdtemp(join(outDir, `.convert-${scan}-`));
  try {
    const inDir = join(tmp, 'in');
    const outTmp = join(tmp, 'out');
    await mkdir(inDir);
    await mkdir(outTmp);
    let k = 0;
    const decode: Array<{ src: string; dst: string; syntax: string }> = [];
    for (const inst of series.instances) {
      const dst = join(inDir, `${String(++k).padStart(6, '0')}.dcm`);
      if (needsDecoding(inst.transferSyntaxUid)) decode.push({ src: resolve(inst.file), dst, syntax: inst.transferSyntaxUid });
      else await symlink(resolve(inst.file), dst);
    }
    try {
      await decodeFiles(decode, opts.signal);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      throw new ConversionError(messageOf(e));
    }
    if (decode.length > 0) warnings.push(`${decode.length} file(s) in ${transferSyntaxName(decode[0]!.syntax)} decoded with gdcmconv before dcm2niix`);
    // Uncompressed output: verification and geometry fixes read it without a gunzip, then it is
    // compressed once (pigz when installed, as dcm2niix itself would) on its way into place.
    const args = ['-z', 'n', '-b', 'y', '-ba', 'y', '-f', scan, ...(opts.extraArgs ?? []), '-o', outTmp, inDir];
    const run = await runDcm2niix(bin, args, opts.signal);
    const log = `${run.stdout}${run.stderr}`;
    const produced = await readdir(outTmp);
    if (run.code !== 0 && !produced.some((f) => f.endsWith('.nii'))) {
      const why = log.split('\n').filter((l) => /error|warning|unable|unsupported/i.test(l)).slice(-3).join(' | ');
      throw new ConversionError(`dcm2niix failed (exit ${run.code})${why ? `: ${why}` : ''}`, log);
    }
    if (run.code !== 0) warnings.push(`dcm2niix exit code ${run.code}`);
    for (const line of log.split('\n')) {
      const m = /^Warning: (.*)$/.exec(line.trim());
      // vendor tuning matters for MR/diffusion, not for CT voxels: not worth a warning on the scan
      if (m && /Unable to determine manufacturer/.test(m[1]!)) continue;
      if (m && !warnings.some((w) => w.includes(m[1]!))) warnings.push(`dcm2niix: ${m[1]}`);
    }
    const picked = pickOutputs(produced, scan);
    const sidecarJson: Record<string, unknown> = picked.json
      ? (JSON.parse(await readFile(join(outTmp, picked.json), 'utf8')) as Record<string, unknown>)
      : {};
    const geometry = await fixGeometry(join(outTmp, picked.nii), series, policy, warnings);
    const checked = opts.verify ?? true ? await verifyOutput(join(outTmp, picked.nii), series, warnings, geometry) : null;
    const stamp: SidecarStamp = {
      seriesInstanceUid: series.seriesUid,
      studyInstanceUid: series.studyUid,
      fingerprint: fp.hash,
      sourceFiles: series.files.length,
      newestSourceMtimeMs: fp.newest,
      converter,
      geometry: policy,
      convertedAt: new Date().toISOString(),
    };
    // study/series facts dcm2niix leaves out of its BIDS sidecar (dates, study description), for the scan cards
    const seriesFacts = { modality: series.modality, studyDate: series.studyDate, studyDescription: series.studyDescription, description: series.description, seriesNumber: series.seriesNumber, sliceThickness: series.sliceThickness };
    sidecarJson.Vista3D = { ...stamp, series: seriesFacts, warnings, geometryReport: geometry, discardedVariants: picked.others, source: await sourceRecordOf(series) };
    // Invalidate the old stamp first, then NIfTI, then the new sidecar (the completion marker).
    await rm(sidecarPath, { force: true });
    const gz = join(outTmp, `${picked.nii}.gz`);
    await gzipFile(join(outTmp, picked.nii), gz, opts.signal);
    // pigz copies the (second-truncated) mtime of the .nii; stamp the output as written now.
    const now = new Date();
    await utimes(gz, now, now);
    await rename(gz, niftiPath);
    await writeFileAtomic(sidecarPath, Buffer.from(`${JSON.stringify(sidecarJson, null, 2)}\n`));
    return {
      ...base,
      status: 'converted',
      dims: checked?.dims ?? null,
      spacing: checked?.spacing ?? null,
      affine: checked?.affine ?? null,
      rescale: checked?.rescale ?? null,
      huRange: checked?.huRange ?? null,
      discardedVariants: picked.others,
      geometry,
      warnings,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

let pigz: string | null | undefined;
const GZIP_LEVEL = 3;

/**
 * gzip `src` into `dst`: pigz (all cores, as dcm2niix uses it) when installed, else zlib. Level 3:
 * about twice as fast as dcm2niix's default 6 for files ~3 % larger (CT noise does not compress).
 */
async function gzipFile(src: string, dst: string, signal?: AbortSignal): Promise<void> {
  if (pigz === undefined) pigz = findOnPath('pigz');
  if (pigz) {
    const out = await open(dst, 'w');
    try {
      const code = await new Promise<number>((res, rej) => {
        const child = spawn(pigz!, [`-${GZIP_LEVEL}`, '-n', '-c', src], { stdio: ['ignore', out.fd, 'pipe'], signal });
        child.on('error', rej);
        child.on('close', (c) => res(c ?? 1));
      });
      if (code !== 0) throw new ConversionError(`pigz failed (exit ${code}) compressing the NIfTI`);
    } finally {
      await out.close();
    }
    return;
  }
  await pipeline(createReadStream(src), createGzip({ level: GZIP_LEVEL }), createWriteStream(dst), { signal });
}

const fmt = (v: number): string => String(Number(v.toFixed(2)));

/**
 * Puts a tilted or unevenly spaced stack on a regular grid (policy 'corrected'), rewriting `path`;
 * with 'raw' it only reports how far off the raw stack is. Null when the series has no per-slice
 * geometry (e.g. one multi-frame file: dcm2niix's own geometry stands).
 */
async function fixGeometry(path: string, series: DicomSeries, policy: GeometryPolicy, warnings: string[]): Promise<GeometryReport | null> {
  if (series.instances.length < 2 || !series.pixelSpacing) return null;
  const g = stackGeometry(series.instances, series.pixelSpacing, series.rows, series.columns);
  const plan = g ? planGeometry(g) : null;
  if (!g || !plan) return null;
  const report: GeometryReport = {
    policy,
    tiltDeg: plan.shearMm > 0 && plan.needsResampling ? Number(plan.tiltDeg.toFixed(3)) : 0,
    shearMm: Number(plan.shearMm.toFixed(3)),
    gapsMm: { min: Math.min(...plan.gaps), max: Math.max(...plan.gaps) },
    uniformGaps: plan.uniformGaps,
    resampled: false,
    sourceSlices: g.slices.length,
    outputSlices: g.slices.length,
    outputGapMm: plan.uniformGaps ? plan.gap : null,
  };
  if (!plan.needsResampling) return report;
  const sheared = report.tiltDeg > 0;
  if (policy === 'raw') {
    if (sheared) warnings.push(`gantry tilt ${fmt(report.tiltDeg)}° NOT corrected (raw stack kept): voxel positions are off by up to ${fmt(plan.shearMm)} mm`);
    if (!plan.uniformGaps) warnings.push(`uneven slice gaps ${fmt(report.gapsMm.min)}…${fmt(report.gapsMm.max)} mm NOT resampled (raw stack kept): the NIfTI's single slice spacing is wrong for some gaps`);
    return report;
  }
  const raw = await readNifti(path);
  const signs = axisSigns(raw.affine, g);
  let min = Infinity;
  for (let q = 0; q < raw.data.length; q++) if (raw.data[q]! < min) min = raw.data[q]!;
  const fixed = resampleStack(raw, g, plan, signs, Number.isFinite(min) ? min : 0);
  await writeNifti(path, fixed, { gzip: false });
  Object.assign(report, { resampled: true, outputSlices: plan.dims[2], outputGapMm: Number(plan.gap.toFixed(5)) });
  if (sheared) {
    warnings.push(
      `gantry tilt ${fmt(report.tiltDeg)}° corrected: slices shifted in-plane by up to ${fmt(plan.shearMm)} mm onto an orthogonal ` +
        `${plan.dims[0]}×${plan.dims[1]} grid (interpolated; use the raw geometry option for the acquired stack)`,
    );
  }
  if (!plan.uniformGaps) {
    warnings.push(
      `uneven slice gaps ${fmt(report.gapsMm.min)}…${fmt(report.gapsMm.max)} mm resampled to an even ${fmt(plan.gap)} mm grid ` +
        `(${plan.dims[2]} slices from ${g.slices.length} acquired; the slices between them are interpolated)`,
    );
  }
  return report;
}

async function verifyOutput(
  path: string,
  series: DicomSeries,
  warnings: string[],
  geometry: GeometryReport | null,
): Promise<Pick<ConversionResult, 'dims' | 'spacing' | 'affine' | 'rescale' | 'huRange'>> {
  const vol = await readNifti(path);
  const { slope, inter } = vol.scl;
  let lo = Infinity;
  let hi = -Infinity;
  const d = vol.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const s = slope === 0 ? 1 : slope;
  const a = lo * s + inter;
  const b = hi * s + inter;
  const huRange: [number, number] = [Math.min(a, b), Math.max(a, b)];
  const multiframe = series.files.length === 1 && series.sliceCount > 1;
  if (!geometry?.resampled && (vol.dims[0] !== series.columns || vol.dims[1] !== series.rows)) {
    warnings.push(`output grid ${vol.dims.join('×')} does not match ${series.columns}×${series.rows} pixels`);
  } else if (!multiframe && vol.dims[2] * vol.frames !== (geometry?.outputSlices ?? series.files.length)) {
    warnings.push(`output has ${vol.dims[2] * vol.frames} slices, expected ${geometry?.outputSlices ?? series.files.length}`);
  }
  if (series.rescaleSlopes.length === 1 && series.rescaleIntercepts.length === 1 && vol.datatype !== 'float32' && vol.datatype !== 'float64') {
    const ds = series.rescaleSlopes[0]!;
    const di = series.rescaleIntercepts[0]!;
    if (Math.abs(s - ds) > 1e-4 * Math.max(1, Math.abs(ds)) || Math.abs(inter - di) > 1e-3) {
      warnings.push(`NIfTI scaling ${s}/${inter} differs from DICOM rescale ${ds}/${di}`);
    }
  }
  if (series.modality === 'CT' && (huRange[0] < -4096 || huRange[1] > 40000)) {
    warnings.push(`HU range ${huRange[0]}…${huRange[1]} is outside the plausible CT range −4096…40000`);
  }
  return { dims: vol.dims, spacing: vol.spacing, affine: vol.affine, rescale: { slope: s, intercept: inter }, huRange };
}

function eligibility(s: DicomSeries, opts: ConvertFolderOptions): string | null {
  if (!s.isImage) return `not an image series (${s.sopClassName})`;
  if (!opts.allModalities && s.modality !== 'CT') return `modality ${s.modality || 'unknown'} is not CT`;
  if (s.isLocalizer) return 'localizer/scout';
  if (s.files.length === 0) return 'no readable files';
  const min = opts.minSlices ?? 3;
  if (s.sliceCount < min) return `${s.sliceCount} slice(s), fewer than ${min}`;
  return null;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Discovers every series under `dicomDir` and converts each eligible one (CT, image, not a
 * localizer, ≥ minSlices) with convertSeries. Per-series failures are collected, never thrown;
 * only a missing DICOM folder or an abort rejects.
 */
export async function convertDicomFolder(dicomDir: string, niftiOutDir: string, opts: ConvertFolderOptions = {}): Promise<ConversionReport> {
  const started = performance.now();
  const found = await discoverDicom(dicomDir, {
    ...opts.discover,
    signal: opts.signal,
    onProgress: (d, t) => opts.onProgress?.(0, 0, `reading headers ${d}/${t}`),
  });
  const report: ConversionReport = { converted: [], skipped: [], failed: [], fileErrors: found.errors, ignoredFiles: found.ignored, warnings: [], seconds: 0 };
  const layout = opts.layout ?? 'flat';
  const outFor = (s: DicomSeries): string => (layout === 'patient' ? join(niftiOutDir, s.patient, 'nifti') : niftiOutDir);
  const wanted = found.series.filter((s) => !opts.patients || opts.patients.includes(s.patient));
  const todo: DicomSeries[] = [];
  for (const s of wanted) {
    const why = eligibility(s, opts);
    if (why) report.skipped.push({ series: seriesRef(s), reason: why });
    else todo.push(s);
  }
  // Names: readable, unless two series of one output folder share it or another series owns it on disk.
  const counts = new Map<string, number>();
  for (const s of todo) {
    const k = `${outFor(s)}\0${scanName(s)}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let done = 0;
  opts.onProgress?.(0, todo.length, `${todo.length} series to convert`);
  for (const s of todo) {
    opts.signal?.throwIfAborted();
    const dir = outFor(s);
    let scan = scanName(s);
    if ((counts.get(`${dir}\0${scan}`) ?? 0) > 1) scan = uniqueScanName(s);
    else {
      const owner = await scanOwner(dir, scan);
      if (owner && owner !== s.seriesUid) scan = uniqueScanName(s);
    }
    opts.onProgress?.(done, todo.length, `converting ${s.patient}/${scan}`);
    try {
      const res = await convertSeries(s, dir, { ...opts, scan, signal: opts.signal });
      for (const w of res.warnings) report.warnings.push(`${s.patient}/${scan}: ${w}`);
      if (res.status === 'up-to-date') report.skipped.push({ series: seriesRef(s), reason: 'up to date', result: res });
      else report.converted.push(res);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      report.failed.push({ series: seriesRef(s), error: messageOf(e) });
    }
    done++;
    opts.onProgress?.(done, todo.length, `${s.patient}/${scan}`);
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
