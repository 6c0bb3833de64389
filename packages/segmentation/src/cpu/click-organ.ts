import type { LabelGroup } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { boxHolds, cellOf, clickBoxBounds, type ClickBox } from './click-box.js';
import { readSampledBox, writeCells } from './click-organ-grid.js';
import { geodesic, insideDistance2, keepConnected } from './click-geodesic.js';
import type { ClassClicks, ClickStrategy } from './click-strategy.js';
import { CLICK_DEFAULTS, clickModel, segmentInBox, type ClickOptions, type Model } from './interactive.js';
import type { AxisInfo } from './orientation.js';
import { ORGAN_PRIORS, type OrganPrior } from './click-organ-priors.js';

/** Organs other groups' strategies own (hollow viscera, the cord) — the organ strategy leaves them alone. */
const NOT_ORGAN_STRATEGY = new Set([11, 12, 13, 19, 62, 121]);

/**
 * Solid organs (liver, spleen, kidneys, pancreas, gallbladder, bladder, prostate, heart, glands):
 * the general seeded growth (interactive.ts) from the positive clicks inside a box of the organ's own
 * reach, then four anatomical priors on its working grid (docs/segmentation-engines.md, "Organ clicks"):
 * - reach: nothing farther from the first click than the organ's half-length (plus margin), nor from a
 *   later positive click than 0.3 of that;
 * - thickness: no organ is thicker than its largest inscribed ball, so the part of the region that
 *   lies within that radius of a cell deeper than it belongs to a bigger neighbour of the same HU
 *   (kidney → liver, prostate → bladder) and goes;
 * - star shape (Veksler 2008): a cell stays only if the straight segment from a positive click to it
 *   runs inside the region, which cuts what a leak reaches around a fat plane;
 * - volume: at most the organ's largest typical adult volume (clipped to the ball of that volume
 *   around the click that lies inside the scan), taken nearest-first by geodesic distance.
 * Negative clicks then compete for what is left, with intensity-weighted geodesic distances, taking
 * only what is clearly nearer to them than to every positive click.
 */
export function segmentOrgan(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array): number {
  const prior = ORGAN_PRIORS.get(clicks.classId) ?? ORGAN_PRIORS.get(0)!;
  const o: ClickOptions = { ...CLICK_DEFAULTS, laterFloorHu: LATER_FLOOR_HU, ...prior.options };
  out.fill(0);
  const { points, labels } = clicks;
  const pos = points.filter((_p, i) => labels[i] === 1);
  const neg = points.filter((_p, i) => labels[i] === 0);
  if (pos.length === 0) return 0;
  const f = ct.spacing.map((s, a) => Math.max(1, Math.min(Math.floor(prior.workMm / s), Math.floor(ct.dims[a] / 16)))) as Vec3;
  // Nothing beyond the organ's reach of the first click stays (withinReach): the box is that of the first
  // click alone while every click lies in it, so an organ's later clicks share its box (click-organ-grid.ts).
  const firstBox = { ...clickBoxBounds(ct, [pos[0]], prior.reachMm, f), f };
  const inFirst = points.every((p) => boxHolds(firstBox, p));
  const box = readSampledBox(ct, inFirst ? [pos[0]] : points, prior.reachMm, f);
  // The priors shape what the positive clicks grow; negative clicks then compete for it (as in the
  // general algorithm), so a negative only ever removes.
  // Unenhanced kidney parenchyma is homogeneous (30–40 HU) and 20–30 HU below unenhanced liver (55–65 HU): a narrow
  // window keeps the two apart. Enhanced (corticomedullary phase: cortex and medulla differ), the general window.
  if (prior.unenhancedHalfHu !== undefined && clickModel(box, cellOf(box, pos[0]), o).mu < UNENHANCED_HU) o.maxHalfHu = prior.unenhancedHalfHu;
  const { mask, models } = segmentInBox(box, pos, [], axes, o);
  const posCells = pos.map((p) => cellOf(box, p));
  applyPriors(mask, box, posCells, prior);
  for (const s of posCells) mask[s] = 1;
  const claimed = new Uint8Array(mask.length);
  if (neg.length > 0) {
    const negCells = neg.map((p) => cellOf(box, p));
    competeNearer(mask, claimed, box, [...posCells.map((c, i) => ({ cell: c, model: models[i], negative: false })),
      ...negCells.map((c) => ({ cell: c, model: clickModel(box, c, o), negative: true }))]);
    keepConnected(mask, box.dims, posCells);
    for (const s of posCells) mask[s] = 1;
  }
  return writeCells(mask, claimed, box, ct, out, models, pos);
}

function applyPriors(mask: Uint8Array, box: ClickBox, posCells: number[], prior: OrganPrior): void {
  withinReach(mask, box, posCells, prior.reachMm);
  cutThicker(mask, box, prior.maxRadiusMm);
  if (prior.star) starShape(mask, box, posCells);
  capVolume(mask, box, posCells, prior.maxMl);
}

/**
 * A later positive click's window reaches no lower than this (HU) unless the first click's does: a solid organ
 * holds no fat, and the protocol's later clicks can land on a border voxel at fat's HU (the prostate's 4th click,
 * −41 HU, ran into the fat beside it: 0.81 → 0.62; with the floor 0.79 after 5). The first click's window keeps its
 * own lower edge, so a fatty pancreas is unchanged. Organ group (25 structures) after 2 / 3 / 4 / 5 clicks 0.759 /
 * 0.798 / 0.815 / 0.827 → 0.759 / 0.797 / 0.820 / 0.831 (at −20 / −10 HU 0.834 after 5, but the hand-drawn liver of
 * the 3-slice CT froze at 0.86 for three clicks; at the first click's lower edge − 10 HU it froze there too).
 * A click whose own median lies below the floor keeps its window (interactive.ts): that liver's missed part holds
 * −80 to −100 HU, and its clicks there added one voxel each (0.90 → 0.92 after 5; organ group 0.8310 → 0.8317;
 * with this, at −20 / −10 HU the prostate's −41 HU click has a median below the floor again: 0.79 → 0.66).
 */
const LATER_FLOOR_HU = -30;

/** Below this median HU at the first click, an organ is taken as unenhanced. */
const UNENHANCED_HU = 60;
/** Step cost of the competition: 1 + (deviation from the click's model / its half-width)², capped. */
const COMPETE_WEIGHT = 2;
/** A negative click takes a cell only when it is this many times nearer than every positive click. */
const NEGATIVE_NEARER = 1.4;

/**
 * Competitive geodesic growth inside the mask (Bai & Sapiro 2007), each click with its own intensity
 * model: a cell leaves the mask when a negative click is clearly nearer (NEGATIVE_NEARER) than every
 * positive one — a negative placed on a leak takes the leak, not the organ behind it.
 */
function competeNearer(mask: Uint8Array, claimed: Uint8Array, box: ClickBox, seeds: Array<{ cell: number; model: Model; negative: boolean }>): void {
  const n = mask.length;
  const nearPos = new Float32Array(n).fill(Infinity);
  const nearNeg = new Float32Array(n).fill(Infinity);
  const dist = new Float32Array(n);
  const fac = new Float32Array(n);
  for (const { cell, model, negative } of seeds) {
    for (let v = 0; v < n; v++) {
      if (mask[v] === 0 && v !== cell) { fac[v] = Infinity; continue; }
      const dev = model.bone ? 0 : Math.min(2, Math.abs(box.smooth[v] - model.mu) / model.half);
      fac[v] = 1 + COMPETE_WEIGHT * dev * dev;
    }
    const g = geodesic(box.dims, box.spacing, fac, [cell], Infinity, n, dist);
    const near = negative ? nearNeg : nearPos;
    for (let t = 0; t < g.count; t++) { const v = g.order[t]; if (dist[v] < near[v]) near[v] = dist[v]; }
  }
  for (let v = 0; v < n; v++) if (mask[v] !== 0 && NEGATIVE_NEARER * nearNeg[v] < nearPos[v]) { mask[v] = 0; claimed[v] = 1; }
  for (const { cell, negative } of seeds) if (negative) { mask[cell] = 0; claimed[cell] = 1; }
}

/**
 * A later positive click extends the organ's reach by this fraction of it around itself: the first click,
 * deepest in the organ, need not lie at its centre, and a pole farther than the reach from it is what a user
 * then clicks (right kidney of the 3 mm CT: the lower pole 82 mm from the first click, beyond its 75 mm —
 * clicks 4 and 5 there added one voxel each; 0.84 → 0.88 after 5 clicks, organ mean +0.002; 0.2–0.5 alike).
 */
const LATER_REACH_FRACTION = 0.3;

/**
 * Keeps what lies within the organ's reach of the first click (which the protocol, like a user, puts well
 * inside) or within LATER_REACH_FRACTION of it of a later positive click.
 */
function withinReach(mask: Uint8Array, box: ClickBox, posCells: number[], reachMm: number): void {
  const [bx, by, bz] = box.dims;
  const cs = posCells.map((p) => [p % bx, Math.floor(p / bx) % by, Math.floor(p / (bx * by))]);
  const rr = posCells.map((_p, i) => (i === 0 ? reachMm : LATER_REACH_FRACTION * reachMm) ** 2);
  const [sx, sy, sz] = box.spacing;
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) {
    const row = bx * (y + by * z);
    for (let x = 0; x < bx; x++) {
      if (mask[row + x] === 0) continue;
      let inside = false;
      for (let k = 0; k < cs.length && !inside; k++) {
        const c = cs[k];
        if (((z - c[2]) * sz) ** 2 + ((y - c[1]) * sy) ** 2 + ((x - c[0]) * sx) ** 2 <= rr[k]) inside = true;
      }
      if (!inside) mask[row + x] = 0;
    }
  }
}

/** Removes what lies within maxR of a cell deeper than maxR (mm): a neighbour thicker than the organ. */
function cutThicker(mask: Uint8Array, box: ClickBox, maxR: number): void {
  const d2 = insideDistance2(mask, box.dims, box.spacing);
  const notCore = new Uint8Array(mask.length);
  let any = false;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0 && d2[i] > maxR * maxR) any = true;
    else notCore[i] = 1;
  }
  if (!any) return;
  const toCore = insideDistance2(notCore, box.dims, box.spacing);
  const r2 = maxR * maxR;
  for (let i = 0; i < mask.length; i++) if (toCore[i] <= r2) mask[i] = 0;
}

/**
 * Keeps the cells visible from a positive click through the mask: the digital segment from the click
 * to the cell (each cell's predecessor is one Chebyshev step back towards the click) stays inside.
 */
function starShape(mask: Uint8Array, box: ClickBox, posCells: number[]): void {
  const [bx, by] = box.dims;
  const n = mask.length;
  const keep = new Uint8Array(n);
  // 0 unknown, 1 visible, 2 hidden — per click.
  const state = new Uint8Array(n);
  const chain = new Int32Array(n);
  for (const s of posCells) {
    state.fill(0);
    const sx = s % bx;
    const sy = Math.floor(s / bx) % by;
    const sz = Math.floor(s / (bx * by));
    state[s] = 1;
    for (let c = 0; c < n; c++) {
      if (mask[c] === 0 || state[c] !== 0) continue;
      let len = 0;
      let v = c;
      while (state[v] === 0) {
        chain[len++] = v;
        if (mask[v] === 0) { state[v] = 2; break; }
        const dx = (v % bx) - sx;
        const dy = (Math.floor(v / bx) % by) - sy;
        const dz = Math.floor(v / (bx * by)) - sz;
        const m = Math.max(Math.abs(dx), Math.abs(dy), Math.abs(dz));
        const k = (m - 1) / m;
        v = sx + Math.round(dx * k) + bx * (sy + Math.round(dy * k) + by * (sz + Math.round(dz * k)));
      }
      const st = state[v];
      for (let t = 0; t < len; t++) if (state[chain[t]] === 0) state[chain[t]] = st;
    }
    for (let c = 0; c < n; c++) if (state[c] === 1 && mask[c] !== 0) keep[c] = 1;
  }
  mask.set(keep);
}

/** Keeps at most the organ's largest volume (clipped to the scan), nearest the positive clicks first. */
function capVolume(mask: Uint8Array, box: ClickBox, posCells: number[], maxMl: number): void {
  const [bx, by, bz] = box.dims;
  const cellMl = (box.spacing[0] * box.spacing[1] * box.spacing[2]) / 1000;
  const r = Math.cbrt((3 * maxMl * 1000) / (4 * Math.PI));
  // The ball of the organ's volume around the first click, as far as the box (clamped to the scan) holds it.
  const s = posCells[0];
  const c = [s % bx, Math.floor(s / bx) % by, Math.floor(s / (bx * by))];
  let inBall = 0;
  for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) for (let x = 0; x < bx; x++) {
    const d = ((x - c[0]) * box.spacing[0]) ** 2 + ((y - c[1]) * box.spacing[1]) ** 2 + ((z - c[2]) * box.spacing[2]) ** 2;
    if (d <= r * r) inBall++;
  }
  const maxCells = Math.min(Math.ceil(maxMl / cellMl), inBall);
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  if (count <= maxCells) return;
  const fac = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) fac[i] = mask[i] !== 0 ? 1 : Infinity;
  const g = geodesic(box.dims, box.spacing, fac, posCells, Infinity, maxCells);
  mask.fill(0);
  for (let i = 0; i < g.count; i++) mask[g.order[i]] = 1;
}

export const ORGAN_STRATEGY: ClickStrategy = {
  name: 'organ',
  handles: (classId: number, group: LabelGroup) => group === 'organ' && !NOT_ORGAN_STRATEGY.has(classId),
  segment: segmentOrgan,
  smooth: () => true,
};
