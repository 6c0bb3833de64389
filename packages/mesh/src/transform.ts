import type { Mat4 } from '@vista3d/volume';
import type { MeshData } from './types.js';

export function affineDeterminant(a: Mat4): number {
  return (
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
  );
}

/**
 * Maps voxel-coordinate positions through the voxel→RAS affine. A mirroring affine (negative
 * determinant) would turn outward normals inward, so triangle winding is reversed then.
 */
export function transformMesh(mesh: MeshData, affine: Mat4): MeshData {
  const p = mesh.positions;
  const out = new Float32Array(p.length);
  const [r0, r1, r2] = affine;
  for (let i = 0; i < p.length; i += 3) {
    const x = p[i], y = p[i + 1], z = p[i + 2];
    out[i] = r0[0] * x + r0[1] * y + r0[2] * z + r0[3];
    out[i + 1] = r1[0] * x + r1[1] * y + r1[2] * z + r1[3];
    out[i + 2] = r2[0] * x + r2[1] * y + r2[2] * z + r2[3];
  }
  let indices = mesh.indices;
  if (affineDeterminant(affine) < 0) {
    indices = indices.slice();
    for (let t = 0; t < indices.length; t += 3) {
      const b = indices[t + 1];
      indices[t + 1] = indices[t + 2];
      indices[t + 2] = b;
    }
  }
  return { positions: out, indices };
}
