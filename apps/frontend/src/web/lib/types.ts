// Types of the frontend server's JSON API (apps/frontend/src/server). Pure types: shared by the web app and tests.
// Those the servers declare too come from @vista3d/api-types (type-only imports: erased from the bundle).
import type { JobResult, JobStatus, JobType, JobView, ScanMetadata } from '@vista3d/api-types';

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

export type { JobResult, JobStatus, JobType, ScanMetadata };
export type Job = JobView<JobType, JobResult>;

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
  /** Study/series facts from the conversion sidecar (absent fields unknown, e.g. a NIfTI upload). */
  metadata?: ScanMetadata;
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

export type Role = 'viewer' | 'annotator' | 'admin';

export interface SessionInfo {
  mode: 'local' | 'oidc' | 'off';
  user: { username: string; role: Role; source: 'local' | 'oidc'; displayName?: string } | null;
  csrfToken?: string;
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface UserInfo {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  disabled: boolean;
  source: 'local' | 'oidc';
  createdAt: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  resource?: string;
  patient?: string;
  scan?: string;
  outcome: string;
  status?: number;
  ip?: string;
}
