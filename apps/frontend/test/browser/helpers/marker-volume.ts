// A small synthetic CT with a known RAS affine for orientation tests: air, a soft-tissue block on the
// patient's left and a bright (1000 HU) marker block on the patient's right (RAS+: +x = patient right).
// `flipX` stores the same anatomy with the x voxel axis reversed (an LAS file), so a test proves the
// display follows the affine, not the voxel order.
import { writeNifti, type Mat4, type Volume } from '@vista3d/volume';

export const MARKER_DIMS: [number, number, number] = [64, 64, 40];
export const MARKER_SPACING = 3;
/** World x range (mm) of the bright marker: patient right. */
export const MARKER_X_MM: [number, number] = [30, 75];

export function markerVolume(flipX = false): Volume<Int16Array> {
  const [nx, ny, nz] = MARKER_DIMS;
  const s = MARKER_SPACING;
  const cx = ((nx - 1) / 2) * s;
  const cy = ((ny - 1) / 2) * s;
  const cz = ((nz - 1) / 2) * s;
  // world = affine · (i, j, k, 1), centred on 0
  const affine: Mat4 = flipX
    ? [[-s, 0, 0, cx], [0, s, 0, -cy], [0, 0, s, -cz], [0, 0, 0, 1]]
    : [[s, 0, 0, -cx], [0, s, 0, -cy], [0, 0, s, -cz], [0, 0, 0, 1]];
  const data = new Int16Array(nx * ny * nz).fill(-1000);
  for (let k = 0; k < nz; k++) {
    const z = k * s - cz;
    for (let j = 0; j < ny; j++) {
      const y = j * s - cy;
      for (let i = 0; i < nx; i++) {
        const x = flipX ? cx - i * s : i * s - cx;
        let v = -1000;
        if (x >= MARKER_X_MM[0] && x <= MARKER_X_MM[1] && Math.abs(y) <= 24 && Math.abs(z) <= 30) v = 1000;
        else if (x <= -30 && x >= -75 && Math.abs(y) <= 24 && Math.abs(z) <= 30) v = 40;
        data[(k * ny + j) * nx + i] = v;
      }
    }
  }
  return {
    dims: [nx, ny, nz], frames: 1, spacing: [s, s, s], affine, datatype: 'int16', data, scl: { slope: 1, inter: 0 },
    meta: { description: 'orientation marker phantom', qformCode: 1, sformCode: 1, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 },
  };
}

export async function writeMarkerVolume(path: string, flipX = false): Promise<void> {
  await writeNifti(path, markerVolume(flipX), { gzip: true });
}
