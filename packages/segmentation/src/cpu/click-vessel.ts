import { labelById } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { blockFactor, cellOf, readClickBox, type ClickBox } from './click-box.js';
import type { ClassClicks, ClickStrategy } from './click-strategy.js';
import { CLICK_DEFAULTS, clickModel, writeBack } from './interactive.js';
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
  /** Half-size (mm) of the working box around the clicks (a named vessel runs the length of a region). */
  marginMm: number;
  /** The tracked radius stays within [r0 / radiusFactor, r0 · radiusFactor] of the click's radius r0. */
  radiusFactor: number;
  /** Lumen search disc per slice: estimated radius + this many cells. */
  discCells: number;
  /** The track ends when a slice's lumen is smaller than this fraction of the running area. */
  endFraction: number;
  /** The track ends when the lumen fills more than this fraction of its search disc (it ran into a wider structure). */
  fullFraction: number;
  /** Two lumens each at least this fraction of the running area, both continuing the tube: a branch. */
  branchFraction: number;
  /** Running radius: new = (1 − smoothing)·old + smoothing·slice's. */
  smoothing: number;
}

export const VESSEL_DEFAULTS: VesselOptions = {
  workMm: 3, marginMm: 200, radiusFactor: 1.5, discCells: 1, endFraction: 0.3, fullFraction: 0.9, branchFraction: 0.3, smoothing: 0.3,
};

/**
 * Largest lumen radius (mm) by vessel, from typical adult calibres (abdominal aorta ≤ 30 mm across,
 * thoracic ≤ 35 mm; venae cavae ≈ 20–25 mm; iliac arteries ≈ 10–12 mm, iliac veins ≈ 12–16 mm;
 * portal vein ≤ 13 mm; carotids ≈ 6–8 mm; subclavian ≈ 8–10 mm).
 */
const MAX_RADIUS: ReadonlyArray<[RegExp, number]> = [
  [/aorta/, 18], [/vena cava/, 16], [/brachiocephalic/, 9], [/iliac/, 9], [/portal|splenic/, 9],
  [/pulmonary/, 10], [/subclavian/, 6], [/carotid/, 5],
];

/** Vessels that end where they divide (the aorta at the iliac bifurcation, the IVC at the iliac confluence). */
const ENDS_AT_BRANCH = /aorta|vena cava/;

interface Tube {
  maxRadiusMm: number;
  endsAtBranch: boolean;
}

function tubeOf(classId: number): Tube {
  const name = labelById(classId)?.name ?? '';
  const max = MAX_RADIUS.find(([re]) => re.test(name))?.[1] ?? 10;
  return { maxRadiusMm: max, endsAtBranch: ENDS_AT_BRANCH.test(name) };
}

export const VESSEL_STRATEGY: ClickStrategy = {
  name: 'vessel',
  // Hepatic vessels are a tree inside the liver and the atrial appendage a pouch: not one tube.
  handles: (classId, group) => group === 'vessel' && classId !== 25 && classId !== 108,
  segment: (ct, axes, clicks, out) => segmentVessel(ct, axes, clicks, out),
};

export function segmentVessel(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array, options: Partial<VesselOptions> = {}): number {
  const o = { ...VESSEL_DEFAULTS, ...options };
  out.fill(0);
  const pos = clicks.points.filter((_p, i) => clicks.labels[i] === 1);
  const neg = clicks.points.filter((_p, i) => clicks.labels[i] === 0);
  if (pos.length === 0) return 0;
  const tube = tubeOf(clicks.classId);
  const f = blockFactor(ct, o.workMm);
  const box = readClickBox(ct, clicks.points, o.marginMm, f);
  const n = box.hu.length;
  const mask = new Uint8Array(n);
  const lumen = new Uint8Array(n);
  const negCells = neg.map((p) => cellOf(box, p));
  const models = pos.map((p) => {
    const seed = cellOf(box, p);
    const m = clickModel(box, seed, CLICK_DEFAULTS);
    for (let i = 0; i < n; i++) lumen[i] = (box.smooth[i] >= m.lo && box.smooth[i] <= m.hi) || (box.hu[i] >= m.lo && box.hu[i] <= m.hi) ? 1 : 0;
    lumen[seed] = 1;
    for (const c of negCells) lumen[c] = 0;
    const axis = tubeAxis(box, lumen, seed, tube.maxRadiusMm);
    trackTube(box, lumen, seed, axis, tube, negCells, o, mask);
    mask[seed] = 1;
    return m;
  });
  for (const c of negCells) mask[c] = 0;
  const accept = (hu: number): boolean => models.some((m) => hu >= m.lo && hu <= m.hi);
  let count = writeBack(mask, new Uint8Array(n), box, ct, out, accept);
  const [nx, ny] = ct.dims;
  const index = (p: Vec3): number => p[0] + nx * (p[1] + ny * p[2]);
  for (const p of neg) { const v = index(p); if (out[v] !== 0) { out[v] = 0; count--; } }
  for (const p of pos) { const v = index(p); if (out[v] === 0) { out[v] = 1; count++; } }
  return count;
}

const STRIDES = (dims: Vec3): Vec3 => [1, dims[0], dims[0] * dims[1]];

function coords(cell: number, dims: Vec3): Vec3 {
  return [cell % dims[0], Math.floor(cell / dims[0]) % dims[1], Math.floor(cell / (dims[0] * dims[1]))];
}

/** Cells of the lumen in the plane across `axis` through the seed, within rMm of it, 4-connected to it. */
function crossSection(box: ClickBox, lumen: Uint8Array, seed: number, axis: number, rMm: number): number {
  const [u, w] = [0, 1, 2].filter((a) => a !== axis);
  const st = STRIDES(box.dims);
  const c = coords(seed, box.dims);
  const su = box.spacing[u];
  const sw = box.spacing[w];
  const seen = new Set<number>([seed]);
  const stack = [seed];
  while (stack.length > 0) {
    const v = stack.pop() as number;
    const p = coords(v, box.dims);
    for (const [a, d] of [[u, 1], [u, -1], [w, 1], [w, -1]]) {
      const q = p[a] + d;
      if (q < 0 || q >= box.dims[a]) continue;
      const nb = v + d * st[a];
      if (seen.has(nb) || lumen[nb] === 0) continue;
      const du = (a === u ? q : p[u]) - c[u];
      const dw = (a === w ? q : p[w]) - c[w];
      if ((du * su) ** 2 + (dw * sw) ** 2 > rMm * rMm) continue;
      seen.add(nb);
      stack.push(nb);
    }
  }
  return seen.size * su * sw;
}

/** The vessel runs across the plane in which its lumen's cross-section through the click is smallest. */
function tubeAxis(box: ClickBox, lumen: Uint8Array, seed: number, maxRadiusMm: number): number {
  let best = 0;
  let bestArea = Infinity;
  for (let a = 0; a < 3; a++) {
    if (box.dims[a] < 3) continue;
    const area = crossSection(box, lumen, seed, a, 2 * maxRadiusMm);
    if (area < bestArea) { bestArea = area; best = a; }
  }
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
 * cross-section; writes the cross-sections into mask.
 */
function trackTube(box: ClickBox, lumen: Uint8Array, seed: number, axis: number, tube: Tube, negCells: readonly number[], o: VesselOptions, mask: Uint8Array): void {
  const [u, w] = [0, 1, 2].filter((a) => a !== axis);
  const dims = box.dims;
  const st = STRIDES(dims);
  const su = box.spacing[u];
  const sw = box.spacing[w];
  const cellMm = Math.sqrt(su * sw);
  const c = coords(seed, dims);
  const depth = planeDepth(box, lumen, seed, axis, tube.maxRadiusMm);
  // The lumen's border lies between the last lumen cell and the first outside one.
  const r0 = Math.min(tube.maxRadiusMm, Math.max(cellMm * 0.75, depth - 0.5 * cellMm));
  const negs = negCells.map((v) => coords(v, dims));
  const nu = dims[u];
  const nw = dims[w];
  const prev = new Int32Array(nu * nw).fill(-1);
  const cur = new Int32Array(nu * nw).fill(-1);
  // First slice: the lumen within r0 + discCells of the click, connected to it.
  const start = section(c[axis], c[u], c[w], r0, null);
  if (start.cells.length === 0) return;
  const startArea = start.cells.length * su * sw;
  const startR = Math.min(r0 * o.radiusFactor, Math.max(r0 / o.radiusFactor, Math.sqrt(startArea / Math.PI)));
  for (const v of start.cells) mask[v] = 1;
  for (const dir of [1, -1]) {
    prev.fill(-1);
    for (const v of start.cells) { const p = coords(v, dims); prev[p[u] + nu * p[w]] = c[axis]; }
    let cu = start.cu;
    let cw = start.cw;
    let r = startR;
    for (let s = c[axis] + dir; s >= 0 && s < dims[axis]; s += dir) {
      const next = section(s, cu, cw, r, { prev, mark: s - dir });
      if (next.cells.length === 0 || next.stop) break;
      const area = next.cells.length * su * sw;
      if (area < o.endFraction * Math.PI * r * r) break;
      const disc = Math.PI * (r + o.discCells * cellMm) ** 2;
      if (area > o.fullFraction * disc && r >= r0 * o.radiusFactor * 0.99) break;
      for (const v of next.cells) { mask[v] = 1; const p = coords(v, dims); prev[p[u] + nu * p[w]] = s; }
      cu = next.cu;
      cw = next.cw;
      r = Math.min(tube.maxRadiusMm, r0 * o.radiusFactor, Math.max(r0 / o.radiusFactor, (1 - o.smoothing) * r + o.smoothing * Math.sqrt(area / Math.PI)));
    }
  }

  /**
   * The cross-section in slice s: lumen cells within r + discCells of (cu, cw), not nearer a negative
   * click than the axis; with `link`, only the 4-connected parts touching the previous slice's section.
   */
  function section(s: number, cu: number, cw: number, r: number, link: { prev: Int32Array; mark: number } | null): { cells: number[]; cu: number; cw: number; stop: boolean } {
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
      if (Math.hypot((q[u] - cu) * su, (q[w] - cw) * sw) <= r) return { cells: [], cu, cw, stop: true };
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
