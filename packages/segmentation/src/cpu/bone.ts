import type { Vec3, Volume } from '@vista3d/volume';
import { lowStdComponents } from './local-std.js';
import { morph } from './morphology.js';
import { rawRange } from './hu.js';
import type { AxisInfo } from './orientation.js';
import { Plane } from './plane.js';
import { paintComponents, paintSlice, RunCollector, runsProfile, type Components, type Runs } from './runs.js';

export interface BoneOptions {
  /** Trabecular bone and marrow-rich cortex; contrast-filled blood (150–500 HU) passes too. */
  minHu: number;
  /** Cortex: denser than contrast-filled blood in a CTA (aorta and heart 250–450 HU). */
  cortexHu: number;
  /** Contrast-filled blood is homogeneous: 3×3×3 standard deviation ≤ this (raised to 2.3× the
   *  image noise on noisy scans), while bone at CT resolution is textured (trabecula, cortex, fat). */
  bloodMaxStdHu: number;
  /** Homogeneous regions of at least this size between minHu and cortexHu are blood pools. */
  minBloodMl: number;
  /** Components smaller than this are calcifications, contrast specks or noise. */
  minComponentMl: number;
  /** Marrow enclosed by cortex is filled per axial slice up to this area; larger holes are body
   *  cavities ringed by bone (the pelvic inlet), which must stay open. */
  maxHoleMm2: number;
  /** Closing radius (voxels, in-plane) sealing thin cortex before the marrow fill. */
  closeRadius: number;
  /** Costal cartilage (part of VISTA3D's bone group) is denser than soft tissue but below minHu: this
   *  HU band, where it touches bone, and only where thinner than cartilageMaxMm (a liver or an
   *  enhanced organ in the same band is thick). [0, 0] turns it off. */
  cartilageHu: [number, number];
  cartilageMaxMm: number;
}

export const BONE_DEFAULTS: BoneOptions = { minHu: 130, cortexHu: 500, bloodMaxStdHu: 30, minBloodMl: 5, cartilageHu: [80, 130], cartilageMaxMm: 18, minComponentMl: 0.5, maxHoleMm2: 1500, closeRadius: 1 };

/**
 * Bone mask (1/0) into `out` (any content on entry: it is the stage's only buffer). Two thresholds with a distance between them (hysteresis by reach):
 * voxels above `cortexHu` are cortex; voxels above `minHu` are bone only within `reachMm` of
 * cortex; then small components are dropped, thin cortex sealed in-plane and marrow enclosed by
 * it filled per slice. Contrast-filled blood is as bright as trabecular bone but is not ringed by
 * cortex, so the heart and aorta of a CTA stay out, apart from a rim where they touch a bone.
 *
 * Sweeps: (1) the blood band and the noise estimate, over the body's runs; (2) the band's 3×3×3
 * statistic, at band voxels only, straight into runs; (3) the bone candidates minus pools and their
 * rim, over the body's runs, straight into runs; (4) slice by slice: paint of the kept components,
 * in-plane closing, marrow fill and the cartilage band's runs. Pools are painted and cleared by
 * their runs; the cartilage works in its own box.
 */
export function boneMask(ct: Volume, axes: AxisInfo, bodyRuns: Runs, out: Uint8Array, options: Partial<BoneOptions> = {}): void {
  const o = { ...BONE_DEFAULTS, ...options };
  const lo = rawRange(ct, o.minHu, 0).lo;
  const cortex = rawRange(ct, o.cortexHu, 0).lo;
  const data = ct.data;
  const dims = ct.dims;
  const [nx, ny, nz] = dims;
  const voxelMl = (ct.spacing[0] * ct.spacing[1] * ct.spacing[2]) / 1000;
  // One buffer for the whole stage: the band (1), then its pools (2), then the bone mask itself.
  const band = out;
  band.fill(0);
  const noise = new NoiseHistogram(ct);
  for (let i = 0; i < bodyRuns.start.length; i++) {
    const base = bodyRuns.rowOf[i] * nx;
    for (let v = base + bodyRuns.start[i], end = base + bodyRuns.end[i]; v <= end; v++) if (data[v] >= lo && data[v] < cortex) band[v] = 1;
    noise.addRun(base, bodyRuns.start[i], bodyRuns.end[i]);
  }
  const slope = Math.abs(ct.scl.slope) > 0 ? Math.abs(ct.scl.slope) : 1;
  const maxStdHu = Math.max(o.bloodMaxStdHu, 2.3 * noise.hu());
  const pools = lowStdComponents(data, dims, band, maxStdHu / slope);
  // Pools lie inside the band: marked 2 in the band's buffer.
  paintComponents(pools, (l) => pools.size[l] * voxelMl >= o.minBloodMl, band, 2);
  // Bone candidates: > minHu minus the pools and their rim (partial volume with the wall: band
  // voxels with a pool voxel among their 26 neighbours), straight into runs.
  const candidates = new RunCollector(dims);
  for (let i = 0; i < bodyRuns.start.length; i++) {
    const r = bodyRuns.rowOf[i];
    const y = r % ny;
    const z = (r - y) / ny;
    const base = r * nx;
    let from = -1;
    for (let x = bodyRuns.start[i]; x <= bodyRuns.end[i]; x++) {
      const v = base + x;
      let on = data[v] >= lo;
      if (on && band[v] !== 0) {
        // 26 neighbours (the rim is one voxel thick in every direction), only for band voxels.
        let rim = band[v] === 2;
        for (let c = Math.max(0, z - 1); c <= Math.min(nz - 1, z + 1) && !rim; c++)
          for (let b = Math.max(0, y - 1); b <= Math.min(ny - 1, y + 1) && !rim; b++) {
            const row = nx * (b + ny * c);
            for (let a = Math.max(0, x - 1); a <= Math.min(nx - 1, x + 1); a++) if (band[row + a] === 2) { rim = true; break; }
          }
        on = !rim;
      }
      if (on) { if (from < 0) from = x; } else if (from >= 0) { candidates.addRun(r, from, x - 1); from = -1; }
    }
    if (from >= 0) candidates.addRun(r, from, bodyRuns.end[i]);
  }
  const comps = candidates.components();
  const keep = (l: number): boolean => comps.size[l] * voxelMl >= o.minComponentMl;
  const plane = new Plane(dims, axes.siAxis);
  const { g } = plane;
  const axial = axes.siAxis === 2;
  const cartilage = o.cartilageHu[1] > o.cartilageHu[0];
  const cart = rawRange(ct, o.cartilageHu[0], o.cartilageHu[1]);
  const cartRuns = new RunCollector(dims);
  const maxHole = o.maxHoleMm2 / (ct.spacing[g.u] * ct.spacing[g.v]);
  const s = new Uint8Array(plane.area);
  // Axial slices are painted from the runs, each slice overwritten whole; else paint the volume.
  if (!axial) { out.fill(0); paintComponents(comps, keep, out, 1); }
  for (let w = 0; w < g.count; w++) {
    if (axial) { s.fill(0); paintSlice(comps, keep, w, s, 1); } else plane.gather(out, w, s);
    if (o.closeRadius > 0) {
      plane.morph(s, o.closeRadius, o.closeRadius, 'dilate');
      plane.morph(s, o.closeRadius, o.closeRadius, 'erode');
    }
    plane.fillHoles(s, 1, maxHole);
    plane.scatter(s, out, w);
    if (axial && cartilage) {
      // Cartilage band of this slice: body, not bone, in the cartilage HU band; rows in cache.
      const r0 = w * ny;
      for (let i = bodyRuns.rowOffset[r0]; i < bodyRuns.rowOffset[r0 + ny]; i++) {
        const r = bodyRuns.rowOf[i];
        const base = r * nx;
        const sb = (r - r0) * nx;
        let from = -1;
        for (let x = bodyRuns.start[i]; x <= bodyRuns.end[i]; x++) {
          const d = data[base + x];
          if (s[sb + x] === 0 && d >= cart.lo && d < cart.hi) { if (from < 0) from = x; } else if (from >= 0) { cartRuns.addRun(r, from, x - 1); from = -1; }
        }
        if (from >= 0) cartRuns.addRun(r, from, bodyRuns.end[i]);
      }
    }
  }
  if (!cartilage) return;
  if (!axial) {
    for (let i = 0; i < bodyRuns.start.length; i++) {
      const r = bodyRuns.rowOf[i];
      const base = r * nx;
      let from = -1;
      for (let x = bodyRuns.start[i]; x <= bodyRuns.end[i]; x++) {
        const d = data[base + x];
        if (out[base + x] === 0 && d >= cart.lo && d < cart.hi) { if (from < 0) from = x; } else if (from >= 0) { cartRuns.addRun(r, from, x - 1); from = -1; }
      }
      if (from >= 0) cartRuns.addRun(r, from, bodyRuns.end[i]);
    }
  }
  addCartilage(ct, bodyRuns, out, cartRuns.components(), o.cartilageMaxMm);
}

/**
 * Image noise (HU): robust standard deviation of the difference between x-neighbours in soft tissue
 * (both 0–100 HU) inside the body, from every 5th voxel: MAD·1.4826/√2. Fed run by run of the
 * body's runs, inside the band's sweep.
 */
class NoiseHistogram {
  readonly hist = new Float64Array(256);
  total = 0;
  private readonly lo: number;
  private readonly hi: number;
  private readonly slope: number;
  constructor(private readonly ct: Volume) {
    const r = rawRange(ct, 0, 100);
    this.lo = r.lo;
    this.hi = r.hi;
    this.slope = Math.abs(ct.scl.slope) > 0 ? Math.abs(ct.scl.slope) : 1;
  }

  /** Every 5th voxel index (i ≡ 0 mod 5) of row `base` in x ∈ [s, e], paired with its x-neighbour. */
  addRun(base: number, s: number, e: number): void {
    const nx = this.ct.dims[0];
    const data = this.ct.data;
    const last = Math.min(e, nx - 2);
    let i = base + s;
    i += (5 - (i % 5)) % 5;
    for (; i <= base + last; i += 5) {
      const a = data[i];
      const b = data[i + 1];
      if (a < this.lo || a > this.hi || b < this.lo || b > this.hi) continue;
      this.hist[Math.min(255, Math.round(Math.abs(a - b) * this.slope))]++;
      this.total++;
    }
  }

  hu(): number {
    if (this.total < 100) return 0;
    let acc = 0;
    for (let k = 0; k < 256; k++) { acc += this.hist[k]; if (acc >= this.total / 2) return (k * 1.4826) / Math.SQRT2; }
    return 0;
  }
}

/** Adds to `bone` the thin parts of the cartilage HU band's components (`comps`) that touch bone. */
function addCartilage(ct: Volume, bodyRuns: Runs, bone: Uint8Array, comps: Components, maxMm: number): void {
  const touches = new Uint8Array(comps.count + 1);
  const [nx, ny, nz] = ct.dims;
  const sxy = nx * ny;
  for (let i = 0; i < comps.start.length; i++) {
    const label = comps.label[i];
    if (touches[label] === 1) continue;
    const r = comps.rowOf[i];
    const y = r % ny;
    const z = (r - y) / ny;
    const base = r * nx;
    for (let x = comps.start[i]; x <= comps.end[i]; x++) {
      const v = base + x;
      if ((x > 0 && bone[v - 1] !== 0) || (x < nx - 1 && bone[v + 1] !== 0) || (y > 0 && bone[v - nx] !== 0)
        || (y < ny - 1 && bone[v + nx] !== 0) || (z > 0 && bone[v - sxy] !== 0) || (z < nz - 1 && bone[v + sxy] !== 0)) { touches[label] = 1; break; }
    }
  }
  // Box of the kept components, and their longest run along x.
  const lo3 = [Infinity, Infinity, Infinity];
  const hi3 = [-1, -1, -1];
  let longest = 0;
  for (let i = 0; i < comps.start.length; i++) {
    if (touches[comps.label[i]] !== 1) continue;
    const r = comps.rowOf[i];
    const y = r % ny;
    const z = (r - y) / ny;
    lo3[0] = Math.min(lo3[0], comps.start[i]);
    hi3[0] = Math.max(hi3[0], comps.end[i]);
    lo3[1] = Math.min(lo3[1], y);
    hi3[1] = Math.max(hi3[1], y);
    lo3[2] = Math.min(lo3[2], z);
    hi3[2] = Math.max(hi3[2], z);
    longest = Math.max(longest, comps.end[i] - comps.start[i] + 1);
  }
  if (hi3[0] < 0) return;
  const radius = [0, 1, 2].map((a) => Math.max(1, Math.round(maxMm / 2 / ct.spacing[a])));
  // Costal cartilage lies in the front half of the chest; elsewhere the band is the partial-volume
  // rim of bones, which is not bone.
  const ap = anteriorHalf(ct, bodyRuns, lo3, hi3);
  const bd = [0, 1, 2].map((a) => hi3[a] - lo3[a] + 1) as Vec3;
  // Thick parts (opening survivors, grown back by one voxel more) are organs, not cartilage. The
  // opening's first axis keeps only runs of ≥ 2r+1 voxels along x: with none (a thin rim, the usual
  // case) nothing is thick and no box is needed.
  let thick: Uint8Array | null = null;
  if (longest >= 2 * radius[0] + 1) {
    const box = new Uint8Array(bd[0] * bd[1] * bd[2]);
    paintBox(comps, touches, box, bd, lo3, ny);
    const tmp = new Uint8Array(box.length);
    let left = 1;
    for (let a = 0; a < 3 && left > 0; a++) left = morph(box, bd, radius[a], 'erode', tmp, [a]);
    for (let a = 0; a < 3 && left > 0; a++) morph(box, bd, radius[a] + 1, 'dilate', tmp, [a]);
    if (left > 0) thick = box;
  }
  for (let i = 0; i < comps.start.length; i++) {
    if (touches[comps.label[i]] !== 1) continue;
    const r = comps.rowOf[i];
    const y = r % ny;
    const z = (r - y) / ny;
    const base = r * nx;
    const from = bd[0] * (y - lo3[1] + bd[1] * (z - lo3[2])) - lo3[0];
    for (let x = comps.start[i]; x <= comps.end[i]; x++) {
      if (thick !== null && thick[from + x] !== 0) continue;
      if (ap(base + x)) bone[base + x] = 1;
    }
  }
}

/** Paints the touching components' runs into their box (x fastest, origin lo3). */
function paintBox(comps: Components, touches: Uint8Array, box: Uint8Array, bd: Vec3, lo3: number[], ny: number): void {
  for (let i = 0; i < comps.start.length; i++) {
    if (touches[comps.label[i]] !== 1) continue;
    const r = comps.rowOf[i];
    const y = r % ny;
    const z = (r - y) / ny;
    const from = bd[0] * (y - lo3[1] + bd[1] * (z - lo3[2])) - lo3[0];
    box.fill(1, from + comps.start[i], from + comps.end[i] + 1);
  }
}

/** Predicate: voxel lies anterior to the body's centre (world +y is anterior in RAS). */
function anteriorHalf(ct: Volume, bodyRuns: Runs, lo3: number[], hi3: number[]): (voxel: number) => boolean {
  const a = ct.affine;
  let axis = 0;
  for (let c = 1; c < 3; c++) if (Math.abs(a[1][c]) > Math.abs(a[1][axis])) axis = c;
  const sign = a[1][axis] >= 0 ? 1 : -1;
  const [nx, ny] = ct.dims;
  const stride = [1, nx, nx * ny][axis];
  const len = ct.dims[axis];
  // Body centre along that axis, over the cartilage box's slices, from the body's runs.
  const p = runsProfile(bodyRuns, axis, lo3[2], hi3[2]);
  const mid = p.count > 0 ? p.sum / p.count : (len - 1) / 2;
  return (v) => sign * ((Math.floor(v / stride) % len) - mid) > 0;
}
