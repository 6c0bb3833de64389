import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverSeries, readSourceRecord, sourceRecordOf } from '@vista3d/dicom';
import type { SourceSeriesRecord } from '@vista3d/dicom';
import { readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import type { AlgorithmInfo, SegmentationProvenance } from './common.js';
import { ExportError } from './common.js';
import { writeRtStruct } from './rtstruct.js';
import { writeSeg } from './seg.js';
import { writeMeasurementReport } from './sr.js';
import { segmentationStatistics, statisticsCsv } from './stats.js';

export const EXPORT_FORMATS = ['seg', 'rtstruct', 'stats', 'stats-csv', 'sr'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const DEFAULT_ALGORITHM: AlgorithmInfo = { type: 'AUTOMATIC', engine: 'VISTA3D', version: 'unspecified' };

export interface ScanRef {
  /** OUTPUT_FOLDER */
  root: string;
  patient: string;
  scan: string;
  /** DICOM_FOLDER: finds the source series when the scan was converted before sources were recorded. */
  dicomFolder?: string;
  /** A segmentation other than the current `voxels/<scan>/all.nii.gz` (e.g. a stored version). */
  labelsPath?: string;
}

export interface LoadedScan {
  labels: Volume;
  ct: Volume | null;
  source: SourceSeriesRecord | null;
}

const safe = (s: string): boolean => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s) && !s.includes('..');

/** Reads the label map, the CT and the recorded source series of a scan (I/O edge of the exporters). */
export async function loadScan(ref: ScanRef, opts: { needCt?: boolean; needSource?: boolean } = {}): Promise<LoadedScan> {
  if (!safe(ref.patient) || !safe(ref.scan)) throw new ExportError('patient and scan must be plain names', 'BAD_INPUT');
  const niftiDir = join(ref.root, ref.patient, 'nifti');
  const labelsPath = ref.labelsPath ?? join(ref.root, ref.patient, 'voxels', ref.scan, 'all.nii.gz');
  const labels = await readNifti(labelsPath).catch((e: unknown) => {
    throw new ExportError(`no segmentation for ${ref.patient}/${ref.scan} (${labelsPath}): ${(e as Error).message}`, 'BAD_INPUT');
  });
  let ct: Volume | null = null;
  if (opts.needCt) {
    ct = await readNifti(join(niftiDir, `${ref.scan}.nii.gz`)).catch(() => null);
    if (ct && (ct.dims[0] !== labels.dims[0] || ct.dims[1] !== labels.dims[1] || ct.dims[2] !== labels.dims[2])) {
      throw new ExportError(`segmentation grid ${labels.dims.join('×')} differs from the CT's ${ct.dims.join('×')}`, 'GRID');
    }
  }
  let source: SourceSeriesRecord | null = null;
  if (opts.needSource) source = await findSource(join(niftiDir, `${ref.scan}.json`), ref);
  return { labels, ct, source };
}

async function findSource(sidecar: string, ref: ScanRef): Promise<SourceSeriesRecord> {
  let json: { Vista3D?: { seriesInstanceUid?: string } };
  try {
    json = JSON.parse(await readFile(sidecar, 'utf8')) as typeof json;
  } catch {
    throw new ExportError(`scan ${ref.patient}/${ref.scan} has no conversion sidecar: it did not come from DICOM`, 'NO_SOURCE');
  }
  const recorded = await readSourceRecord(sidecar);
  if (recorded) return recorded;
  const uid = json.Vista3D?.seriesInstanceUid;
  if (!uid) throw new ExportError(`scan ${ref.patient}/${ref.scan} was not converted from DICOM by the platform`, 'NO_SOURCE');
  if (ref.dicomFolder) {
    const series = await discoverSeries(join(ref.dicomFolder, ref.patient)).catch(() => []);
    const hit = series.find((s) => s.seriesUid === uid);
    if (hit) return sourceRecordOf(hit);
  }
  throw new ExportError(
    `scan ${ref.patient}/${ref.scan} was converted before source slices were recorded and series ${uid} is not in the DICOM folder: reconvert it (vista3d convert --force) or give the DICOM folder`,
    'NO_SOURCE',
  );
}

export interface ExportOutput {
  format: ExportFormat;
  contentType: string;
  fileName: string;
  /** The object as chunks (a SEG is streamed); collect() for one buffer. */
  chunks: AsyncIterable<Uint8Array>;
  summary: Record<string, unknown>;
}

/** One export of a scan's segmentation in the given format. */
export async function exportScan(ref: ScanRef, format: ExportFormat, opts: { algorithm?: AlgorithmInfo; provenance?: SegmentationProvenance; labelIds?: number[] } = {}): Promise<ExportOutput> {
  const algorithm = opts.algorithm ?? DEFAULT_ALGORITHM;
  const dicom = format === 'seg' || format === 'rtstruct';
  const scan = await loadScan(ref, { needCt: !dicom, needSource: dicom || format === 'sr' });
  const stem = `${ref.patient}_${ref.scan}${opts.provenance?.version ? `_${opts.provenance.version.replace(/[^A-Za-z0-9_.-]/g, '_')}` : ''}`;
  const once = (b: Uint8Array): AsyncIterable<Uint8Array> =>
    (async function* one() {
      yield b;
    })();
  if (format === 'seg') {
    const { result, chunks } = writeSeg({ labels: scan.labels, source: scan.source!, algorithm, provenance: opts.provenance, labelIds: opts.labelIds });
    return { format, contentType: 'application/dicom', fileName: `${stem}_seg.dcm`, chunks, summary: { ...result } };
  }
  if (format === 'rtstruct') {
    const { bytes, ...result } = writeRtStruct({ labels: scan.labels, source: scan.source!, algorithm, provenance: opts.provenance, labelIds: opts.labelIds });
    return { format, contentType: 'application/dicom', fileName: `${stem}_rtstruct.dcm`, chunks: once(bytes), summary: { ...result, bytes: bytes.length } };
  }
  const report = segmentationStatistics(scan.labels, scan.ct, opts.provenance);
  if (format === 'sr') {
    const { bytes, ...result } = writeMeasurementReport({ report, source: scan.source!, algorithm, provenance: opts.provenance });
    return { format, contentType: 'application/dicom', fileName: `${stem}_sr.dcm`, chunks: once(bytes), summary: { ...result, labels: report.labels.length, bytes: bytes.length } };
  }
  if (format === 'stats-csv') {
    return { format, contentType: 'text/csv; charset=utf-8', fileName: `${stem}_stats.csv`, chunks: once(Buffer.from(statisticsCsv(report))), summary: { labels: report.labels.length } };
  }
  return { format, contentType: 'application/json', fileName: `${stem}_stats.json`, chunks: once(Buffer.from(`${JSON.stringify(report, null, 2)}\n`)), summary: { labels: report.labels.length } };
}

