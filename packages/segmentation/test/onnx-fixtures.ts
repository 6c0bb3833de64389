import { readFileSync } from 'node:fs';
import type { Mat4, Vec3, Volume } from '@vista3d/volume';
import { VISTA3D_EVERYTHING } from '../src/index.js';

export const REF = new URL('../../../../shared/onnx-reference/', import.meta.url).pathname;

export function refJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${REF}${name}`, 'utf8')) as T;
}

/** A v2 card for the fixture VISTA models (the bundle's pipeline with a 64³ patch). */
export function vistaCard(): Record<string, unknown> {
  return {
    cardVersion: 2, name: 'vista-tiny-random', version: '1',
    preprocessing: [
      { name: 'spacing', pixdim: [1.5, 1.5, 1.5] },
      { name: 'cropForeground', threshold: 0, margin: 10 },
      { name: 'scaleIntensityRange', aMin: -963.8247715525971, aMax: 1053.678477684517, bMin: 0, bMax: 1, clip: true },
      { name: 'orientation', axcodes: 'RAS' },
    ],
    model: {
      kind: 'vista3d',
      automatic: {
        file: `${REF}vista_tiny_auto.onnx`, inputs: { image: 'image', classVector: 'class_vector' }, output: 'logits',
        slidingWindow: { patchSize: [64, 64, 64], overlap: 0.25, blend: 'constant' },
      },
      point: {
        file: `${REF}vista_tiny_point.onnx`, inputs: { image: 'image', pointCoords: 'point_coords', pointLabels: 'point_labels', classVector: 'class_vector' },
        output: 'logits', patchSize: [64, 64, 64],
      },
      classes: [...VISTA3D_EVERYTHING, 2, 20, 21, 25].sort((a, b) => a - b),
      everything: VISTA3D_EVERYTHING,
      subclasses: { 2: [14, 5], 20: [28, 29, 30, 31, 32] },
      specialClasses: [25, 26, 27, 28, 29, 117],
    },
  };
}

/**
 * A large CT made from a shared one: trilinear upsampling to `dims` over the same extent (first and
 * last voxel centres kept), int16 HU, affine scaled accordingly.
 */
export function upsampleCt(ct: Volume, dims: Vec3): Volume<Int16Array> {
  const [nx, ny] = ct.dims;
  const f = [0, 1, 2].map((a) => (ct.dims[a] - 1) / (dims[a] - 1));
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  const slope = ct.scl.slope || 1;
  const inter = ct.scl.inter || 0;
  const src = ct.data;
  const tap = (j: number, a: number): [number, number, number] => {
    const c = j * f[a];
    const i0 = Math.min(Math.floor(c), ct.dims[a] - 1);
    return [i0, Math.min(i0 + 1, ct.dims[a] - 1), c - i0];
  };
  let o = 0;
  for (let z = 0; z < dims[2]; z++) {
    const [z0, z1, fz] = tap(z, 2);
    for (let y = 0; y < dims[1]; y++) {
      const [y0, y1, fy] = tap(y, 1);
      for (let x = 0; x < dims[0]; x++) {
        const [x0, x1, fx] = tap(x, 0);
        const v = (xx: number, yy: number, zz: number): number => src[xx + nx * (yy + ny * zz)];
        const l = (yy: number, zz: number): number => v(x0, yy, zz) * (1 - fx) + v(x1, yy, zz) * fx;
        const a = l(y0, z0) * (1 - fy) + l(y1, z0) * fy;
        const b = l(y0, z1) * (1 - fy) + l(y1, z1) * fy;
        data[o++] = Math.round((a * (1 - fz) + b * fz) * slope + inter);
      }
    }
  }
  const affine = ct.affine.map((r) => [...r]) as Mat4;
  for (let row = 0; row < 3; row++) for (let a = 0; a < 3; a++) affine[row][a] = ct.affine[row][a] * f[a];
  return { ...ct, dims, datatype: 'int16', data, scl: { slope: 1, inter: 0 }, spacing: [0, 1, 2].map((a) => ct.spacing[a] * f[a]) as Vec3, affine };
}
