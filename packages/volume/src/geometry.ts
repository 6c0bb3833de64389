import type { Mat4, Vec3 } from './types.js';

export function identity(): Mat4 {
  return [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
}

export function voxelToWorld(a: Mat4, i: number, j: number, k: number): Vec3 {
  return [
    a[0][0] * i + a[0][1] * j + a[0][2] * k + a[0][3],
    a[1][0] * i + a[1][1] * j + a[1][2] * k + a[1][3],
    a[2][0] * i + a[2][1] * j + a[2][2] * k + a[2][3],
  ];
}

/** Inverse of a 4×4 affine (general 3×3 inverse plus translation). */
export function invertAffine(a: Mat4): Mat4 {
  const [[a00, a01, a02, t0], [a10, a11, a12, t1], [a20, a21, a22, t2]] = a;
  const det = a00 * (a11 * a22 - a12 * a21) - a01 * (a10 * a22 - a12 * a20) + a02 * (a10 * a21 - a11 * a20);
  if (Math.abs(det) < 1e-12) throw new Error('affine is singular');
  const m = [
    [(a11 * a22 - a12 * a21) / det, (a02 * a21 - a01 * a22) / det, (a01 * a12 - a02 * a11) / det],
    [(a12 * a20 - a10 * a22) / det, (a00 * a22 - a02 * a20) / det, (a02 * a10 - a00 * a12) / det],
    [(a10 * a21 - a11 * a20) / det, (a01 * a20 - a00 * a21) / det, (a00 * a11 - a01 * a10) / det],
  ] as const;
  const row = (r: readonly [number, number, number]): [number, number, number, number] => [
    r[0], r[1], r[2], -(r[0] * t0 + r[1] * t1 + r[2] * t2),
  ];
  return [row(m[0]), row(m[1]), row(m[2]), [0, 0, 0, 1]];
}

export function worldToVoxel(a: Mat4, x: number, y: number, z: number): Vec3 {
  return voxelToWorld(invertAffine(a), x, y, z);
}

/** Column lengths of the 3×3 part: the voxel size the affine implies. */
export function spacingFromAffine(a: Mat4): Vec3 {
  const col = (c: number): number => Math.hypot(a[0][c], a[1][c], a[2][c]);
  return [col(0), col(1), col(2)];
}

/**
 * Three-letter orientation code (e.g. "RAS", "LAS", "LPS"): for each voxel axis, the world
 * direction it points towards most, as NiBabel's aff2axcodes does.
 */
export function orientationCode(a: Mat4): string {
  const pos = ['R', 'A', 'S'];
  const neg = ['L', 'P', 'I'];
  let code = '';
  for (let c = 0; c < 3; c++) {
    const v = [a[0][c], a[1][c], a[2][c]];
    let best = 0;
    for (let r = 1; r < 3; r++) if (Math.abs(v[r]) > Math.abs(v[best])) best = r;
    code += v[best] >= 0 ? pos[best] : neg[best];
  }
  return code;
}

export function affinesEqual(a: Mat4, b: Mat4, tolerance = 1e-4): boolean {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) if (Math.abs(a[r][c] - b[r][c]) > tolerance) return false;
  return true;
}

/** NIfTI quaternion parameters of an affine (nifti_mat44_to_quatern from nifti1_io.c). */
export function affineToQuatern(a: Mat4): {
  b: number; c: number; d: number; qx: number; qy: number; qz: number; dx: number; dy: number; dz: number; qfac: number;
} {
  let [r11, r12, r13] = [a[0][0], a[0][1], a[0][2]];
  let [r21, r22, r23] = [a[1][0], a[1][1], a[1][2]];
  let [r31, r32, r33] = [a[2][0], a[2][1], a[2][2]];
  let dx = Math.hypot(r11, r21, r31);
  let dy = Math.hypot(r12, r22, r32);
  let dz = Math.hypot(r13, r23, r33);
  if (dx === 0) { r11 = 1; r21 = 0; r31 = 0; dx = 1; }
  if (dy === 0) { r12 = 0; r22 = 1; r32 = 0; dy = 1; }
  if (dz === 0) { r13 = 0; r23 = 0; r33 = 1; dz = 1; }
  r11 /= dx; r21 /= dx; r31 /= dx;
  r12 /= dy; r22 /= dy; r32 /= dy;
  r13 /= dz; r23 /= dz; r33 /= dz;
  const det = r11 * r22 * r33 - r11 * r32 * r23 - r21 * r12 * r33 + r21 * r32 * r13 + r31 * r12 * r23 - r31 * r22 * r13;
  let qfac = 1;
  if (det < 0) { qfac = -1; r13 = -r13; r23 = -r23; r33 = -r33; }
  let qa = r11 + r22 + r33 + 1;
  let qb: number; let qc: number; let qd: number;
  if (qa > 0.5) {
    qa = 0.5 * Math.sqrt(qa);
    qb = 0.25 * (r32 - r23) / qa; qc = 0.25 * (r13 - r31) / qa; qd = 0.25 * (r21 - r12) / qa;
  } else {
    const xd = 1 + r11 - (r22 + r33); const yd = 1 + r22 - (r11 + r33); const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      qb = 0.5 * Math.sqrt(xd); qc = 0.25 * (r12 + r21) / qb; qd = 0.25 * (r13 + r31) / qb; qa = 0.25 * (r32 - r23) / qb;
    } else if (yd > 1) {
      qc = 0.5 * Math.sqrt(yd); qb = 0.25 * (r12 + r21) / qc; qd = 0.25 * (r23 + r32) / qc; qa = 0.25 * (r13 - r31) / qc;
    } else {
      qd = 0.5 * Math.sqrt(zd); qb = 0.25 * (r13 + r31) / qd; qc = 0.25 * (r23 + r32) / qd; qa = 0.25 * (r21 - r12) / qd;
    }
    if (qa < 0) { qb = -qb; qc = -qc; qd = -qd; }
  }
  return { b: qb, c: qc, d: qd, qx: a[0][3], qy: a[1][3], qz: a[2][3], dx, dy, dz, qfac };
}
