import type { Vec3, Volume } from '@vista3d/volume';

/** Point prompts for one class: voxel coordinates [x, y, z] in the input grid; label 1 = inside, 0 = outside. */
export interface PointPrompt {
  classId: number;
  points: Vec3[];
  pointLabels: Array<0 | 1>;
}

export interface SegmentationRequest {
  /** VISTA3D ids to segment automatically; undefined = everything the engine segments automatically. */
  classes?: number[];
  points?: PointPrompt[];
  signal?: AbortSignal;
  /** fraction 0..1 and a short stage name ("lungs", "sliding window 3/40", ...). */
  onProgress?: (fraction: number, stage: string) => void;
}

export interface EngineInfo {
  name: string;
  version: string;
  /** Class ids produced without prompts. */
  automaticClasses: readonly number[];
  supportsPoints: boolean;
  /** Classes that accept point prompts: 'any' class id, or a list. */
  pointClasses: 'any' | readonly number[];
  description: string;
}

/**
 * A segmentation engine: CT volume in (HU = raw·scl.slope + scl.inter), label map out on the
 * same grid and affine, voxel values VISTA3D ids (0 = background).
 */
export interface SegmentationEngine {
  readonly info: EngineInfo;
  /** Resolves once the engine can serve (models loaded). */
  ready(): Promise<void>;
  segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>>;
  dispose(): Promise<void>;
}

export type EngineConfig =
  | { kind: 'cpu' }
  | {
      kind: 'onnx';
      /** Path to the .onnx model file. */
      modelPath: string;
      /** Path to the model card JSON; default: model path with .json instead of .onnx. */
      cardPath?: string;
      /** Execution providers in order of preference, e.g. ['cuda', 'cpu']. */
      executionProviders?: Array<'cpu' | 'cuda'>;
    };

/** A request the engine cannot serve (unknown class, point outside volume...): becomes HTTP 4xx. */
export class SegmentationInputError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SegmentationInputError';
    this.code = code;
  }
}
