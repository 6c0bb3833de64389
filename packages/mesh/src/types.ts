import type { Rgb } from '@vista3d/labels';

/** An indexed triangle mesh: xyz per vertex, three vertex indices per triangle (counter-clockwise = outward). */
export interface MeshData {
  positions: Float32Array;
  indices: Uint32Array;
}

/** The surface of one label, in world RAS millimetres. */
export interface LabelMesh extends MeshData {
  labelId: number;
  name: string;
  color: Rgb;
  /** Area-weighted, outward unit vertex normals (xyz per vertex). */
  normals?: Float32Array;
}

export interface SmoothingOptions {
  /** Taubin λ/μ iterations (one λ step plus one μ step each); 0 turns smoothing off. */
  iterations: number;
  /** Taubin pass-band frequency k_PB (0 < k_PB < 1; typical 0.1). Smaller smooths more. Default 0.1. */
  passBand?: number;
}

export interface ExtractOptions {
  /**
   * Anti-aliasing Gaussian σ in voxels applied to the binary mask before the iso-surface at 0.5.
   * Voxel samples keep their inside/outside class (the blurred field is clamped), so topology equals
   * the binary mask's while vertices move off the voxel staircase. 0 = plain binary mask. Default 0.8.
   */
  blurSigma?: number;
  smoothing?: SmoothingOptions;
  /** Decimate each label to at most this many triangles (quadric edge collapse). */
  targetTriangles?: number;
  /** Compute vertex normals (default true). */
  normals?: boolean;
}

export interface ExtractMeshesOptions extends ExtractOptions {
  /** Label ids to extract; default every non-zero value present in the volume. */
  labels?: number[];
  onProgress?: (progress: { done: number; total: number; labelId: number }) => void;
  signal?: AbortSignal;
}
