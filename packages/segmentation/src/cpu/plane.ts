import type { Vec3 } from '@vista3d/volume';
import { sliceGeometry, type SliceGeometry } from './slices.js';

/**
 * In-plane (2D) operations on one slice held in a small buffer (nu × nv, u fastest). Stages that
 * only need in-plane morphology and hole fills run them slice by slice on such a buffer, so the
 * whole chain costs one sweep over the volume instead of one per operation, and every inner loop
 * stays in cache (a 512×512 slice is 256 kB).
 */
export class Plane {
  readonly g: SliceGeometry;
  readonly area: number;
  private readonly tmp: Uint8Array;
  private readonly col: Int32Array;
  private readonly holes: HoleScratch;

  constructor(dims: Vec3, axis: number) {
    this.g = sliceGeometry(dims, axis);
    this.area = this.g.nu * this.g.nv;
    this.tmp = new Uint8Array(this.area);
    this.col = new Int32Array(this.g.nu);
    this.holes = new HoleScratch(this.g.nu, this.g.nv);
  }

  /** Volume index of pixel (a, b) of slice w. */
  voxel(w: number, a: number, b: number): number {
    return w * this.g.sw + a * this.g.su + b * this.g.sv;
  }

  /** Copies slice w of a volume mask into `out`. */
  gather(vol: Uint8Array, w: number, out: Uint8Array): Uint8Array {
    const { nu, nv, su, sv, sw } = this.g;
    if (su === 1 && sv === nu) out.set(vol.subarray(w * sw, w * sw + nu * nv));
    else if (su === 1) for (let b = 0; b < nv; b++) out.set(vol.subarray(w * sw + b * sv, w * sw + b * sv + nu), b * nu);
    else for (let b = 0; b < nv; b++) for (let a = 0; a < nu; a++) out[a + b * nu] = vol[w * sw + a * su + b * sv];
    return out;
  }

  /** Writes `slice` into slice w of a volume mask. */
  scatter(slice: Uint8Array, vol: Uint8Array, w: number): void {
    const { nu, nv, su, sv, sw } = this.g;
    if (su === 1 && sv === nu) vol.set(slice.subarray(0, nu * nv), w * sw);
    else if (su === 1) for (let b = 0; b < nv; b++) vol.set(slice.subarray(b * nu, (b + 1) * nu), w * sw + b * sv);
    else for (let b = 0; b < nv; b++) for (let a = 0; a < nu; a++) vol[w * sw + a * su + b * sv] = slice[a + b * nu];
  }

  /**
   * Erosion/dilation of a slice by a (2ru+1)×(2rv+1) rectangle, in place: along u on the row's runs
   * (a run [s, e] becomes [s−ru, e+ru] or [s+ru, e−ru]), then along v with a per-column run length
   * (erosion) or last-seen row (dilation) inside the foreground's bounding box only. Outside the slice counts as background; the same
   * result as the separable 3D `morph` restricted to the two in-plane axes.
   */
  morph(s: Uint8Array, ru: number, rv: number, op: 'erode' | 'dilate'): void {
    const { nu, nv } = this.g;
    const t = this.tmp;
    const dilate = op === 'dilate';
    const grow = Math.max(0, ru);
    let rFirst = -1;
    let rLast = -1;
    let cMin = nu;
    let cMax = -1;
    t.fill(0);
    for (let b = 0; b < nv; b++) {
      const base = b * nu;
      let a = 0;
      while (a < nu) {
        while (a < nu && s[base + a] === 0) a++;
        if (a >= nu) break;
        const from = a;
        while (a < nu && s[base + a] !== 0) a++;
        const lo = dilate ? Math.max(0, from - grow) : from + grow;
        const hi = dilate ? Math.min(nu - 1, a - 1 + grow) : a - 1 - grow;
        if (lo > hi) continue;
        t.fill(1, base + lo, base + hi + 1);
        if (lo < cMin) cMin = lo;
        if (hi > cMax) cMax = hi;
        if (rFirst < 0) rFirst = b;
        rLast = b;
      }
    }
    if (rv <= 0) { s.set(t); return; }
    s.fill(0);
    if (rFirst < 0) return;
    // Per column: erosion keeps a row where the run of ones ending rv rows below is ≥ 2rv+1 long;
    // dilation keeps a row within rv of the last one seen up to rv rows below.
    const col = this.col;
    const full = 2 * rv + 1;
    if (dilate) {
      col.fill(-full);
      let read = rFirst;
      for (let k = Math.max(0, rFirst - rv); k <= Math.min(nv - 1, rLast + rv); k++) {
        for (; read <= Math.min(k + rv, rLast); read++) {
          const base = read * nu;
          for (let j = cMin; j <= cMax; j++) if (t[base + j] !== 0) col[j] = read;
        }
        const out = k * nu;
        const since = k - rv;
        for (let j = cMin; j <= cMax; j++) if (col[j] >= since) s[out + j] = 1;
      }
    } else {
      col.fill(0);
      for (let k = rFirst; k <= rLast; k++) {
        const base = k * nu;
        const out = (k - rv) * nu;
        for (let j = cMin; j <= cMax; j++) {
          const c = t[base + j] !== 0 ? col[j] + 1 : 0;
          col[j] = c;
          if (c >= full) s[out + j] = 1;
        }
      }
    }
  }

  /**
   * Fills the holes of a slice in place: background (4-connected) not connected to an outside
   * border pixel becomes `value`, holes larger than maxHole pixels stay. `outside(a, b)` limits
   * which background border pixels count as outside (asked only for border pixels). One labelling
   * of the background's runs (union-find per row pair), not a flood over every background pixel.
   */
  fillHoles(s: Uint8Array, value: number, maxHole: number, outside?: (a: number, b: number) => boolean): void {
    fillHoles2d(s, this.g.nu, this.g.nv, value, maxHole, outside, this.holes);
  }
}

class HoleScratch {
  start: Int32Array;
  end: Int32Array;
  parent: Int32Array;
  size: Float64Array;
  out: Uint8Array;
  rowOffset: Int32Array;
  constructor(nu: number, nv: number) {
    const max = Math.ceil(nu / 2 + 1) * nv;
    this.start = new Int32Array(max);
    this.end = new Int32Array(max);
    this.parent = new Int32Array(max);
    this.size = new Float64Array(max);
    this.out = new Uint8Array(max);
    this.rowOffset = new Int32Array(nv + 1);
  }
}

export function fillHoles2d(s: Uint8Array, nu: number, nv: number, value: number, maxHole: number, outside?: (a: number, b: number) => boolean, scratch?: HoleScratch): void {
  const h = scratch ?? new HoleScratch(nu, nv);
  const { start, end, parent, size, out, rowOffset } = h;
  let n = 0;
  for (let b = 0; b < nv; b++) {
    rowOffset[b] = n;
    const base = b * nu;
    let a = 0;
    while (a < nu) {
      while (a < nu && s[base + a] !== 0) a++;
      if (a >= nu) break;
      const from = a;
      while (a < nu && s[base + a] === 0) a++;
      start[n] = from;
      end[n] = a - 1;
      parent[n] = n;
      n++;
    }
  }
  rowOffset[nv] = n;
  if (n === 0) return;
  const find = (x: number): number => {
    while (parent[x] !== x) { parent[x] = parent[parent[x]]; x = parent[x]; }
    return x;
  };
  for (let b = 1; b < nv; b++) {
    let i = rowOffset[b];
    const iEnd = rowOffset[b + 1];
    let j = rowOffset[b - 1];
    const jEnd = rowOffset[b];
    while (i < iEnd && j < jEnd) {
      if (end[i] < start[j]) i++;
      else if (end[j] < start[i]) j++;
      else {
        const ri = find(i);
        const rj = find(j);
        if (ri !== rj) { if (ri < rj) parent[rj] = ri; else parent[ri] = rj; }
        if (end[i] < end[j]) i++;
        else j++;
      }
    }
  }
  for (let i = 0; i < n; i++) { size[i] = 0; out[i] = 0; }
  for (let i = 0; i < n; i++) {
    const r = find(i);
    size[r] += end[i] - start[i] + 1;
  }
  // Outside: components holding a border pixel that may seed the outside.
  const mark = (i: number, a: number, b: number): void => {
    if (!outside || outside(a, b)) out[find(i)] = 1;
  };
  for (const b of nv > 1 ? [0, nv - 1] : [0]) {
    for (let i = rowOffset[b]; i < rowOffset[b + 1]; i++) {
      if (out[find(i)] === 1) continue;
      for (let a = start[i]; a <= end[i]; a++) { mark(i, a, b); if (out[find(i)] === 1) break; }
    }
  }
  for (let b = 1; b < nv - 1; b++) {
    const first = rowOffset[b];
    const last = rowOffset[b + 1] - 1;
    if (last < first) continue;
    if (start[first] === 0) mark(first, 0, b);
    if (end[last] === nu - 1) mark(last, nu - 1, b);
  }
  for (let b = 0; b < nv; b++) {
    for (let i = rowOffset[b]; i < rowOffset[b + 1]; i++) {
      const r = find(i);
      if (out[r] === 1 || size[r] > maxHole) continue;
      s.fill(value, b * nu + start[i], b * nu + end[i] + 1);
    }
  }
}
