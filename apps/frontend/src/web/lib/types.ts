// Types of the frontend server's JSON API (apps/frontend/src/server). Pure types: shared by the web app and tests.

export type Rgb = [number, number, number];

export interface LabelDef {
  id: number;
  name: string;
  color: Rgb;
  group: string;
}

export interface LabelSetDef {
  name: string;
  description: string;
  labelIds: number[];
}

export interface LabelsResponse {
  labels: LabelDef[];
  labelSets: LabelSetDef[];
}

export interface BackendStatus {
  url: string;
  live: boolean;
  ready: boolean;
  engine?: string;
  version?: string;
  error?: string;
}

export interface ImageServerStatus {
  url: string;
  live: boolean;
  version?: string;
  error?: string;
}

export type JobType = 'convert' | 'segment' | 'mesh';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  type: JobType;
  status: JobStatus;
  progress: number;
  message: string;
  patient?: string;
  scan?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
  results: JobResult[];
  items: { total: number; done: number };
}

/** One item of a job (a patient for convert, a scan for segment and mesh). */
export interface JobResult {
  patient: string;
  scan?: string;
  status: 'succeeded' | 'failed' | 'skipped' | 'cancelled';
  output?: string;
  error?: { code: string; message: string };
  detail?: string;
}

export interface StatusResponse {
  backend: BackendStatus;
  imageServer: ImageServerStatus;
  counts: { patients: number; scans: number; segmentations: number };
  recentJobs: Job[];
}

export interface PatientSummary {
  id: string;
  scans: number;
  segmentations: number;
  hasDicom: boolean;
}

export interface SegmentLabel {
  id: number;
  name: string;
  color: Rgb;
  voxels: number;
  volumeMl: number;
  url: string;
}

export interface MeshInfo {
  labelId?: number;
  format: string;
  file?: string;
  sizeBytes?: number;
  url: string;
}

export interface ScanInfo {
  id: string;
  file: string;
  sizeBytes: number;
  dims: number[];
  spacing: number[];
  datatype: string;
  orientation: string;
  /** Conversion warnings (gantry tilt corrected, uneven gaps resampled, …). */
  warnings?: string[];
  imageUrl: string;
  /** `version`: the segmentation version the current files are. */
  segmentation: null | { url: string; labels: SegmentLabel[]; version?: number };
  meshes: MeshInfo[];
  /** The segmentation version the meshes were made from (stale when it differs). */
  meshesVersion?: number;
}

export interface DicomSeries {
  patient: string;
  [key: string]: unknown;
}

export interface JobRequest {
  type: JobType;
  patient?: string;
  scan?: string;
  classes?: number[];
  labelSet?: string;
  force?: boolean;
}

export interface InteractiveRequest {
  patient: string;
  scan: string;
  class: number | string;
  points: Array<[number, number, number]>;
  pointLabels: Array<0 | 1>;
}

export interface InteractiveResult {
  url: string;
  labelId: number;
  voxels: number;
  volumeMl: number;
}

export interface ApiErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
}
