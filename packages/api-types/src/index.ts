// Types of the JSON the services and the web app exchange: declared once, imported by the servers,
// the worker, the job store and the web build. Types only and no imports: `import type` is erased
// by esbuild, so the browser bundle pulls in nothing, and the web tsconfig (DOM, no Node types)
// can check this file.

export type JobType = 'convert' | 'segment' | 'mesh';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobErrorInfo {
  code: string;
  message: string;
}

/** One item of a job (a patient for convert, a scan for segment and mesh). */
export interface JobResult {
  patient: string;
  scan?: string;
  status: 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  /** URL (under this origin) or folder of what was produced. */
  output?: string;
  error?: JobErrorInfo;
  /** Free-form details, e.g. number of labels or files. */
  detail?: string;
}

/** A job as the API shows it: `T` the job type, `R` one item's result. */
export interface JobView<T extends string = JobType, R = JobResult> {
  id: string;
  type: T;
  status: JobStatus;
  /** 0..1 */
  progress: number;
  message: string;
  patient?: string;
  scan?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: JobErrorInfo;
  results: R[];
  items: { total: number; done: number };
}

/** What the PostgreSQL queue adds to a job (the in-process queue has none of it). */
export interface JobQueueFields {
  priority: number;
  attempts: number;
  maxAttempts: number;
  workerId?: string;
  /** 1 = next to start among queued jobs of its type (ahead: higher priority, then older). */
  queuePosition?: number;
}

/** What the conversion sidecar says about a scan's study and series (absent fields unknown). */
export interface ScanMetadata {
  modality?: string;
  /** YYYY-MM-DD (StudyDate of the DICOM series, else the date of AcquisitionDateTime). */
  studyDate?: string;
  studyDescription?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  protocolName?: string;
  bodyPart?: string;
  /** mm, as acquired (may differ from the NIfTI spacing). */
  sliceThickness?: number;
  /** Reconstruction kernel (ConvolutionKernel). */
  kernel?: string;
  manufacturer?: string;
  model?: string;
  kvp?: number;
  convertedWith?: string;
}
