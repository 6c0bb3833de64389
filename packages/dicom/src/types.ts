/** A problem with one file (unreadable, not DICOM, truncated, …). Never fatal for a batch. */
export interface FileError {
  file: string;
  message: string;
}

/** Slice positions projected on the slice normal (ImageOrientationPatient row × column). */
export interface SliceSpacingInfo {
  /** Distances between consecutive distinct slice positions, mm, sorted along the normal. */
  gaps: number[];
  min: number;
  max: number;
  median: number;
  /** All gaps equal within tolerance (max − min ≤ max(0.01 mm, 1 % of the median)). */
  uniform: boolean;
  /** Number of files sharing a position with another file (several acquisitions/echoes). */
  duplicatePositions: number;
}

/** One instance (file) of a series, as read from its header. */
export interface DicomInstance {
  file: string;
  sopInstanceUid: string;
  instanceNumber: number | null;
  imagePositionPatient: [number, number, number] | null;
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  transferSyntaxUid: string;
  /** File ends before the end of its Pixel Data element. */
  truncated: boolean;
}

export interface DicomSeries {
  /** First folder under the discovery root (the basename of the root for files directly in it). */
  patient: string;
  studyUid: string;
  /** SeriesInstanceUID, or `fallback.<hash>` of the fallback key when the files have none. */
  seriesUid: string;
  /** 'dicom': from (0020,000E); 'fallback': grouped by FALLBACK_KEY_DESCRIPTION. */
  seriesUidSource: 'dicom' | 'fallback';
  frameOfReferenceUid: string;
  seriesNumber: number | null;
  modality: string;
  description: string;
  sliceCount: number;
  rows: number;
  columns: number;
  /** [row spacing, column spacing] in mm (DICOM PixelSpacing order), or null when absent. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  imageType: string[];
  /** ImageType contains LOCALIZER (or the description says scout/topogram/localizer/surview). */
  isLocalizer: boolean;
  /** False for non-image objects (SEG, SR, RTSTRUCT, presentation states, PDFs, …). */
  isImage: boolean;
  sopClassUid: string;
  /** Human name of the SOP class when known ("CT Image Storage", "Segmentation Storage", …). */
  sopClassName: string;
  transferSyntaxUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  studyDescription: string;
  /** Distinct rescale slopes/intercepts over the slices (one value each for ordinary CT). */
  rescaleSlopes: number[];
  rescaleIntercepts: number[];
  /** Gantry/detector tilt in degrees (0 when absent). */
  gantryTilt: number;
  spacing: SliceSpacingInfo | null;
  /** Readable files of the series, sorted along the slice normal (or by instance number). */
  files: string[];
  instances: DicomInstance[];
  /** Per-file problems: truncated slices of this series and unreadable files in its folders. */
  errors: FileError[];
  /** Non-fatal findings (irregular spacing, mixed rescale, tilt, …). */
  warnings: string[];
}

export interface DiscoverOptions {
  /** Follow symbolic links to directories (default false: they are reported and skipped). */
  followSymlinks?: boolean;
  /** Files to skip by base name (default: DICOMDIR, .DS_Store, Thumbs.db, dotfiles). */
  ignore?: (name: string) => boolean;
  /** Maximum files parsed concurrently (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface DiscoveryResult {
  /** Every series (image and non-image), sorted by patient, study, series number, uid. */
  series: DicomSeries[];
  /** Every file that could not be read as DICOM (also attached to series in the same folder). */
  errors: FileError[];
  /** Files not read at all, with the reason (DICOMDIR, dotfiles, known non-DICOM extensions). */
  ignored: FileError[];
  /** Number of files found (read or ignored). */
  fileCount: number;
}
