// Click simulator (the protocol of issue 14): click 1 = positive at the voxel deepest inside the
// reference (Euclidean distance transform in mm; the scan edge is not a boundary, so a structure cut
// by it is measured in what is visible); every further click at the deepest voxel of the
// largest error region of the current result: positive on a miss, negative on a leak. The engine is
// reached over HTTP (the NIM API of apps/backend), so any backend can be measured.
import { gunzipSync } from 'node:zlib';
import { encodeNifti, parseNifti, type Vec3, type Volume } from '@vista3d/volume';
import { squaredDistanceMm } from '../../packages/segmentation/src/cpu/edt.js';
import { componentsOfMask } from '../../packages/segmentation/src/cpu/runs.js';

export interface Click {
  point: Vec3;
  label: 0 | 1;
}

export interface ClickStep {
  clicks: number;
  dice: number;
  /** Result volume / reference volume. */
  volumeRatio: number;
  /** Wall time of the HTTP request (upload, inference, download). */
  seconds: number;
  /** Engine time reported by the backend (x-vista3d-inference-seconds). */
  serverSeconds: number;
}

export interface LabelRun {
  classId: number;
  voxels: number;
  steps: ClickStep[];
}

/**
 * Deepest voxel of a mask (largest distance to background, mm), computed on its bounding box grown by
 * one voxel: the voxels beyond the box are background, only beyond the scan's edge is unknown. (Cut at
 * the box itself, a face of the box counted as unknown, and a voxel one layer from the border there could
 * pass for the deepest: the abdomen CT's spinal cord was clicked at 3.0 mm true depth, taken for 9.0 mm.)
 */
export function deepestVoxel(mask: Uint8Array, dims: Vec3, spacing: readonly number[]): { voxel: number; depthMm: number } | null {
  const [nx, ny, nz] = dims;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  for (let zz = 0; zz < nz; zz++) for (let y = 0; y < ny; y++) {
    const row = (zz * ny + y) * nx;
    for (let x = 0; x < nx; x++) if (mask[row + x] !== 0) {
      if (x < lo[0]) lo[0] = x; if (x > hi[0]) hi[0] = x;
      if (y < lo[1]) lo[1] = y; if (y > hi[1]) hi[1] = y;
      if (zz < lo[2]) lo[2] = zz; if (zz > hi[2]) hi[2] = zz;
    }
  }
  if (hi[0] < 0) return null;
  for (let a = 0; a < 3; a++) {
    lo[a] = Math.max(0, lo[a] - 1);
    hi[a] = Math.min(dims[a] - 1, hi[a] + 1);
  }
  const bd: Vec3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const box = new Uint8Array(bd[0] * bd[1] * bd[2]);
  for (let zz = 0; zz < bd[2]; zz++) for (let y = 0; y < bd[1]; y++) for (let x = 0; x < bd[0]; x++) {
    box[x + bd[0] * (y + bd[1] * zz)] = mask[x + lo[0] + nx * (y + lo[1] + ny * (zz + lo[2]))];
  }
  const d2 = squaredDistanceMm(box, bd, spacing, false);
  let best = -1;
  for (let i = 0; i < d2.length; i++) if (box[i] !== 0 && (best < 0 || d2[i] > d2[best])) best = i;
  const x = best % bd[0];
  const y = Math.floor(best / bd[0]) % bd[1];
  const zz = Math.floor(best / (bd[0] * bd[1]));
  return { voxel: x + lo[0] + nx * (y + lo[1] + ny * (zz + lo[2])), depthMm: Math.sqrt(d2[best]) };
}

export function toVec3(v: number, dims: Vec3): Vec3 {
  const x = v % dims[0];
  const y = Math.floor(v / dims[0]) % dims[1];
  return [x, y, Math.floor(v / (dims[0] * dims[1]))];
}

/** The next click: deepest voxel of the largest 6-connected error component (miss → 1, leak → 0). */
export function nextClick(ref: Uint8Array, pred: Uint8Array, dims: Vec3, spacing: readonly number[]): Click | null {
  const n = ref.length;
  const miss = new Uint8Array(n);
  const leak = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (ref[i] !== 0 && pred[i] === 0) miss[i] = 1;
    else if (ref[i] === 0 && pred[i] !== 0) leak[i] = 1;
  }
  let best: { mask: Uint8Array; label: 0 | 1; comp: number; size: number } | null = null;
  for (const [mask, label] of [[miss, 1], [leak, 0]] as const) {
    const c = componentsOfMask(mask, dims);
    for (let k = 1; k <= c.count; k++) if (!best || c.size[k] > best.size) best = { mask, label, comp: k, size: c.size[k] };
    if (best && best.mask === mask) {
      // Keep only the winning component in its mask.
      mask.fill(0);
      for (let r = 0; r < c.start.length; r++) if (c.label[r] === best.comp) mask.fill(1, c.rowOf[r] * dims[0] + c.start[r], c.rowOf[r] * dims[0] + c.end[r] + 1);
    }
  }
  if (!best) return null;
  const deep = deepestVoxel(best.mask, dims, spacing);
  return deep ? { point: toVec3(deep.voxel, dims), label: best.label } : null;
}

export function diceOf(ref: Uint8Array, pred: Uint8Array): { dice: number; refCount: number; predCount: number } {
  let a = 0;
  let b = 0;
  let both = 0;
  for (let i = 0; i < ref.length; i++) {
    if (ref[i] !== 0) a++;
    if (pred[i] !== 0) { b++; if (ref[i] !== 0) both++; }
  }
  return { dice: a + b === 0 ? 1 : (2 * both) / (a + b), refCount: a, predCount: b };
}

/** One NIM inference call with point prompts for one class; returns that class's mask. */
export async function segmentWithClicks(baseUrl: string, ctBytes: Uint8Array, classId: number, clicks: readonly Click[], n: number): Promise<{ mask: Uint8Array; seconds: number; serverSeconds: number }> {
  const prompts = { classes: [classId], points: clicks.map((c) => c.point), point_labels: clicks.map((c) => c.label) };
  const t = performance.now();
  const res = await fetch(`${baseUrl}/v1/vista3d/inference?prompts=${encodeURIComponent(JSON.stringify(prompts))}`, {
    method: 'POST',
    headers: { 'content-type': 'application/gzip', accept: 'application/gzip' },
    body: ctBytes,
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const seconds = (performance.now() - t) / 1000;
  if (!res.ok) throw new Error(`backend answered ${res.status}: ${Buffer.from(body).toString('utf8').slice(0, 300)}`);
  const label = parseNifti(gunzipSync(body));
  if (label.data.length !== n) throw new Error(`label map has ${label.data.length} voxels, expected ${n}`);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = label.data[i] === classId ? 1 : 0;
  return { mask, seconds, serverSeconds: Number(res.headers.get('x-vista3d-inference-seconds') ?? 'NaN') };
}

/** The CT as the gzip NIfTI bytes uploaded with every prompt. */
export async function ctUpload(ct: Volume): Promise<Uint8Array> {
  return new Uint8Array(await encodeNifti(ct, { gzip: true, level: 1 }));
}

/** Answers one prompt: the class mask for these clicks (over HTTP in the benchmark). */
export type Segmenter = (classId: number, clicks: readonly Click[], n: number) => Promise<{ mask: Uint8Array; seconds: number; serverSeconds: number }>;

export function httpSegmenter(baseUrl: string, ctBytes: Uint8Array): Segmenter {
  return (classId, clicks, n) => segmentWithClicks(baseUrl, ctBytes, classId, clicks, n);
}

/** Runs the protocol for one label of a reference map, up to maxClicks. */
export async function simulateLabel(segment: Segmenter, ct: Volume, ref: Volume, classId: number, maxClicks = 5): Promise<LabelRun> {
  const n = ref.data.length;
  const refMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) refMask[i] = ref.data[i] === classId ? 1 : 0;
  const first = deepestVoxel(refMask, ref.dims, ct.spacing);
  if (!first) throw new Error(`class ${classId} is absent from the reference`);
  const clicks: Click[] = [{ point: toVec3(first.voxel, ref.dims), label: 1 }];
  const steps: ClickStep[] = [];
  let voxels = 0;
  for (let k = 1; k <= maxClicks; k++) {
    const { mask, seconds, serverSeconds } = await segment(classId, clicks, n);
    const d = diceOf(refMask, mask);
    voxels = d.refCount;
    steps.push({ clicks: k, dice: d.dice, volumeRatio: d.predCount / d.refCount, seconds, serverSeconds });
    if (k === maxClicks) break;
    const next = nextClick(refMask, mask, ref.dims, ct.spacing);
    if (!next) {
      // Perfect result: further clicks change nothing.
      for (let j = k + 1; j <= maxClicks; j++) steps.push({ ...steps[steps.length - 1], clicks: j, seconds: 0, serverSeconds: 0 });
      break;
    }
    clicks.push(next);
  }
  return { classId, voxels, steps };
}

/** Labels of a reference map with at least minVoxels voxels, by id. */
export function labelsOf(ref: Volume, minVoxels = 500): Array<{ id: number; voxels: number }> {
  const counts = new Map<number, number>();
  for (const v of ref.data) if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].filter(([, c]) => c >= minVoxels).map(([id, voxels]) => ({ id, voxels })).sort((a, b) => a.id - b.id);
}

export interface Summary {
  clicks: number;
  meanDice: number;
  medianDice: number;
  meanVolumeRatio: number;
  maxVolumeRatio: number;
  meanSeconds: number;
}

export function summarise(runs: readonly LabelRun[], maxClicks = 5): Summary[] {
  const out: Summary[] = [];
  for (let k = 1; k <= maxClicks; k++) {
    const steps = runs.map((r) => r.steps[k - 1]).filter((s) => s !== undefined);
    const dice = steps.map((s) => s.dice).sort((a, b) => a - b);
    const mid = dice.length / 2;
    const timed = steps.filter((s) => s.seconds > 0);
    out.push({
      clicks: k,
      meanDice: dice.reduce((a, b) => a + b, 0) / dice.length,
      medianDice: dice.length % 2 ? dice[Math.floor(mid)] : (dice[mid - 1] + dice[mid]) / 2,
      meanVolumeRatio: steps.reduce((a, s) => a + s.volumeRatio, 0) / steps.length,
      maxVolumeRatio: Math.max(...steps.map((s) => s.volumeRatio)),
      meanSeconds: timed.reduce((a, s) => a + s.seconds, 0) / Math.max(1, timed.length),
    });
  }
  return out;
}
