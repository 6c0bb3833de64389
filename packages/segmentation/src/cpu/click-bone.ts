import { labelById } from '@vista3d/labels';
import type { Vec3, Volume } from '@vista3d/volume';
import { resultCorners } from './click-bone-box.js';
import { blockFactor, cellOf, neighbourMedianHu, readClickBox, touchesOpenFace, type ClickBox } from './click-box.js';
import { levelSizes, trimDiscs, vertebraCores, vertebraLevel, type Column, type VertebraLevel } from './click-bone-spine.js';
import { segmentCordFromClicks, type CordOptions } from './click-bone-cord.js';
import { enclosedCells } from './click-bone-marrow.js';
import { geodesic, insideDistance2, keepConnected, markReached } from './click-geodesic.js';
import type { ClassClicks, ClickStrategy } from './click-strategy.js';
import { BONE_HU, CLICK_DEFAULTS, segmentFromClicks, writeBack } from './interactive.js';
import { pinClicks } from './click-pin.js';
import type { AxisInfo } from './orientation.js';
import { bodyMidlineIndex } from './click-side.js';

/** What a bone class is, for its clicks. */
type BoneKind =
  | { kind: 'vertebra'; level: VertebraLevel }
  /** The whole column (146): every vertebra, no cut at the discs. */
  | { kind: 'column' }
  /** midline: the body's midline (voxel index along left-right) and the half-width (mm) the bone lies within. */
  | { kind: 'bone'; midline?: { index: number; halfWidth: number } };

const VERTEBRAL_COLUMN = 146;
const SACRUM = 97;
/**
 * The sacrum lies within this (mm) of the body's midline: an adult sacral base is at most about 12 cm wide,
 * and the ilia beyond the sacroiliac joints, which 3 mm voxels blur shut, are the hip bones' (the shared CT's
 * sacrum reaches 58 mm; its first click took 1 950 voxels of the left ilium, 1 370 with the bound; 50 / 55 / 65 /
 * 70 mm: 0.56 / 0.57 / 0.51 / 0.50 after 5 clicks against 0.52 at 60 and 0.50 unbounded — 55 is this one sacrum's
 * own width).
 */
const SACRUM_HALF_WIDTH_MM = 60;
/** Intervertebral discs (soft tissue) and costal cartilages (cartilage) are not bone to grow. */
const NOT_BONE = new Set([134, 114]);

export interface BoneClickOptions {
  /** A cell between two cortex-bright cells (≥ sideHu) darker than both by gapHu is a joint space. */
  gapHu: number;
  sideHu: number;
  /** Filled marrow darker than this in a vertebra is the spinal canal (CSF ≈ 0–30 HU), not marrow. */
  canalHu: number;
  /** Half-width (mm) of the whole column around the click (transverse processes; ribs lie beyond). */
  columnHalfWidth: number;
  /** Marrow: fatty marrow is above this (smoothed HU); enclosed by cortex within marrowRadiusMm along minLines of 13 lines, minInPlane of the 4 across the slice. */
  marrowMinHu: number;
  /** Cortex (smoothed HU) for a bone whose first click the ≥ 150 HU cortex does not enclose. */
  softCortexHu: number;
  /** How far (mm, through that bone) a later positive click in it reaches when it is off the bone mask. */
  softPatchMm: number;
  /** Smoothed HU from which a cell is cancellous bone in the spine. */
  spongyHu: number;
  /** Size prior of a bone without discs: balls of the depth found within depthRadiusMm of the click. */
  balls: number;
  /** The same for later positive clicks (corrections are local). */
  laterBalls: number;
  /** A later positive click off the bone takes the cells ≥ patchHu within patchMm of it. */
  patchHu: number;
  patchMm: number;
  /** How far (mm, through bone) a negative click on a vertebra reaches. */
  vertebraNegMm: number;
  /** A vertebra's cells darker than its marrow at every positive click by more than this (HU) are not its bone. */
  marrowDropHu: number;
  depthRadiusMm: number;
  marrowRadiusMm: number;
  minLines: number;
  minInPlane: number;
}

export const BONE_CLICK_DEFAULTS: BoneClickOptions = { gapHu: 60, sideHu: 250, canalHu: 60, columnHalfWidth: 42,
  marrowMinHu: -200, softCortexHu: 80, softPatchMm: 30, spongyHu: 90, balls: 35, laterBalls: 25, patchHu: 60, patchMm: 9, vertebraNegMm: 20, marrowDropHu: 30, depthRadiusMm: 15, marrowRadiusMm: 30, minLines: 10, minInPlane: 3 };

/** Box re-reads towards the result when it touches the box (each by the margin). */
const MAX_ROUNDS = 8;

function kindOf(ct: Volume, axes: AxisInfo, classId: number, first: Vec3): BoneKind {
  if (classId === VERTEBRAL_COLUMN) return { kind: 'column' };
  const level = vertebraLevel(labelById(classId)?.name ?? '');
  if (level) return { kind: 'vertebra', level };
  if (classId === SACRUM) return { kind: 'bone', midline: { index: bodyMidlineIndex(ct, axes, first, -500), halfWidth: SACRUM_HALF_WIDTH_MM } };
  return { kind: 'bone' };
}

/**
 * Bone clicks (docs/segmentation-engines.md, "Bone clicks"): a bone is its cortex with the marrow it
 * encloses, and one bone meets the next at a joint space or a disc — a thin gap darker than the
 * cortex on both sides. The bone mask of the working box minus those gaps is split between the
 * clicks by geodesic distance through bone: positive clicks (and, for a vertebra, its body between
 * the discs above and below) against negative clicks (and the bodies of the neighbouring vertebrae).
 */
export function segmentBoneFromClicks(ct: Volume, axes: AxisInfo, clicks: ClassClicks, out: Uint8Array, options: Partial<BoneClickOptions> = {}): number {
  const o = { ...BONE_CLICK_DEFAULTS, ...options, ...boneTuning() };
  const { points, labels } = clicks;
  const pos = points.filter((_p, i) => labels[i] === 1);
  const neg = points.filter((_p, i) => labels[i] === 0);
  out.fill(0);
  if (pos.length === 0) return 0;
  const kind = kindOf(ct, axes, clicks.classId, pos[0]);
  const f = blockFactor(ct, CLICK_DEFAULTS.workMm);
  const margin = 60;
  let region: Vec3[] = [];
  for (let round = 0; ; round++) {
    const box = readClickBox(ct, [...points, ...region], margin, f);
    const r = boneInBox(box, axes, kind, pos, neg, o);
    if (r === null) return segmentFromClicks(ct, axes, points, labels, out);
    if (!touchesOpenFace(r.mask, box) || round >= MAX_ROUNDS || box.atEdge.every(Boolean)) {
      // Border voxels at full resolution: bone, or as dense as the marrow a positive click is in.
      const floor = Math.min(BONE_HU, ...pos.map((p) => box.smooth[cellOf(box, p)] - o.patchHu + 20));
      return pinClicks(out, ct.dims, writeBack(r.mask, r.claimed, box, ct, out, (hu) => hu >= floor), points, labels);
    }
    region = resultCorners(r.mask, box);
  }
}


/** Cells of the bone mask that lie in a joint space or disc: darker by gapHu than cortex on both sides, one or two cells wide. */
export function jointGaps(box: ClickBox, bone: Uint8Array, o: BoneClickOptions): Uint8Array {
  const { dims, hu } = box;
  const n = hu.length;
  const gap = new Uint8Array(n);
  const strides = [1, dims[0], dims[0] * dims[1]];
  for (let a = 0; a < 3; a++) {
    const s = strides[a];
    const len = dims[a];
    for (let i = 0; i < n; i++) {
      if (bone[i] === 0) continue;
      const k = Math.floor(i / s) % len;
      if (k === 0 || k >= len - 1) continue;
      const h = hu[i];
      const side = Math.min(hu[i - s], hu[i + s]);
      if (side >= o.sideHu && side - h >= o.gapHu) gap[i] = 1;
      if (k < len - 2) {
        const side2 = Math.min(hu[i - s], hu[i + 2 * s]);
        if (side2 >= o.sideHu && side2 - Math.max(h, hu[i + s]) >= o.gapHu) { gap[i] = 1; if (bone[i + s] !== 0) gap[i + s] = 1; }
      }
    }
  }
  return gap;
}

/**
 * Cortex and dense trabecular bone (≥ 150 HU smoothed, ≥ 200 HU raw) with the marrow it encloses in
 * 3-D: cells that cortex surrounds along most lines through them (a vertebral body's or femoral head's
 * marrow behind a cortex broken at CT resolution, which a per-slice hole fill misses).
 */
export function boneMask(box: ClickBox, axes: AxisInfo, o: BoneClickOptions, cortexHu = BONE_HU): Uint8Array {
  const n = box.hu.length;
  const { hu, smooth } = box;
  const bone = new Uint8Array(n);
  const bright = new Uint8Array(n);
  const candidate = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    bright[i] = smooth[i] >= cortexHu || hu[i] >= cortexHu + 50 ? 1 : 0;
    candidate[i] = bright[i] === 0 && smooth[i] > o.marrowMinHu ? 1 : 0;
  }
  const marrow = enclosedCells(bright, candidate, box.dims, box.spacing, axes.siAxis, o.marrowRadiusMm, o.minLines, o.minInPlane);
  for (let i = 0; i < n; i++) bone[i] = marrow[i] | bright[i];
  return bone;
}

function boneInBox(box: ClickBox, axes: AxisInfo, kind: BoneKind, pos: readonly Vec3[], neg: readonly Vec3[], o: BoneClickOptions): { mask: Uint8Array; claimed: Uint8Array } | null {
  const n = box.hu.length;
  const { hu, smooth, dims } = box;
  let bone = boneMask(box, axes, o);
  const spine = kind.kind !== 'bone';
  // The bone with the thinner cortex, read at most once per box (the first click and later ones may both need it).
  let softBone: Uint8Array | null = null;
  const soft = (): Uint8Array => (softBone ??= boneMask(box, axes, o, o.softCortexHu));
  const posCells = pos.map((p) => cellOf(box, p));
  const negCells = neg.map((p) => cellOf(box, p));
  const first = posCells[0];
  // A first click in marrow no cortex of ≥ 150 HU encloses (the sacrum's thin cortex at 3 mm,
  // 100–200 HU, around fatty marrow of −50–30 HU): the bone is read again with the thinner cortex.
  if (!spine && bone[first] === 0 && soft()[first] !== 0) bone = soft().slice();
  if (spine) {
    // Cancellous bone of a vertebral body is ≥ ~100 HU even when osteoporotic; disc ≈ 70–90, muscle 40–60.
    for (let i = 0; i < n; i++) if (smooth[i] >= o.spongyHu) bone[i] = 1;
    // The canal is a hole the vertebral arch encloses, but it holds CSF and cord, not marrow.
    for (let i = 0; i < n; i++) if (bone[i] !== 0 && smooth[i] < BONE_HU && hu[i] < o.canalHu) bone[i] = 0;
  }
  if (bone[first] === 0) return null;
  const gap = jointGaps(box, bone, o);
  const domain = new Uint8Array(n);
  for (let i = 0; i < n; i++) domain[i] = bone[i] !== 0 && gap[i] === 0 ? 1 : 0;
  let reach = Infinity;
  const own = [...posCells];
  const others = kind.kind === 'vertebra' ? [] : [...negCells];
  if (spine) {
    // Ribs and the hip bones lie beyond the transverse processes (and the sacral alae for S1).
    const halfWidth = kind.kind === 'vertebra' ? levelSizes(kind.level).halfWidth : o.columnHalfWidth;
    clearBeyondLeftRight(domain, box, axes.lrAxis, cellCoord(first, dims, axes.lrAxis), halfWidth);
  }
  if (kind.kind === 'bone' && kind.midline !== undefined) {
    // The midline is a voxel index; the cell whose middle lies there, in (fractional) cell units.
    const lr = axes.lrAxis;
    const centre = (kind.midline.index - box.lo[lr] + 0.5) / box.f[lr] - 0.5;
    clearBeyondLeftRight(domain, box, lr, centre, kind.midline.halfWidth);
  }
  // A later positive click off the bone mask (thin cortex, a process at partial volume) brings the
  // denser-than-soft-tissue cells around it (or, off any bone, the tissue like its own: a canal the user counts in).
  // A later positive click off the bone mask but in bone with the thinner cortex (a femoral neck or
  // trochanter whose cortex is 100–200 HU at 3 mm around fatty marrow) brings that bone within
  // softPatchMm of it, joint spaces excepted; anything else the patch of dense cells around it.
  let softNoGaps: Uint8Array | null = null;
  for (const c of posCells.slice(1)) {
    if (domain[c] !== 0) continue;
    if (!spine) {
      if (softNoGaps === null) {
        softNoGaps = soft().slice();
        const softGap = jointGaps(box, softNoGaps, o);
        for (let i = 0; i < n; i++) if (softGap[i] !== 0 || gap[i] !== 0) softNoGaps[i] = 0;
      }
      if (softNoGaps[c] !== 0) { addWithin(box, domain, softNoGaps, c, o.softPatchMm); continue; }
    }
    addPatch(box, domain, c, Math.min(o.patchHu, box.smooth[c] - 40), o.patchMm);
  }
  for (const c of [...posCells, ...negCells]) domain[c] = 1;
  // A lumbar vertebra's column and sizes, kept for the disc trim.
  let lumbar: { column: Column; sizes: ReturnType<typeof levelSizes> } | null = null;
  if (kind.kind === 'vertebra') {
    const sizes = levelSizes(kind.level);
    const cores = vertebraCores(box, axes, domain, first, sizes, posCells.slice(1));
    // Lumbar only: at T12 the thinner discs' dips are shallow and trimming cut into the body (0.78 → 0.70 after 3 clicks).
    if (kind.level.region === 'L') lumbar = { column: cores.column, sizes };
    const isPos = new Set(posCells);
    own.push(...cores.own);
    const ownSet = new Set(own);
    others.push(...cores.others.filter((c) => !ownSet.has(c) && !isPos.has(c)));
    reach = sizes.reach;
    // A vertebra is no darker than its own marrow at a positive click by more than marrowDropHu: the disc cut
    // obliquely by an axial slice, the canal's fat and the rim of soft tissue that smoothing lifts over 150 HU are
    // (cortex, ≥ 150 HU, always stays). After the cores: the neighbours' bodies are found in the whole bone, so a
    // darker S1 still bounds L5 (dropped before them, L5 ran into S1 on the 512×512×300 CT, 0.67 → 0.51).
    dropDarkerThanMarrow(box, domain, posCells, [...own, ...others, ...negCells], o.marrowDropHu);
  }
  const factor = new Float32Array(n);
  for (let i = 0; i < n; i++) factor[i] = domain[i] !== 0 ? 1 : Infinity;
  if (kind.kind === 'bone') {
    // Size prior where no disc bounds the bone: each positive click reaches at most `balls` balls as
    // deep as the bone at it, nearest first (a joint the gaps miss, as the hip's at 3 mm, would
    // otherwise let the femur run into the pelvis); the clicks then compete inside what they reach.
    const cellVol = box.spacing[0] * box.spacing[1] * box.spacing[2];
    const reached = new Uint8Array(n);
    const dist = new Float32Array(n);
    for (const [k, c] of posCells.entries()) {
      const balls = k === 0 ? o.balls : o.laterBalls;
      const depth = depthNear(domain, box, c, o.depthRadiusMm);
      const g = geodesic(dims, box.spacing, factor, [c], Infinity, Math.ceil((balls * (4 / 3) * Math.PI * depth ** 3) / cellVol), dist);
      for (let t = 0; t < g.count; t++) reached[g.order[t]] = 1;
    }
    for (let i = 0; i < n; i++) if (reached[i] === 0) factor[i] = Infinity;
    for (const c of negCells) factor[c] = 1;
  }
  const dOwn = geodesic(dims, box.spacing, factor, own, reach, n, new Float32Array(n)).dist;
  const dOther = others.length > 0 ? geodesic(dims, box.spacing, factor, others, Infinity, n, new Float32Array(n)).dist : null;
  if (kind.kind === 'vertebra' && negCells.length > 0) {
    // A negative click on a vertebra marks a rim or the canal between its body and arch: it takes only
    // its neighbourhood (else its geodesic cell would take the arch it sits next to).
    const dNeg = geodesic(dims, box.spacing, factor, negCells, o.vertebraNegMm, n, new Float32Array(n)).dist;
    if (dOther) for (let i = 0; i < n; i++) dOther[i] = Math.min(dOther[i], dNeg[i]);
  }
  const mask = new Uint8Array(n);
  const claimed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = dOwn[i];
    const b = dOther ? dOther[i] : Infinity;
    if (a < Infinity && a < b) mask[i] = 1;
    else if (b < Infinity) claimed[i] = 1;
  }
  for (const c of negCells) { mask[c] = 0; claimed[c] = 1; }
  // A gap cell goes back when all the bone beside it is this bone's (marrow between two cortices, not a joint).
  const strides = [1, dims[0], dims[0] * dims[1]];
  const add: number[] = [];
  for (let i = 0; i < n; i++) {
    if (gap[i] === 0 || bone[i] === 0 || domain[i] !== 0) continue;
    let mine = 0;
    let foreign = 0;
    for (let a = 0; a < 3; a++) {
      const k = Math.floor(i / strides[a]) % dims[a];
      if (k > 0) { const j = i - strides[a]; if (mask[j] !== 0) mine++; else if (domain[j] !== 0) foreign++; }
      if (k < dims[a] - 1) { const j = i + strides[a]; if (mask[j] !== 0) mine++; else if (domain[j] !== 0) foreign++; }
    }
    if (mine > 0 && foreign === 0) add.push(i);
  }
  for (const i of add) mask[i] = 1;
  if (lumbar !== null) {
    trimDiscs(box, axes, lumbar.column, lumbar.sizes, mask, claimed);
    keepConnected(mask, dims, posCells);
  }
  for (const c of posCells) mask[c] = 1;
  return { mask, claimed };
}

/** The cell's coordinate along axis a of a box of the given dims. */
function cellCoord(cell: number, dims: Vec3, a: number): number {
  const stride = a === 0 ? 1 : a === 1 ? dims[0] : dims[0] * dims[1];
  return Math.floor(cell / stride) % dims[a];
}

/** Clears the domain's cells farther (mm, along the left-right axis lr) than halfWidthMm from the cell coordinate centre. */
function clearBeyondLeftRight(domain: Uint8Array, box: ClickBox, lr: number, centre: number, halfWidthMm: number): void {
  for (let i = 0; i < domain.length; i++) if (Math.abs(cellCoord(i, box.dims, lr) - centre) * box.spacing[lr] > halfWidthMm) domain[i] = 0;
}

/**
 * Clears the bone cells darker (raw cell HU) than min(BONE_HU, the median of the bone cells around a
 * positive click − dropHu), the lowest such floor over the clicks: a per-click intensity model of the
 * clicked vertebra's marrow, which ranges from ≈ 100 HU (fatty, older) to 250 HU (young) and sets how
 * dark its own cells may be. The seeds (clicks, the vertebra's and its neighbours' cores) stay.
 */
function dropDarkerThanMarrow(box: ClickBox, bone: Uint8Array, clicks: readonly number[], seeds: readonly number[], dropHu: number): void {
  let cut = BONE_HU;
  for (const click of clicks) {
    const marrow = neighbourMedianHu(box, click, (i) => bone[i] !== 0);
    if (!Number.isNaN(marrow)) cut = Math.min(cut, marrow - dropHu);
  }
  const keep = new Set(seeds);
  for (let i = 0; i < bone.length; i++) if (bone[i] !== 0 && box.hu[i] < cut && !keep.has(i)) bone[i] = 0;
}

/** Adds to mask the cells of region within radiusMm of the cell through region's cells. */
function addWithin(box: ClickBox, mask: Uint8Array, region: Uint8Array, cell: number, radiusMm: number): void {
  const factor = new Float32Array(mask.length);
  for (let i = 0; i < factor.length; i++) factor[i] = region[i] !== 0 ? 1 : Infinity;
  markReached(box.dims, box.spacing, factor, cell, radiusMm, mask);
}

/** Adds to mask the cells ≥ minHu (smoothed) within radiusMm of the cell that connect to it through such cells. */
function addPatch(box: ClickBox, mask: Uint8Array, cell: number, minHu: number, radiusMm: number): void {
  const factor = new Float32Array(mask.length);
  for (let i = 0; i < factor.length; i++) factor[i] = box.smooth[i] >= minHu ? 1 : Infinity;
  factor[cell] = 1;
  markReached(box.dims, box.spacing, factor, cell, radiusMm, mask);
}

/** Largest depth (mm, distance to the mask's border) within radiusMm of the cell. */
function depthNear(mask: Uint8Array, box: ClickBox, cell: number, radiusMm: number): number {
  const d2 = insideDistance2(mask, box.dims, box.spacing);
  const [bx, by, bz] = box.dims;
  const c = [cell % bx, Math.floor(cell / bx) % by, Math.floor(cell / (bx * by))];
  const r = box.spacing.map((s) => Math.ceil(radiusMm / s));
  let best = 0;
  for (let z = Math.max(0, c[2] - r[2]); z <= Math.min(bz - 1, c[2] + r[2]); z++)
    for (let y = Math.max(0, c[1] - r[1]); y <= Math.min(by - 1, c[1] + r[1]); y++)
      for (let x = Math.max(0, c[0] - r[0]); x <= Math.min(bx - 1, c[0] + r[0]); x++) {
        const e = ((x - c[0]) * box.spacing[0]) ** 2 + ((y - c[1]) * box.spacing[1]) ** 2 + ((z - c[2]) * box.spacing[2]) ** 2;
        if (e <= radiusMm * radiusMm) best = Math.max(best, Math.min(d2[x + bx * (y + by * z)], 1e8));
      }
  return Math.max(Math.sqrt(best), Math.max(...box.spacing));
}

const SPINAL_CORD = 121;

/** Bones (segmentBoneFromClicks) and the spinal cord, which the vertebral canal encloses (segmentCordFromClicks). */
export const BONE_STRATEGY: ClickStrategy = {
  name: 'bone',
  handles: (classId, group) => classId === SPINAL_CORD || (group === 'bone' && !NOT_BONE.has(classId)),
  segment: (ct, axes, clicks, out) => clicks.classId === SPINAL_CORD
    ? segmentCordFromClicks(ct, axes, clicks.points, clicks.labels, out, cordTuning())
    : segmentBoneFromClicks(ct, axes, clicks, out),
  smooth: () => true,
};

function cordTuning(): Partial<CordOptions> {
  const raw = process.env.CORD_OPTS;
  return raw ? (JSON.parse(raw) as Partial<CordOptions>) : {};
}

/** Tuning hook for bench/clicks/tune.ts (BONE_OPTS='{"gapHu":50}'); empty in normal use. */
function boneTuning(): Partial<BoneClickOptions> {
  const raw = process.env.BONE_OPTS;
  return raw ? (JSON.parse(raw) as Partial<BoneClickOptions>) : {};
}
