import { labelById } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { blockFactor, cellOf, readClickBox, type ClickBox } from './click-box.js';
import type { ClassClicks, ClickStrategy } from './click-strategy.js';
import { CLICK_DEFAULTS, clickModel, writeBack, type Model } from './interactive.js';
import { pinClicks } from './click-pin.js';
import type { AxisInfo } from './orientation.js';

/**
 * Vessel clicks (docs/segmentation-engines.md, "Vessel clicks"): a named vessel is a tube, so each
 * positive click is tracked slice by slice along the vessel's axis (cross-section tracking, as in
 * aorta trackers that fit one lumen disc per slice), with the lumen's radius estimated at the click
 * and kept within a factor of it; a tube ends where its lumen fades, where it widens into something
 * larger (an organ, a bone, a bigger vessel) or, for the aorta and the venae cavae, where it splits
 * in two (the iliac bifurcation / confluence). Negative clicks cut the tube: the cells nearer to a
 * negative click than to the tube's axis leave, and the track stops where a negative click sits on it.
 */
export interface VesselOptions {
  /** Working grid (mm). */
  workMm: number;
  /** Half-size (mm) of the working box around the clicks across the body… */
  marginMm: number;
  /** …and what it adds along the body's long axis (a named vessel runs the length of a region). */
  lengthMm: number;
  /** The tracked radius stays within [r0 / radiusFactor, r0 · radiusFactor] of the click's radius r0. */
  radiusFactor: number;
  /** Lumen search disc per slice: estimated radius + this many cells. */
  discCells: number;
  /** The section kept: the lumen within the running radius + this many cells of its centre. */
  slackCells: number;
  /** Lumen radius = in-plane depth at the centre − this many cells (the border lies between a lumen cell and the first outside one). */
  depthBias: number;
  /** Another axis is the tube's only where the lumen runs this many times further along it than along the body's long axis. */
  axisPreference: number;
  /** Slices in a row whose calibre is outside [r0 / radiusFactor, r0 · radiusFactor] that end the tube. */
  changeSlices: number;
  /** A sharp change of calibre: the slice's radius beyond this factor of the running radius. */
  changeFactor: number;
  /** A negative click cuts the tube back to a step in its radius of at least this factor. */
  cutStep: number;
  /** Weight of the axis's drift per slice carried into the next slice's prediction. */
  drift: number;
  /** A later click corrects locally: its tube runs at most this far (mm) from it. */
  laterReachMm: number;
  /** A later click's tube ends after this many slices in a row mostly (joinFraction) inside the earlier clicks' tubes (0: never). */
  joinSlices: number;
  joinFraction: number;
  /** The track ends when a slice's lumen is smaller than this fraction of the running area. */
  endFraction: number;
  /** Two lumens each at least this fraction of the running area, both continuing the tube: a branch. */
  branchFraction: number;
  /** Running radius: new = (1 − smoothing)·old + smoothing·slice's. */
  smoothing: number;
}

export const VESSEL_DEFAULTS: VesselOptions = {
  workMm: 3, marginMm: 60, lengthMm: 150, radiusFactor: 1.5, discCells: 1, slackCells: 1, depthBias: 0, axisPreference: 2, changeSlices: 3, changeFactor: 1.5, cutStep: 1.25, drift: 0.5, laterReachMm: 40, joinSlices: 2, joinFraction: 0.5, endFraction: 0.3, branchFraction: 0.3, smoothing: 0.3,
};

/**
 * Largest lumen radius (mm) by vessel, from typical adult calibres (abdominal aorta ≤ 30 mm across,
 * thoracic ≤ 35 mm; venae cavae ≈ 20–25 mm; iliac arteries ≈ 10–12 mm, iliac veins ≈ 12–16 mm;
 * portal vein ≤ 13 mm; carotids ≈ 6–8 mm; subclavian ≈ 8–10 mm).
 */
const MAX_RADIUS: ReadonlyArray<[RegExp, number]> = [
  [/aorta/, 18], [/vena cava/, 16], [/brachiocephalic/, 9], [/iliac arter/, 8], [/iliac ven/, 12], [/portal|splenic/, 9],
  [/pulmonary/, 10], [/subclavian/, 6], [/carotid/, 5],
];

/** Unenhanced blood (HU), by haematocrit: a lumen window clicked without contrast always holds it. */
const UNENHANCED_BLOOD_HU = { lo: 30, hi: 50 };

/**
 * The click's model widened to unenhanced blood when the click is on tissue without contrast (0–100 HU):
 * the clicked voxel's surroundings may be the wall, a calcification or partial volume, and a window from
 * them alone can miss the lumen a few slices on (the vessels' mean after 2 / 3 / 5 clicks 0.618 / 0.654 /
 * 0.694 → 0.627 / 0.660 / 0.699; to 25–55 HU 0.697 after 5, 35–45 HU 0.699, 20–60 HU 0.689).
 */
function withBlood(m: Model): Model {
  if (m.mu <= 0 || m.mu >= 100) return m;
  return { ...m, lo: Math.min(m.lo, UNENHANCED_BLOOD_HU.lo), hi: Math.max(m.hi, UNENHANCED_BLOOD_HU.hi) };
}

/**
 * A later click's radius is at most this times the first click's: it is on the same named vessel, whose calibre
 * changes slowly, and where the lumen touches tissue of its density a later click's own depth reads it wide
 * (the left iliac artery's third click 6.7 mm against the first's 6.0 and a true ≈ 5.5; vessels after 5 clicks
 * 0.700 → 0.704, at 1 / 1.5 times 0.704 / 0.701).
 */
const LATER_RADIUS_FACTOR = 1.25;

/** Vessels that end where they divide (the aorta at the iliac bifurcation, the IVC at the iliac confluence). */
const ENDS_AT_BRANCH = /aorta|vena cava/;

interface Tube {
  maxRadiusMm: number;
  endsAtBranch: boolean;
  twoVessels: boolean;
}

function tubeOf(classId: number): Tube {
  const name = labelById(classId)?.name ?? '';
  const max = MAX_RADIUS.find(([re]) => re.test(name))?.[1] ?? 10;
  return { maxRadiusMm: max, endsAtBranch: ENDS_AT_BRANCH.test(name), twoVessels: / and /.test(name) };
}

export const VESSEL_STRATEGY: ClickStrategy = {
  name: 'vessel',
  // Hepatic vessels are a tree inside the liver and the atrial appendage a pouch: not one tube.
  handles: (classId, group) => group === 'vessel' && classId !== 25 && classId !== 108,
  segment: (ct, axes, clicks, out) => segmentVessel(ct, axes, clicks, out),
  tracksTubes: true,
};

export function segmentVessel(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array, options: Partial<VesselOptions> = {}): number {
  const o = { ...VESSEL_DEFAULTS, ...options };
  out.fill(0);
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) return 0;
  const tube = tubeOf(clicks.classId);
  const f = blockFactor(ct, o.workMm);
  // The box reaches marginMm across the body and lengthMm along it (and across it too for the portal and
  // splenic veins): a named vessel runs the length of a body region, not its width.
  const along = tube.twoVessels ? [axes.siAxis, axes.lrAxis] : [axes.siAxis];
  const ends: Vec3[] = [];
  for (const p of clicks.points) for (const a of along) for (const d of [-1, 1]) {
    const q = [...p] as Vec3;
    q[a] += Math.round((d * o.lengthMm) / ct.spacing[a]);
    ends.push(q);
  }
  const box = readClickBox(ct, [...clicks.points, ...ends], o.marginMm, f);
  const n = box.hu.length;
  const mask = new Uint8Array(n);
  const lumen = new Uint8Array(n);
  const negCells = neg.map((p) => cellOf(box, p));
  const posCells = pos.map((p) => cellOf(box, p));
  let firstAxis = axes.siAxis;
  let firstR0 = Infinity;
  const models = pos.map((p, k) => {
    const seed = cellOf(box, p);
    const m = withBlood(clickModel(box, seed, CLICK_DEFAULTS));
    for (let i = 0; i < n; i++) lumen[i] = (box.smooth[i] >= m.lo && box.smooth[i] <= m.hi) || (box.hu[i] >= m.lo && box.hu[i] <= m.hi) ? 1 : 0;
    lumen[seed] = 1;
    for (const c of negCells) lumen[c] = 0;
    // A later click is on the vessel the first click found, so its tube runs along the first click's axis: in the
    // liver or beside an organ of the vessel's density another axis can look longer (the IVC's later click at the
    // liver ran across the body; vessels after 2 / 3 / 5 clicks 0.627 / 0.660 / 0.699 → 0.636 / 0.668 / 0.700).
    // Not for two vessels in one class, each click tracked along all three axes anyway.
    const axis = k > 0 && !tube.twoVessels ? firstAxis : tubeAxis(box, lumen, seed, axes, 60, o);
    if (k === 0) firstAxis = axis;
    // A later click's tube ends where it has joined the tube of the earlier clicks (it fills the part they missed).
    const earlier = k > 0 && o.joinSlices > 0 ? mask.slice() : null;
    const r0k = trackTube(box, lumen, seed, axis, tube, posCells, negCells, earlier, o, mask, k > 0 ? firstR0 * LATER_RADIUS_FACTOR : Infinity);
    if (k === 0) firstR0 = r0k;
    // Two vessels in one class meeting at a right angle (the splenic vein runs across the body into the
    // portal vein, which runs up, right and forwards to the liver): the click is tracked along all three axes.
    if (tube.twoVessels) for (const a of [0, 1, 2]) if (a !== axis) trackTube(box, lumen, seed, a, tube, posCells, negCells, earlier, o, mask);
    mask[seed] = 1;
    return m;
  });
  for (const c of negCells) mask[c] = 0;
  const accept = (hu: number): boolean => models.some((m) => hu >= m.lo && hu <= m.hi);
  return pinClicks(out, ct.dims, writeBack(mask, new Uint8Array(n), box, ct, out, accept), clicks.points, clicks.labels);
}

const STRIDES = (dims: Vec3): Vec3 => [1, dims[0], dims[0] * dims[1]];

function coords(cell: number, dims: Vec3): Vec3 {
  return [cell % dims[0], Math.floor(cell / dims[0]) % dims[1], Math.floor(cell / (dims[0] * dims[1]))];
}

/**
 * The vessel's axis: the voxel axis along which the lumen runs furthest through the click (a tube is
 * long along its axis and short across it); ties go to the body's long axis, along which most named
 * vessels of the trunk and neck run.
 */
function tubeAxis(box: ClickBox, lumen: Uint8Array, seed: number, axes: AxisInfo, limitMm: number, o: VesselOptions): number {
  const st = STRIDES(box.dims);
  const c = coords(seed, box.dims);
  const run = (a: number): number => {
    let len = 0;
    for (const d of [1, -1]) {
      for (let k = 1; k * box.spacing[a] <= limitMm; k++) {
        const q = c[a] + d * k;
        if (q < 0 || q >= box.dims[a] || lumen[seed + d * k * st[a]] === 0) break;
        len += box.spacing[a];
      }
    }
    return len;
  };
  const runs = [0, 1, 2].map(run);
  let best = axes.siAxis;
  for (let a = 0; a < 3; a++) if (runs[a] > o.axisPreference * runs[best]) best = a;
  return best;
}

/** In-plane distance (mm) from the seed to the nearest non-lumen cell of its plane across `axis` (capped). */
function planeDepth(box: ClickBox, lumen: Uint8Array, seed: number, axis: number, capMm: number): number {
  const [u, w] = [0, 1, 2].filter((a) => a !== axis);
  const st = STRIDES(box.dims);
  const c = coords(seed, box.dims);
  const su = box.spacing[u];
  const sw = box.spacing[w];
  const ru = Math.ceil(capMm / su);
  const rw = Math.ceil(capMm / sw);
  let best = capMm;
  for (let dw = -rw; dw <= rw; dw++) for (let du = -ru; du <= ru; du++) {
    const d = Math.hypot(du * su, dw * sw);
    if (d >= best) continue;
    const iu = c[u] + du;
    const iw = c[w] + dw;
    // The box's edge is not lumen evidence either way: skip it.
    if (iu < 0 || iw < 0 || iu >= box.dims[u] || iw >= box.dims[w]) continue;
    if (lumen[seed + du * st[u] + dw * st[w]] === 0) best = d;
  }
  return best;
}

/**
 * Tracks the tube through the seed along `axis`, both ways, one cross-section per slice: the lumen
 * cells within the running radius (+ discCells) of the previous slice's centre that touch the previous
 * cross-section; writes the cross-sections into mask. The click's radius is at most capR0 (mm); returns it.
 */
function trackTube(box: ClickBox, lumen: Uint8Array, seed: number, axis: number, tube: Tube, posCells: readonly number[], negCells: readonly number[], earlier: Uint8Array | null, o: VesselOptions, mask: Uint8Array, capR0 = Infinity): number {
  const [u, w] = [0, 1, 2].filter((a) => a !== axis);
  const dims = box.dims;
  const st = STRIDES(dims);
  const su = box.spacing[u];
  const sw = box.spacing[w];
  const cellMm = Math.sqrt(su * sw);
  const c = coords(seed, dims);
  // The click's radius: the narrowest of the lumen's in-plane depths a few slices around the click
  // (second smallest of seven), so a lumen touching tissue of its density at the click is not taken as wide.
  const depths: number[] = [];
  for (let k = -3; k <= 3; k++) {
    const s = c[axis] + k;
    if (s < 0 || s >= dims[axis]) continue;
    const v = seed + k * st[axis];
    if (lumen[v] !== 0) depths.push(planeDepth(box, lumen, v, axis, tube.maxRadiusMm));
  }
  depths.sort((a, b) => a - b);
  const depth = depths[Math.floor(depths.length / 2)];
  // The lumen's border lies between the last lumen cell and the first outside one.
  const r0 = Math.min(capR0, tube.maxRadiusMm, Math.max(cellMm * 0.75, depth - o.depthBias * cellMm));
  const negs = negCells.map((v) => coords(v, dims));
  const poss = posCells.filter((v) => v !== seed).map((v) => coords(v, dims));
  const nu = dims[u];
  const nw = dims[w];
  const prev = new Int32Array(nu * nw).fill(-1);
  const cur = new Int32Array(nu * nw).fill(-1);
  // First slice: the lumen within r0 + discCells of the click, connected to it.
  const start = section(c[axis], c[u], c[w], r0, null);
  if (start.cells.length === 0) return r0;
  const startR = r0;
  const rMax = Math.min(tube.maxRadiusMm, o.radiusFactor * r0);
  const rMin = r0 / o.radiusFactor;
  for (const v of start.cells) mask[v] = 1;
  for (const dir of [1, -1]) {
    prev.fill(-1);
    for (const v of start.cells) { const p = coords(v, dims); prev[p[u] + nu * p[w]] = c[axis]; }
    let cu = start.cu;
    let cw = start.cw;
    let r = startR;
    let wide = 0;
    let narrow = 0;
    let joined = 0;
    let vu = 0;
    let vw = 0;
    const path: Array<{ cells: number[]; r: number }> = [];
    const reach = earlier ? Math.round(o.laterReachMm / box.spacing[axis]) : Infinity;
    for (let s = c[axis] + dir; s >= 0 && s < dims[axis] && Math.abs(s - c[axis]) <= reach; s += dir) {
      // The axis is predicted from its drift over the last slices (an oblique vessel moves across them).
      cu += vu;
      cw += vw;
      const next = section(s, cu, cw, r, { prev, mark: s - dir });
      if (next.byNegative) { cutAtChange(path, o); break; }
      if (next.cells.length === 0 || next.stop) break;
      // The section is a disc of the running radius around the centroid of the lumen inside that disc:
      // tissue of the same density touching the vessel adds only a rim at the disc's edge, so neither the
      // centre nor the radius (the lumen's depth at the centre) follows it far.
      const core = next.cells.filter((v) => { const p = coords(v, dims); return ((p[u] - cu) * su) ** 2 + ((p[w] - cw) * sw) ** 2 <= r * r; });
      const kept = core.length > 0 ? core : next.cells;
      let mu = 0;
      let mw = 0;
      for (const v of kept) { const p = coords(v, dims); mu += p[u]; mw += p[w]; }
      mu /= kept.length;
      mw /= kept.length;
      // Another positive click on this slice near the axis is on the tube's axis.
      for (const q of poss) {
        if (q[axis] === s && Math.hypot((q[u] - mu) * su, (q[w] - mw) * sw) <= r + cellMm) { mu = q[u]; mw = q[w]; }
      }
      const R = r + o.slackCells * cellMm;
      const cells = next.cells.filter((v) => { const p = coords(v, dims); return ((p[u] - mu) * su) ** 2 + ((p[w] - mw) * sw) ** 2 <= R * R; });
      const area = cells.length * su * sw;
      if (area < o.endFraction * Math.PI * r * r) break;
      // The slice's radius: the lumen's depth at the centre cell or its in-plane neighbours (deepest; a
      // partial-volume cell or a centre one cell off does not read as a narrowing).
      let rSlice = 0;
      for (const [du, dw] of [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const iu = Math.round(mu) + du;
        const iw = Math.round(mw) + dw;
        if (iu < 0 || iw < 0 || iu >= nu || iw >= nw) continue;
        const v = s * st[axis] + iu * st[u] + iw * st[w];
        if (lumen[v] !== 0) rSlice = Math.max(rSlice, planeDepth(box, lumen, v, axis, rMax + cellMm) - o.depthBias * cellMm);
      }
      // A sharp change of calibre ends the named vessel: wider (it joins a larger vessel or runs into an
      // organ of its density), narrower (it divides, or the lumen fades).
      wide = rSlice >= Math.min(rMax, o.changeFactor * r) ? wide + 1 : 0;
      narrow = rSlice < r / o.changeFactor ? narrow + 1 : 0;
      if (wide >= o.changeSlices || narrow >= o.changeSlices) break;
      for (const v of cells) { const p = coords(v, dims); prev[p[u] + nu * p[w]] = s; }
      path.push({ cells, r: rSlice });
      if (earlier) {
        const inside = cells.reduce((a, v) => a + earlier[v], 0);
        joined = inside > o.joinFraction * cells.length ? joined + 1 : 0;
        if (joined >= o.joinSlices) break;
      }
      vu = o.drift * (vu + mu - cu);
      vw = o.drift * (vw + mw - cw);
      cu = mu;
      cw = mw;
      r = Math.min(rMax, Math.max(rMin, (1 - o.smoothing) * r + o.smoothing * rSlice));
    }
    for (const step of path) for (const v of step.cells) mask[v] = 1;
  }
  return r0;

  /**
   * The cross-section in slice s: lumen cells within r + discCells of (cu, cw), not nearer a negative
   * click than the axis; with `link`, only the 4-connected parts touching the previous slice's section.
   */
  function section(s: number, cu: number, cw: number, r: number, link: { prev: Int32Array; mark: number } | null): { cells: number[]; cu: number; cw: number; stop: boolean; byNegative?: boolean } {
    const R = r + o.discCells * cellMm;
    const ru = Math.ceil(R / su);
    const rw = Math.ceil(R / sw);
    const iu0 = Math.round(cu);
    const iw0 = Math.round(cw);
    const axisPos = [0, 0, 0];
    axisPos[axis] = s * box.spacing[axis];
    axisPos[u] = cu * su;
    axisPos[w] = cw * sw;
    // A negative click on the axis ends the tube here.
    for (const q of negs) {
      if (q[axis] !== s) continue;
      if (Math.hypot((q[u] - cu) * su, (q[w] - cw) * sw) <= r) return { cells: [], cu, cw, stop: true, byNegative: true };
    }
    cur.fill(-1);
    const cand: number[] = [];
    for (let dw = -rw; dw <= rw; dw++) for (let du = -ru; du <= ru; du++) {
      const iu = iu0 + du;
      const iw = iw0 + dw;
      if (iu < 0 || iw < 0 || iu >= nu || iw >= nw) continue;
      if (((iu - cu) * su) ** 2 + ((iw - cw) * sw) ** 2 > R * R) continue;
      const v = s * st[axis] + iu * st[u] + iw * st[w];
      if (lumen[v] === 0) continue;
      if (negs.length > 0) {
        const p = [0, 0, 0];
        p[axis] = s * box.spacing[axis];
        p[u] = iu * su;
        p[w] = iw * sw;
        const toAxis = Math.hypot(p[0] - axisPos[0], p[1] - axisPos[1], p[2] - axisPos[2]);
        if (negs.some((q) => Math.hypot(q[0] * box.spacing[0] - p[0], q[1] * box.spacing[1] - p[1], q[2] * box.spacing[2] - p[2]) < toAxis)) continue;
      }
      cur[iu + nu * iw] = cand.length;
      cand.push(v);
    }
    // 4-connected parts of the candidates (labels in comp).
    const comp = new Int32Array(cand.length).fill(-1);
    const parts: Array<{ cells: number[]; overlap: number; su: number; sw: number }> = [];
    for (let i = 0; i < cand.length; i++) {
      if (comp[i] >= 0) continue;
      const part = { cells: [] as number[], overlap: 0, su: 0, sw: 0 };
      comp[i] = parts.length;
      const stack = [i];
      while (stack.length > 0) {
        const k = stack.pop() as number;
        const v = cand[k];
        const p = coords(v, dims);
        part.cells.push(v);
        part.su += p[u];
        part.sw += p[w];
        if (link && link.prev[p[u] + nu * p[w]] === link.mark) part.overlap++;
        for (const [du, dw] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          const iu = p[u] + du;
          const iw = p[w] + dw;
          if (iu < 0 || iw < 0 || iu >= nu || iw >= nw) continue;
          const j = cur[iu + nu * iw];
          if (j < 0 || comp[j] >= 0) continue;
          comp[j] = parts.length;
          stack.push(j);
        }
      }
      parts.push(part);
    }
    let chosen: typeof parts;
    if (link) {
      const linked = parts.filter((p) => p.overlap > 0).sort((a, b) => b.overlap - a.overlap);
      if (linked.length === 0) return { cells: [], cu, cw, stop: true };
      const big = linked.filter((p) => p.cells.length * su * sw >= o.branchFraction * Math.PI * r * r);
      if (tube.endsAtBranch && big.length >= 2) return { cells: [], cu, cw, stop: true };
      chosen = [linked[0]];
    } else {
      const seedPart = parts.find((p) => p.cells.includes(s * st[axis] + iu0 * st[u] + iw0 * st[w]));
      chosen = seedPart ? [seedPart] : [];
    }
    const cells = chosen.flatMap((p) => p.cells);
    if (cells.length === 0) return { cells, cu, cw, stop: true };
    const mu = chosen.reduce((a, p) => a + p.su, 0) / cells.length;
    const mw = chosen.reduce((a, p) => a + p.sw, 0) / cells.length;
    return { cells, cu: mu, cw: mw, stop: false };
  }
}

/**
 * A negative click on the tube: the tube ran into what is not the vessel. It is cut back to the
 * sharpest change of calibre on its way there (where it divided, or joined something wider or
 * narrower; a step in the radius profile, means of up to 4 slices on either side), if there is one.
 */
function cutAtChange(path: Array<{ cells: number[]; r: number }>, o: VesselOptions): void {
  const W = 4;
  let best = -1;
  let bestScore = Math.log(o.cutStep);
  for (let k = 1; k < path.length; k++) {
    let a = 0;
    let na = 0;
    for (let j = Math.max(0, k - W); j < k; j++) { a += path[j].r; na++; }
    let b = 0;
    let nb = 0;
    for (let j = k; j < Math.min(path.length, k + W); j++) { b += path[j].r; nb++; }
    const score = Math.abs(Math.log((a / na + 1e-3) / (b / nb + 1e-3)));
    if (score > bestScore) { bestScore = score; best = k; }
  }
  if (best > 0) path.length = best;
}
