import { identity, type Mat4, type Vec3, type Volume } from '@vista3d/volume';

/**
 * A plausible synthetic chest CT (int16 HU, RAS, identity direction): air outside, an elliptic
 * body of soft tissue (40 HU) with a fat rim (−100), two lung ellipsoids (−850) on either side
 * with the trachea (−1000) entering from the top and splitting into two bronchi, a spine
 * cylinder (cortex 700, marrow 250) behind, and a table slab (300) below the back, apart.
 * Deterministic mild noise keeps thresholds honest. Built in one pass, no float copy.
 */
export function syntheticChest(dims: Vec3, spacing: Vec3): Volume<Int16Array> {
  const [nx, ny, nz] = dims;
  const data = new Int16Array(nx * ny * nz);
  const cx = nx / 2;
  const cy = ny / 2;
  const ax = nx * 0.42;
  const ay = ny * 0.36;
  let seed = 12345;
  const noise = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed % 21) - 10;
  };
  const carinaZ = nz * 0.7;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const ex = (x - cx) / ax;
        const ey = (y - cy) / ay;
        const e = ex * ex + ey * ey;
        let hu = -1000;
        if (y < cy - ay - 4 && y > cy - ay - 8 && Math.abs(x - cx) < ax) hu = 300; // table
        if (e <= 1) {
          hu = e > 0.85 ? -100 : 40;
          for (const side of [-1, 1]) {
            const lx = (x - (cx + side * ax * 0.45)) / (ax * 0.35);
            const ly = (y - cy) / (ay * 0.6);
            const lz = (z - nz * 0.45) / (nz * 0.5);
            if (lx * lx + ly * ly + lz * lz <= 1) hu = -850;
          }
          const sx = (x - cx) / (ax * 0.12);
          const sy = (y - (cy - ay * 0.7)) / (ay * 0.2);
          const s = sx * sx + sy * sy;
          if (s <= 1) hu = s > 0.5 ? 700 : 250;
          // trachea down the midline, then two bronchi towards the lungs
          const tr = Math.max(2, nx * 0.03);
          if (z >= carinaZ && (x - cx) ** 2 + (y - cy - ay * 0.2) ** 2 <= tr * tr) hu = -1000;
          if (z < carinaZ && z > carinaZ - nz * 0.12) {
            const t = (carinaZ - z) / (nz * 0.12);
            for (const side of [-1, 1]) {
              const bx = cx + side * t * ax * 0.35;
              if ((x - bx) ** 2 + (y - cy - ay * 0.2 * (1 - t)) ** 2 <= (tr * 0.8) ** 2) hu = -1000;
            }
          }
        }
        data[x + nx * (y + ny * z)] = hu + noise();
      }
    }
  }
  const affine = identity() as Mat4;
  for (let a = 0; a < 3; a++) affine[a][a] = spacing[a];
  return {
    dims, frames: 1, spacing, affine, datatype: 'int16', data, scl: { slope: 1, inter: 0 },
    meta: { description: 'synthetic chest', qformCode: 0, sformCode: 2, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 },
  };
}
