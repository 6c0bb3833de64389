import type { SourceSeriesRecord } from '@vista3d/dicom';
import type { CodedConcept, Rgb } from '@vista3d/labels';
import type { LabelMap } from './presence.js';

/** Who made the segmentation: DICOM Segment Algorithm Type plus what the platform knows of the engine. */
export interface AlgorithmInfo {
  type: 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';
  /** Engine, e.g. "VISTA3D NIM" or "Vista3D CPU engine". */
  engine: string;
  /** Model name/card, e.g. "vista3d" (optional). */
  model?: string;
  version: string;
}

/**
 * Which segmentation this is (the store's segmentation versions are being added: pass the version id
 * and provenance line here; the current segmentation is exported when absent).
 */
export interface SegmentationProvenance {
  version?: string;
  description?: string;
}

export class ExportError extends Error {
  constructor(
    message: string,
    readonly code: 'NO_SOURCE' | 'EMPTY' | 'UNKNOWN_LABEL' | 'GRID' | 'BAD_INPUT',
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

export const codeItem = (c: CodedConcept): Record<string, string> => ({
  CodeValue: c.value,
  CodingSchemeDesignator: c.scheme,
  CodeMeaning: c.meaning,
});

export const DCM = (value: string, meaning: string): CodedConcept => ({ scheme: 'DCM', value, meaning });

/** Patient, General Study and Frame of Reference attributes copied from the source series. */
export function sourceModules(src: SourceSeriesRecord): Record<string, unknown> {
  if (src.seriesUidSource !== 'dicom' || !/^[0-9.]+$/.test(src.seriesInstanceUid) || !/^[0-9.]+$/.test(src.studyInstanceUid)) {
    throw new ExportError('the source series has no Study/Series Instance UID (grouped by the fallback key): a derived object cannot reference it', 'NO_SOURCE');
  }
  return {
    PatientName: src.patient.PatientName,
    PatientID: src.patient.PatientID,
    PatientBirthDate: src.patient.PatientBirthDate,
    PatientSex: src.patient.PatientSex,
    StudyInstanceUID: src.studyInstanceUid,
    StudyDate: src.study.StudyDate,
    StudyTime: src.study.StudyTime,
    StudyID: src.study.StudyID,
    AccessionNumber: src.study.AccessionNumber,
    ReferringPhysicianName: src.study.ReferringPhysicianName,
    StudyDescription: src.study.StudyDescription,
  };
}

export const MANUFACTURER = 'Vista3D Platform';
export const SOFTWARE_VERSION = '1.1.0';

/** sRGB (0–255) → DICOM Recommended Display CIELab Value (L*a*b* scaled to 0–65535, D65). */
export function rgbToDicomLab(rgb: Rgb): [number, number, number] {
  const lin = (v: number): number => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = [lin(rgb[0]), lin(rgb[1]), lin(rgb[2])];
  const x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
  const y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (t * 24389) / 27 / 116 + 16 / 116);
  const L = 116 * f(y) - 16;
  const A = 500 * (f(x) - f(y));
  const B = 200 * (f(y) - f(z));
  const clamp = (v: number): number => Math.max(0, Math.min(65535, Math.round(v)));
  return [clamp((L * 65535) / 100), clamp(((A + 128) * 65535) / 255), clamp(((B + 128) * 65535) / 255)];
}

/** Truncates a value to a VR's maximum length (LO 64, SH 16, CS 16). */
export const fit = (s: string, max: number): string => (s.length <= max ? s : s.slice(0, max));

/** What every object derived from a source series (SEG, RTSTRUCT) is written from. */
export interface DerivedSeriesOptions {
  labels: LabelMap;
  source: SourceSeriesRecord;
  algorithm: AlgorithmInfo;
  provenance?: SegmentationProvenance;
  /** Only these label ids (default: every label present). */
  labelIds?: number[];
  seriesNumber?: number;
  seriesDescription?: string;
  /** Fixed UIDs/time for reproducible output (tests); fresh ones by default. */
  sopInstanceUid?: string;
  seriesInstanceUid?: string;
  now?: Date;
}
