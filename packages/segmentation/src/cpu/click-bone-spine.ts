import type { ClickBox } from './click-box.js';
import type { AxisInfo } from './orientation.js';

/** Region of the column a vertebra class belongs to, from its name ("vertebrae L3", "vertebrae S1"). */
export interface VertebraLevel {
  region: 'C' | 'T' | 'L' | 'S';
  level: number;
}

export function vertebraLevel(name: string): VertebraLevel | null {
  const m = /^vertebrae ([CTLS])(\d+)$/.exec(name);
  return m ? { region: m[1] as VertebraLevel['region'], level: Number(m[2]) } : null;
}

/**
 * Typical adult sizes per region (mm): segment period = body height + disc height along the column
 * (cervical ≈ 15 + 4, thoracic ≈ 20–25 + 5, lumbar ≈ 28 + 10, S1 ≈ 30, Gray's Anatomy / morphometric
 * studies), half-width of the vertebra with its transverse processes (cervical ≈ 30, thoracic ≈ 35–40,
 * lumbar ≈ 40–48, S1 with its alae ≈ 55), radius of the body's central core and the longest bone
 * path from that core (body → pedicle → lamina → tip of the spinous process).
 */
export function levelSizes(v: VertebraLevel): { period: number; halfWidth: number; coreRadius: number; reach: number } {
  switch (v.region) {
    case 'C': return { period: 19, halfWidth: 32, coreRadius: 6, reach: 50 };
    // Thoracic bodies grow caudally from about cervical to about lumbar size (T12 is transitional).
    case 'T': return { period: 24 + (v.level * 8) / 12, halfWidth: 32 + v.level, coreRadius: 6 + 0.4 * v.level, reach: 55 + 2.5 * v.level };
    case 'L': return { period: 38, halfWidth: 50, coreRadius: 11, reach: 85 };
    default: return { period: 30, halfWidth: 45, coreRadius: 11, reach: 60 };
  }
}

/** The column as vertebraCores followed it: per slice along S–I, the core's centre and mean HU, and the discs found. */
export interface Column {
  centreU: Float64Array;
  centreW: Float64Array;
  profile: Float64Array;
  /** Slices (along S–I) of the disc above and below the clicked body. */
  up: number;
  down: number;
}

/** The box seen along the patient's S–I axis: that axis, the two in-plane axes and the strides. */
interface SlicePlane {
  box: ClickBox;
  strides: readonly number[];
  si: number;
  u: number;
  w: number;
}

function slicePlane(box: ClickBox, axes: AxisInfo): SlicePlane {
  const si = axes.siAxis;
  const [u, w] = [0, 1, 2].filter((a) => a !== si);
  return { box, strides: [1, box.dims[0], box.dims[0] * box.dims[1]], si, u, w };
}

/**
 * Calls fn(cell, a, b) for every cell of slice z within radiusMm (in-plane) of the column point
 * (cu, cw), rounded to a cell; a, b are the cell's in-plane coordinates. Cells beyond the box are skipped.
 */
function forEachInDisc(p: SlicePlane, cu: number, cw: number, z: number, radiusMm: number, fn: (cell: number, a: number, b: number) => void): void {
  const { box, strides, si, u, w } = p;
  const su = box.spacing[u];
  const sw = box.spacing[w];
  const ru = Math.ceil(radiusMm / su);
  const rw = Math.ceil(radiusMm / sw);
  const iu = Math.round(cu);
  const iw = Math.round(cw);
  for (let dw = -rw; dw <= rw; dw++) for (let du = -ru; du <= ru; du++) {
    const a = iu + du;
    const b = iw + dw;
    if (a < 0 || b < 0 || a >= box.dims[u] || b >= box.dims[w]) continue;
    if ((du * su) ** 2 + (dw * sw) ** 2 > radiusMm ** 2) continue;
    fn(a * strides[u] + b * strides[w] + z * strides[si], a, b);
  }
}

/**
 * Takes the disc cells next to a vertebral body out of mask (and marks them claimed): TotalSegmentator-style
 * vertebra labels stop at the endplates, but the disc (≈ 60–110 HU at 3 mm) is as dense as osteoporotic
 * cancellous bone and the smoothed threshold and the competition between neighbouring cores leave half
 * of each disc to each body. Around each dip of the profile, the slices whose core mean lies below the
 * midpoint between the dip and the body's median are disc; there, the cells within DISC_RADIUS core
 * radii of the column that are darker than that midpoint go.
 */
export function trimDiscs(box: ClickBox, axes: AxisInfo, column: Column, sizes: ReturnType<typeof levelSizes>, mask: Uint8Array, claimed: Uint8Array): void {
  const plane = slicePlane(box, axes);
  const nSlices = box.dims[plane.si];
  const { profile, up, down } = column;
  const body: number[] = [];
  for (let z = down + 1; z < up; z++) body.push(profile[z]);
  if (body.length === 0) return;
  body.sort((x, y) => x - y);
  const level = body[Math.floor(body.length / 2)];
  const r = DISC_RADIUS * sizes.coreRadius;
  const step = box.spacing[plane.si];
  for (const d of [up, down]) {
    if (d < 0 || d >= nSlices) continue;
    const cut = 0.5 * (profile[d] + level);
    if (!(profile[d] < cut)) continue;
    for (const dir of [1, -1]) {
      for (let z = d + (dir > 0 ? 0 : -1); z >= 0 && z < nSlices && profile[z] < cut && Math.abs(z - d) * step <= 10; z += dir) {
        forEachInDisc(plane, column.centreU[z], column.centreW[z], z, r, (c) => {
          if (box.hu[c] < cut && mask[c] !== 0) { mask[c] = 0; claimed[c] = 1; }
        });
      }
    }
  }
}
/** In units of the core radius: the disc spans the body's full width, the core only its centre. */
const DISC_RADIUS = 3;

/**
 * The body cores of a vertebra and of its two neighbours, as seed cells. Along the patient's S–I axis,
 * the mean HU in a disc of coreRadius around the click's column dips at each intervertebral disc
 * (nucleus and annulus ≈ 80–120 HU against the body's trabecular bone and endplates); the dip nearest
 * to half a period above and below the click bounds this body. The middle half of the body between
 * those dips is this vertebra's core; the same thickness mirrored across each dip is the neighbour's.
 */
export function vertebraCores(box: ClickBox, axes: AxisInfo, domain: Uint8Array, click: number, sizes: ReturnType<typeof levelSizes>, laterPositives: readonly number[] = []): { own: number[]; others: number[]; column: Column } {
  const plane = slicePlane(box, axes);
  const { strides, si, u, w } = plane;
  const dims = box.dims;
  const coord = (c: number, a: number): number => Math.floor(c / strides[a]) % dims[a];
  const cu = coord(click, u);
  const cw = coord(click, w);
  const cz = coord(click, si);
  // The column is followed slice by slice rather than taken straight along the S–I axis: with the
  // lumbar lordosis and the lumbosacral angle, S1 lies centimetres behind L5's centre. Each slice's
  // disc moves to the centroid of the bone within 1.5 core radii of the last one; through a disc
  // (soft tissue, no bone) it stays put.
  const centreU = new Float64Array(dims[si]);
  const centreW = new Float64Array(dims[si]);
  const trackMm = 1.5 * sizes.coreRadius;
  const track = (from: number, to: number, dir: 1 | -1): void => {
    let pu = cu;
    let pw = cw;
    for (let z = from; dir > 0 ? z <= to : z >= to; z += dir) {
      let su = 0;
      let sw = 0;
      let cnt = 0;
      forEachInDisc(plane, pu, pw, z, trackMm, (c, a, b) => {
        if (domain[c] === 0) return;
        su += a;
        sw += b;
        cnt++;
      });
      if (z !== cz && cnt * box.spacing[u] * box.spacing[w] >= 0.25 * Math.PI * sizes.coreRadius ** 2) { pu = su / cnt; pw = sw / cnt; }
      centreU[z] = pu;
      centreW[z] = pw;
    }
  };
  track(cz, dims[si] - 1, 1);
  track(cz, 0, -1);
  const profile = new Float64Array(dims[si]);
  for (let z = 0; z < dims[si]; z++) {
    let sum = 0;
    let cnt = 0;
    forEachInDisc(plane, centreU[z], centreW[z], z, sizes.coreRadius, (c) => { sum += box.hu[c]; cnt++; });
    profile[z] = cnt > 0 ? sum / cnt : 0;
  }
  const step = box.spacing[si];
  const dip = (dir: 1 | -1): number => {
    // Smallest profile value between 0.2 and 0.8 periods from the click (only one disc lies there).
    let best = Infinity;
    let at = cz + dir * Math.round((0.5 * sizes.period) / step);
    for (let k = Math.max(1, Math.round((0.2 * sizes.period) / step)); k <= Math.round((0.8 * sizes.period) / step); k++) {
      const z = cz + dir * k;
      if (z < 0 || z >= dims[si]) break;
      if (profile[z] < best) { best = profile[z]; at = z; }
    }
    return at;
  };
  const up = dip(1);
  const down = dip(-1);
  const half = Math.max(0.5 * (up - down - 1), 1);
  const quarter = Math.max(0.25 * (up - down), 0.5);
  const own: number[] = [];
  const others: number[] = [];
  const slab = (centre: number, list: number[]): void => {
    for (let z = Math.ceil(centre - quarter); z <= Math.floor(centre + quarter); z++) {
      if (z < 0 || z >= dims[si]) continue;
      forEachInDisc(plane, centreU[z], centreW[z], z, sizes.coreRadius, (c) => { if (domain[c] !== 0) list.push(c); });
    }
  };
  const mid = 0.5 * (up + down);
  slab(mid, own);
  // A neighbour's core that a later positive click lies in or beside was placed on this vertebra
  // (a body cut by the edge of the scan has no dip on that side): it moves away, slice by slice, until
  // the click is clear of it (without a core there, this vertebra would run on into the next).
  const near = (cells: readonly number[]): boolean => laterPositives.some((p) => cells.some((c) => {
    let d2 = 0;
    for (let a = 0; a < 3; a++) d2 += ((coord(c, a) - coord(p, a)) * box.spacing[a]) ** 2;
    return d2 <= sizes.coreRadius ** 2;
  }));
  for (const [start, dir] of [[up + half + 1, 1], [down - half - 1, -1]] as const) {
    let cells: number[] = [];
    for (let k = 0; k <= Math.ceil(sizes.period / step); k++) {
      cells = [];
      slab(start + dir * k, cells);
      if (!near(cells)) break;
    }
    others.push(...cells);
  }
  return { own, others, column: { centreU, centreW, profile, up, down } };
}
