/** Garland–Heckbert error quadrics stored as 10 symmetric coefficients per vertex. */

/** Adds area-weighted plane quadrics of every triangle to its three vertices. */
export function vertexQuadrics(positions: Float64Array, indices: Uint32Array): Float64Array {
  const q = new Float64Array((positions.length / 3) * 10);
  const p = positions;
  for (let t = 0; t < indices.length; t += 3) {
    const a = 3 * indices[t], b = 3 * indices[t + 1], c = 3 * indices[t + 2];
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz);
    if (len === 0) continue;
    const area = len / 2;
    nx /= len; ny /= len; nz /= len;
    const d = -(nx * p[a] + ny * p[a + 1] + nz * p[a + 2]);
    const k = [nx * nx, nx * ny, nx * nz, nx * d, ny * ny, ny * nz, ny * d, nz * nz, nz * d, d * d];
    for (const v of [indices[t], indices[t + 1], indices[t + 2]]) {
      for (let i = 0; i < 10; i++) q[10 * v + i] += area * k[i];
    }
  }
  return q;
}

/** vᵀQv for the (summed) quadric `q` at offset `o`. */
export function quadricError(q: ArrayLike<number>, o: number, x: number, y: number, z: number): number {
  return (
    q[o] * x * x + 2 * q[o + 1] * x * y + 2 * q[o + 2] * x * z + 2 * q[o + 3] * x +
    q[o + 4] * y * y + 2 * q[o + 5] * y * z + 2 * q[o + 6] * y +
    q[o + 7] * z * z + 2 * q[o + 8] * z + q[o + 9]
  );
}

/** The point minimising the quadric, or undefined when its 3×3 part is (nearly) singular. */
export function quadricMinimum(q: ArrayLike<number>, o: number): [number, number, number] | undefined {
  const a = q[o], b = q[o + 1], c = q[o + 2], e = q[o + 4], f = q[o + 5], h = q[o + 7];
  const det = a * (e * h - f * f) - b * (b * h - f * c) + c * (b * f - e * c);
  const scale = Math.abs(a) + Math.abs(e) + Math.abs(h);
  if (Math.abs(det) <= 1e-9 * scale * scale * scale || scale === 0) return undefined;
  const r0 = -q[o + 3], r1 = -q[o + 6], r2 = -q[o + 8];
  // Cramer's rule on the symmetric system
  const x = (r0 * (e * h - f * f) - b * (r1 * h - f * r2) + c * (r1 * f - e * r2)) / det;
  const y = (a * (r1 * h - f * r2) - r0 * (b * h - f * c) + c * (b * r2 - r1 * c)) / det;
  const z = (a * (e * r2 - r1 * f) - b * (b * r2 - r1 * c) + r0 * (b * f - e * c)) / det;
  return [x, y, z];
}
