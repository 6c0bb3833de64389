import type { Vec3 } from '@vista3d/volume';

/** Geometry of the 2D slices perpendicular to `axis`: in-plane axes, sizes and strides. */
export interface SliceGeometry {
  u: number;
  v: number;
  nu: number;
  nv: number;
  su: number;
  sv: number;
  sw: number;
  count: number;
}

export function sliceGeometry(dims: Vec3, axis: number): SliceGeometry {
  const stride = [1, dims[0], dims[0] * dims[1]];
  const [u, v] = [0, 1, 2].filter((a) => a !== axis);
  return { u, v, nu: dims[u], nv: dims[v], su: stride[u], sv: stride[v], sw: stride[axis], count: dims[axis] };
}

/** Copies slice w of a mask into a 2D buffer (nu × nv, u fastest). */
export function extractSlice(mask: Uint8Array, g: SliceGeometry, w: number, out: Uint8Array): Uint8Array {
  for (let b = 0; b < g.nv; b++) for (let a = 0; a < g.nu; a++) out[a + b * g.nu] = mask[w * g.sw + a * g.su + b * g.sv];
  return out;
}
