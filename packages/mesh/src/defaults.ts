import type { SmoothingOptions } from './types.js';

export type MeshFormat = 'glb' | 'obj' | 'stl' | 'ply';
export const MESH_FORMATS: readonly MeshFormat[] = ['glb', 'obj', 'stl', 'ply'];

/**
 * The one set of defaults the CLI (`vista3d mesh`) and the web app's mesh job share: GLB (whole
 * segmentation, for 3D tools) + per-label binary STL (what the viewer loads), Taubin smoothing,
 * ≤ 20 000 triangles per label, σ 0.8 anti-aliasing, and a 2 GiB ceiling on what one export writes.
 */
export const MESH_DEFAULTS: {
  formats: readonly MeshFormat[];
  smoothing: Required<SmoothingOptions>;
  targetTriangles: number;
  blurSigma: number;
  maxBytes: number;
} = {
  formats: ['glb', 'stl'],
  smoothing: { iterations: 10, passBand: 0.1 },
  targetTriangles: 20_000,
  blurSigma: 0.8,
  maxBytes: 2 * 1024 ** 3,
};
