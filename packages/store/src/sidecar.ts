// What the conversion sidecar (`<scan>.json`: dcm2niix's BIDS fields plus our `Vista3D` stamp) says
// about a scan's study and series, for the scan cards and the viewer. Unknown or odd values are dropped.
import { readFile } from 'node:fs/promises';
import type { ScanMetadata } from '@vista3d/api-types';

export type { ScanMetadata };

export interface Sidecar {
  /** Conversion warnings (`Vista3D.warnings`). */
  warnings: string[];
  metadata: ScanMetadata;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length ? v.join('\\').slice(0, 200) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** DICOM DA (YYYYMMDD) or an ISO date-time → YYYY-MM-DD. */
export function isoDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(v.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** Pure: the metadata of a parsed sidecar. */
export function sidecarMetadata(json: Record<string, unknown>): Sidecar {
  const stamp = (json.Vista3D && typeof json.Vista3D === 'object' ? json.Vista3D : {}) as Record<string, unknown>;
  const series = (stamp.series && typeof stamp.series === 'object' ? stamp.series : {}) as Record<string, unknown>;
  const w = stamp.warnings;
  const software = text(json.ConversionSoftware);
  const md: ScanMetadata = {
    modality: text(json.Modality) ?? text(series.modality),
    studyDate: isoDate(series.studyDate) ?? isoDate(json.StudyDate) ?? isoDate(json.AcquisitionDateTime) ?? isoDate(json.AcquisitionDate),
    studyDescription: text(series.studyDescription) ?? text(json.StudyDescription),
    seriesDescription: text(json.SeriesDescription) ?? text(series.description),
    seriesNumber: num(json.SeriesNumber) ?? num(series.seriesNumber),
    protocolName: text(json.ProtocolName),
    bodyPart: text(json.BodyPartExamined),
    sliceThickness: num(json.SliceThickness) ?? num(series.sliceThickness),
    kernel: text(json.ConvolutionKernel),
    manufacturer: text(json.Manufacturer),
    model: text(json.ManufacturersModelName),
    kvp: num(json.KVP),
    convertedWith: software ? `${software}${text(json.ConversionSoftwareVersion) ? ` ${text(json.ConversionSoftwareVersion)}` : ''}` : undefined,
  };
  for (const k of Object.keys(md) as Array<keyof ScanMetadata>) if (md[k] === undefined) delete md[k];
  return { warnings: Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [], metadata: md };
}

/** The sidecar next to a CT (`<scan>.nii.gz` → `<scan>.json`); empty when absent or unreadable. */
export async function readSidecar(ctPath: string): Promise<Sidecar> {
  try {
    const json: unknown = JSON.parse(await readFile(ctPath.replace(/\.nii(\.gz)?$/, '.json'), 'utf8'));
    return json && typeof json === 'object' && !Array.isArray(json) ? sidecarMetadata(json as Record<string, unknown>) : { warnings: [], metadata: {} };
  } catch {
    return { warnings: [], metadata: {} };
  }
}
