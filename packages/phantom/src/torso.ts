/**
 * A digital torso phantom in Hounsfield units: body outline with skin, subcutaneous fat and a
 * muscle wall; lungs with trachea and main bronchi; heart, aorta, vena cava; liver, spleen,
 * kidneys, stomach with an air cap, bowel loops with gas; spine (cortical shell, cancellous
 * body, discs, canal, posterior elements), paraspinal and psoas muscles, ribs and sternum; and
 * CT-like Gaussian noise. Geometry is analytic (ellipses, ellipsoids, tubes) in patient space (LPS,
 * mm): x to the patient's left, y to the back, z up; the volume is centred on x = y = 0 and runs
 * from z = 0 (pelvic brim) upwards.
 */
export interface TorsoOptions {
  /** In-plane size (default 512). */
  size?: number;
  /** Slices (default 112). */
  slices?: number;
  /** Pixel spacing, mm (default 0.78125: a 400 mm field of view). */
  pixelSpacing?: number;
  /** Slice spacing and thickness, mm (default 2.5). */
  sliceSpacing?: number;
  /** Standard deviation of the noise, HU (default 12). */
  noise?: number;
  /** Seed of the noise (default 1). */
  seed?: number;
}

export interface TorsoPhantom {
  /** HU, x fastest (DICOM columns), then rows (y), then slices (z ascending). */
  hu: Int16Array;
  size: number;
  slices: number;
  pixelSpacing: number;
  sliceSpacing: number;
  /** LPS position of the centre of voxel (0, 0, 0). */
  origin: [number, number, number];
}

/** Mean HU of each tissue (noise-free), exported so tests can check them. */
export const TISSUE_HU = {
  air: -1000,
  lung: -860,
  fat: -100,
  visceralFat: -85,
  skin: 35,
  muscle: 50,
  blood: 42,
  heart: 38,
  liver: 62,
  spleen: 48,
  kidney: 32,
  stomach: 12,
  bowel: 28,
  csf: 12,
  disc: 85,
  cancellous: 230,
  cortical: 750,
  rib: 620,
  /** The sternum's cortical plate (its marrow is `cancellous`). */
  sternum: 680,
  outsideFov: -1024,
} as const;

/** Deterministic uniform random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sq = (v: number): number => v * v;
/** Normalised ellipsoid radius² (< 1 inside). */
const ell = (x: number, y: number, z: number, cx: number, cy: number, cz: number, ax: number, ay: number, az: number): number =>
  sq((x - cx) / ax) + sq((y - cy) / ay) + sq((z - cz) / az);

interface SliceShape {
  ax: number;
  by: number;
  thorax: boolean;
}

/** Body semi-axes at height z: a wider chest, a waist, a wider pelvis. */
function bodyAt(z: number): SliceShape {
  const ax = 150 + 12 * Math.tanh((z - 150) / 30) + 10 * Math.exp(-sq(z / 45));
  const by = 108 + 8 * Math.tanh((z - 150) / 30);
  return { ax, by, thorax: z > 128 };
}

/** HU of the noise-free phantom at one point. */
export function tissueAt(x: number, y: number, z: number, fovRadius: number): number {
  const T = TISSUE_HU;
  if (x * x + y * y > fovRadius * fovRadius) return T.outsideFov;
  const { ax, by } = bodyAt(z);
  const r = Math.sqrt(sq(x / ax) + sq(y / by));
  const meanAxis = (ax + by) / 2;
  const depth = (1 - r) * meanAxis; // mm inside the skin surface (approximately)
  if (depth < 0) return T.air;
  if (depth < 2) return T.skin;
  if (depth < 17) return T.fat;
  if (depth < 29 && !(y < -by + 40 && Math.abs(x) < 18 && z > 150)) return T.muscle;

  // spine and its surroundings (all heights)
  const sx = x;
  const sy = y - (by - 52);
  const rBody = Math.hypot(sx, sy);
  const segment = ((z % 28) + 28) % 28;
  if (rBody < 20) {
    if (segment < 5) return T.disc;
    return rBody > 17.5 ? T.cortical : T.cancellous;
  }
  const cy = sy - 30; // spinal canal centre, behind the body
  const rCanal = Math.hypot(sx, cy);
  if (rCanal < 8) return T.csf;
  if (rCanal < 13 && segment >= 5) return T.cortical;
  if (Math.abs(sx) < 5 && cy > 10 && cy < 30 && segment >= 8) return T.cortical; // spinous process
  if (ell(Math.abs(x), y, 0, 38, by - 30, 0, 22, 17, 1) < 1) return T.muscle; // erector spinae

  // airway: trachea above the carina, main bronchi to the lung hila
  const carina = 232;
  if (z >= carina && Math.hypot(x, y + 5) < 9) return T.air;
  if (z < carina && z > carina - 40) {
    const t = (carina - z) / 40;
    const bx = 45 * t;
    if (Math.hypot(Math.abs(x) - bx, y + 5 - 5 * t) < 6) return T.air;
  }

  // ribs and sternum (thorax)
  if (z > 135 && z < 276) {
    const ra = ax - 34;
    const rb = by - 34;
    const dist = (Math.sqrt(sq(x / ra) + sq(y / rb)) - 1) * ((ra + rb) / 2);
    const phi = Math.atan2(Math.abs(x), y); // 0 at the back, π at the front
    if (Math.abs(dist) < 5 && phi > 0.35 && phi < 2.75) {
      for (let i = 0; i < 6; i++) {
        const zc = 150 + 22 * i - 20 * (phi / Math.PI);
        if (Math.abs(z - zc) < 4.5) return T.rib;
      }
    }
    // Sternum: a cortical plate around marrow, like a real one (a solid slab at blood-like HU
    // has no texture and reads as a contrast-filled vessel, not as bone).
    if (Math.abs(x) < 16 && y < -by + 44 && y > -by + 31 && z > 160 && z < 262) {
      return Math.abs(x) < 14 && y < -by + 42 && y > -by + 33 && z > 162 && z < 260 ? T.cancellous : T.sternum;
    }
  }

  // heart and great vessels
  if (ell(x, y, z, 20, -30, 178, 58, 46, 48) < 1) return T.heart;
  if (z < 228 && Math.hypot(x - 14, y - (by - 85)) < 12) return T.blood; // descending aorta
  if (z < 175 && Math.hypot(x + 24, y - (by - 88)) < 11) return T.blood; // inferior vena cava

  // lungs
  for (const side of [-1, 1]) {
    if (ell(x, y, z, side * 78, 8, 218, 58, 78, 92) < 1) return T.lung;
  }

  // abdomen
  if (ell(x, y, z, -68, -5, 118, 88, 76, 58) < 1) return T.liver;
  if (ell(x, y, z, 92, 42, 124, 34, 44, 46) < 1) return T.spleen;
  for (const side of [-1, 1]) {
    if (ell(x, y, z, side * 68, by - 62, 86, 27, 24, 50) < 1) return T.kidney;
    if (z < 112 && ell(Math.abs(x), y, 0, 44, by - 68, 0, 17, 15, 1) < 1) return T.muscle; // psoas
  }
  if (ell(x, y, z, 52, -40, 122, 44, 34, 40) < 1) return z > 146 ? T.air : T.stomach;
  if (z < 112) {
    const loops = Math.sin(x / 11) * Math.sin(y / 13) * Math.sin(z / 9 + x / 40);
    if (loops > 0.86) return T.air; // bowel gas
    if (loops > 0.15) return T.bowel;
  }
  return T.visceralFat;
}

/** Generates the phantom (about 1–2 s for 512×512×112). */
export function torsoPhantom(opts: TorsoOptions = {}): TorsoPhantom {
  const size = opts.size ?? 512;
  const slices = opts.slices ?? 112;
  const ps = opts.pixelSpacing ?? 0.78125;
  const ss = opts.sliceSpacing ?? 2.5;
  const sigma = opts.noise ?? 12;
  const rand = rng(opts.seed ?? 1);
  const half = ((size - 1) / 2) * ps;
  const origin: [number, number, number] = [-half, -half, 0];
  const fovRadius = (size / 2) * ps;
  const hu = new Int16Array(size * size * slices);
  let q = 0;
  for (let k = 0; k < slices; k++) {
    const z = origin[2] + k * ss;
    for (let j = 0; j < size; j++) {
      const y = origin[1] + j * ps;
      for (let i = 0; i < size; i++) {
        const v = tissueAt(origin[0] + i * ps, y, z, fovRadius);
        if (v === TISSUE_HU.outsideFov || sigma === 0) {
          hu[q++] = v;
          continue;
        }
        // Box–Muller (one of the pair): Gaussian quantum noise on every voxel inside the FOV
        const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
        hu[q++] = Math.max(-1024, Math.min(3071, Math.round(v + sigma * g)));
      }
    }
  }
  return { hu, size, slices, pixelSpacing: ps, sliceSpacing: ss, origin };
}
