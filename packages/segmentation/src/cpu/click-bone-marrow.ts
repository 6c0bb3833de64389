import type { Vec3 } from '@vista3d/volume';

/** The 13 lines through a cell of a 26-neighbourhood (one direction of each pair). */
const LINES: Vec3[] = [];
for (let z = -1; z <= 1; z++) for (let y = -1; y <= 1; y++) for (let x = -1; x <= 1; x++) {
  const first = x !== 0 ? x : y !== 0 ? y : z;
  if (first > 0) LINES.push([x, y, z]);
}

/** Steps along −s·d from every cell to the nearest bright cell (0 on it, 255 when none), in one ordered scan. */
function stepsToBright(bright: Uint8Array, dims: Vec3, d: Vec3, s: 1 | -1, out: Uint8Array): void {
  const [bx, by, bz] = dims;
  const [dx, dy, dz] = [s * d[0], s * d[1], s * d[2]];
  const offset = dx + bx * (dy + by * dz);
  // Visit cells so that the one behind (cell − s·d) comes first.
  for (let zi = 0; zi < bz; zi++) {
    const z = dz >= 0 ? zi : bz - 1 - zi;
    const pz = z - dz;
    for (let yi = 0; yi < by; yi++) {
      const y = dy >= 0 ? yi : by - 1 - yi;
      const py = y - dy;
      const row = bx * (y + by * z);
      const rowInside = pz >= 0 && pz < bz && py >= 0 && py < by;
      for (let xi = 0; xi < bx; xi++) {
        const x = dx >= 0 ? xi : bx - 1 - xi;
        const i = row + x;
        if (bright[i] !== 0) { out[i] = 0; continue; }
        const px = x - dx;
        const prev = rowInside && px >= 0 && px < bx ? out[i - offset] : 254;
        out[i] = prev >= 254 ? 255 : prev + 1;
      }
    }
  }
}

/** Steps from (x, y, z) along s·d until the box is left. */
function edgeSteps(x: number, y: number, z: number, dims: Vec3, d: Vec3, s: 1 | -1): number {
  let steps = Infinity;
  const vx = s * d[0];
  const vy = s * d[1];
  const vz = s * d[2];
  if (vx > 0) steps = dims[0] - x; else if (vx < 0) steps = x + 1;
  if (vy > 0) steps = Math.min(steps, dims[1] - y); else if (vy < 0) steps = Math.min(steps, y + 1);
  if (vz > 0) steps = Math.min(steps, dims[2] - z); else if (vz < 0) steps = Math.min(steps, z + 1);
  return steps;
}

/**
 * Marrow is what cortex encloses: a candidate cell is enclosed when, along at least minLines of the
 * 13 lines through it, bright cells lie on both sides within radiusMm, including at least minInPlane
 * of the 4 lines across the axial slice (an intervertebral disc sees the endplates above and below it
 * but no cortex around it); lines that leave the box on a side without cortex do not count (a CT of a
 * few slices). Two linear scans per line, whatever the radius.
 */
export function enclosedCells(bright: Uint8Array, candidate: Uint8Array, dims: Vec3, spacing: Vec3, siAxis: number, radiusMm: number, minLines: number, minInPlane: number): Uint8Array {
  const n = bright.length;
  const lines = new Uint8Array(n);
  const inPlane = new Uint8Array(n);
  const behind = new Uint8Array(n);
  const ahead = new Uint8Array(n);
  const unknown = new Uint8Array(n);
  const [bx, by, bz] = dims;
  for (const d of LINES) {
    const stepMm = Math.hypot(d[0] * spacing[0], d[1] * spacing[1], d[2] * spacing[2]);
    const maxSteps = Math.min(253, Math.floor(radiusMm / stepMm));
    const across = d[siAxis] === 0;
    stepsToBright(bright, dims, d, 1, behind);
    stepsToBright(bright, dims, d, -1, ahead);
    for (let z = 0, i = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++, i++) {
      if (candidate[i] === 0) continue;
      const b = behind[i] <= maxSteps;
      const a = ahead[i] <= maxSteps;
      if (b && a) { lines[i]++; if (across) inPlane[i]++; continue; }
      // A side that leaves the box before meeting cortex says nothing (a thin stack of slices).
      if ((b || edgeSteps(x, y, z, dims, d, -1) <= maxSteps) && (a || edgeSteps(x, y, z, dims, d, 1) <= maxSteps)) unknown[i]++;
    }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = candidate[i] !== 0 && lines[i] >= (minLines * (LINES.length - unknown[i])) / LINES.length && inPlane[i] >= minInPlane ? 1 : 0;
  return out;
}
