import { readFile, stat } from 'node:fs/promises';
import dicomParser from 'dicom-parser';
import type { DicomSeries } from './types.js';

/** One acquired slice of the source series, in the order of the series (sorted along the normal). */
export interface SourceSlice {
  sopInstanceUid: string;
  instanceNumber: number | null;
  /** ImagePositionPatient (LPS, mm). */
  position: [number, number, number];
}

/**
 * What a derived DICOM object (SEG, RTSTRUCT, SR) needs to reference the series a scan was converted
 * from: the patient/study modules to copy, the series/frame-of-reference UIDs and every slice's SOP
 * Instance UID with its position. Recorded in the sidecar (`Vista3D.source`) at conversion.
 */
export interface SourceSeriesRecord {
  version: 1;
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesUidSource: 'dicom' | 'fallback';
  frameOfReferenceUid: string;
  modality: string;
  seriesNumber: number | null;
  seriesDescription: string;
  /** Patient and study attributes copied verbatim into derived objects (DICOM keyword → value). */
  patient: { PatientName: string; PatientID: string; PatientBirthDate: string; PatientSex: string };
  study: {
    StudyDate: string;
    StudyTime: string;
    StudyID: string;
    AccessionNumber: string;
    ReferringPhysicianName: string;
    StudyDescription: string;
  };
  rows: number;
  columns: number;
  /** [row spacing, column spacing] mm (DICOM order). */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  slices: SourceSlice[];
}

function str(ds: ReturnType<typeof dicomParser.parseDicom>, tag: string): string {
  return (ds.string(tag) ?? '').trim();
}

/** Builds the record from a discovered series; reads the first slice's header for the patient/study modules. */
export async function sourceRecordOf(series: DicomSeries): Promise<SourceSeriesRecord> {
  const first = series.instances[0];
  let patient: SourceSeriesRecord['patient'] = { PatientName: series.patientName, PatientID: series.patientId, PatientBirthDate: '', PatientSex: '' };
  let study: SourceSeriesRecord['study'] = {
    StudyDate: series.studyDate,
    StudyTime: '',
    StudyID: '',
    AccessionNumber: '',
    ReferringPhysicianName: '',
    StudyDescription: series.studyDescription,
  };
  if (first) {
    const st = await stat(first.file);
    const bytes = new Uint8Array(await readFile(first.file)).subarray(0, Math.min(st.size, 1 << 20));
    try {
      const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
      patient = {
        PatientName: str(ds, 'x00100010'),
        PatientID: str(ds, 'x00100020'),
        PatientBirthDate: str(ds, 'x00100030'),
        PatientSex: str(ds, 'x00100040'),
      };
      study = {
        StudyDate: str(ds, 'x00080020'),
        StudyTime: str(ds, 'x00080030'),
        StudyID: str(ds, 'x00200010'),
        AccessionNumber: str(ds, 'x00080050'),
        ReferringPhysicianName: str(ds, 'x00080090'),
        StudyDescription: str(ds, 'x00081030'),
      };
    } catch {
      // headers already read by discovery; keep what it found (implicit-VR raw sets etc.)
    }
  }
  return {
    version: 1,
    sopClassUid: series.sopClassUid,
    studyInstanceUid: series.studyUid,
    seriesInstanceUid: series.seriesUid,
    seriesUidSource: series.seriesUidSource,
    frameOfReferenceUid: series.frameOfReferenceUid,
    modality: series.modality,
    seriesNumber: series.seriesNumber,
    seriesDescription: series.description,
    patient,
    study,
    rows: series.rows,
    columns: series.columns,
    pixelSpacing: series.pixelSpacing,
    sliceThickness: series.sliceThickness,
    imageOrientationPatient: series.instances.find((i) => i.imageOrientationPatient)?.imageOrientationPatient ?? null,
    slices: series.instances
      .filter((i) => i.imagePositionPatient)
      .map((i) => ({ sopInstanceUid: i.sopInstanceUid, instanceNumber: i.instanceNumber, position: i.imagePositionPatient! })),
  };
}

/** The source record of a converted scan from its sidecar (`<scan>.json`); null when the scan was converted before it was recorded. */
export async function readSourceRecord(sidecarPath: string): Promise<SourceSeriesRecord | null> {
  const json = JSON.parse(await readFile(sidecarPath, 'utf8')) as { Vista3D?: { source?: SourceSeriesRecord } };
  const src = json.Vista3D?.source;
  return src && src.version === 1 ? src : null;
}
