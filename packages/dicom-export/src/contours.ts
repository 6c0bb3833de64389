/**
 * Closed contours of a binary slice mask by marching squares on the pixel centres (iso-level ½):
 * every vertex sits on the midpoint between an inside and an outside pixel centre, so a contour is
 * never on a pixel centre and the even–odd rule over a slice's contours gives the mask back.
 * Diagonal neighbours are kept apart (4-connected foreground). Outer boundaries and holes come out
 * with opposite orientation; holes are ordinary closed contours nested in their outer boundary.
 */
export interface SliceMaskView {
  data: ArrayLike<number>;
  nx: number;
  ny: number;
  /** Offset of the slice in `data`. */
  base: number;
  label: number;
  /** Pixel bounding box of the label in this slice (inclusive). */
  box: { i0: number; i1: number; j0: number; j1: number };
}

/** Reusable scratch space (one per writer; sized to the slice). */
export class ContourScratch {
  next: Int32Array;
  touched: number[] = [];
  constructor(readonly nx: number, readonly ny: number) {
    this.next = new Int32Array(2 * (nx + 2) * (ny + 2)).fill(-1);
  }
}

/** Contours as flat [x0, y0, x1, y1, …] arrays in pixel-centre (voxel i, j) coordinates. */
export function sliceContours(m: SliceMaskView, scratch: ContourScratch): Float64Array[] {
  const { data, nx, ny, base, label, box } = m;
  const W = nx + 2; // padded grid: cell corner (ci, cj) is pixel (ci − 1, cj − 1)
  const inside = (ci: number, cj: number): boolean => {
    const i = ci - 1;
    const j = cj - 1;
    return i >= 0 && j >= 0 && i < nx && j < ny && data[base + i + nx * j] === label;
  };
  const H = (ci: number, cj: number): number => 2 * (cj * W + ci); // edge (ci,cj)–(ci+1,cj)
  const V = (ci: number, cj: number): number => 2 * (cj * W + ci) + 1; // edge (ci,cj)–(ci,cj+1)
  const { next, touched } = scratch;
  const link = (from: number, to: number): void => {
    next[from] = to;
    touched.push(from);
  };
  // cells whose corners touch the box (corner pixel coordinates box−1 … box+1 → padded box … box+2)
  for (let cj = box.j0; cj <= box.j1 + 1; cj++) {
    for (let ci = box.i0; ci <= box.i1 + 1; ci++) {
      const a = inside(ci, cj); // top-left, then clockwise (y down)
      const b = inside(ci + 1, cj);
      const c = inside(ci + 1, cj + 1);
      const d = inside(ci, cj + 1);
      if (a === b && b === c && c === d) continue;
      const top = H(ci, cj);
      const right = V(ci + 1, cj);
      const bottom = H(ci, cj + 1);
      const left = V(ci, cj);
      // clockwise edges with their corners: top a→b, right b→c, bottom c→d, left d→a
      if (a && c && !b && !d) {
        link(left, top); // around a
        link(right, bottom); // around c
      } else if (b && d && !a && !c) {
        link(top, right); // around b
        link(bottom, left); // around d
      } else {
        const edges: Array<[number, boolean, boolean]> = [
          [top, a, b],
          [right, b, c],
          [bottom, c, d],
          [left, d, a],
        ];
        let enter = -1;
        let exit = -1;
        for (const [e, p, q] of edges) {
          if (!p && q) enter = e;
          else if (p && !q) exit = e;
        }
        link(enter, exit);
      }
    }
  }
  const out: Float64Array[] = [];
  const pts: number[] = [];
  for (const start of touched) {
    if (next[start]! < 0) continue;
    pts.length = 0;
    let e = start;
    do {
      const n = next[e]!;
      next[e] = -1;
      const cell = e >> 1;
      const ci = cell % W;
      const cj = (cell - ci) / W;
      if (e & 1) pts.push(ci - 1, cj - 0.5);
      else pts.push(ci - 0.5, cj - 1);
      e = n;
    } while (e !== start && e >= 0);
    out.push(dropCollinear(pts));
  }
  touched.length = 0;
  return out;
}

/** Removes vertices lying on the straight line between their neighbours (runs along rows/columns/diagonals). */
function dropCollinear(p: number[]): Float64Array {
  const n = p.length / 2;
  const keep: number[] = [];
  for (let v = 0; v < n; v++) {
    const u = (v + n - 1) % n;
    const w = (v + 1) % n;
    const cross = (p[2 * v]! - p[2 * u]!) * (p[2 * w + 1]! - p[2 * u + 1]!) - (p[2 * v + 1]! - p[2 * u + 1]!) * (p[2 * w]! - p[2 * u]!);
    if (Math.abs(cross) > 1e-9) keep.push(p[2 * v]!, p[2 * v + 1]!);
  }
  return Float64Array.from(keep.length >= 6 ? keep : p);
}

/** Per label and slice: pixel bounding boxes (one pass over the map). */
export function sliceBoxes(data: ArrayLike<number>, nx: number, ny: number, nz: number): Map<number, Int32Array> {
  const boxes = new Map<number, Int32Array>(); // per label: nz × [i0, i1, j0, j1], i0 = −1 when absent
  let last = -1;
  let lastBox: Int32Array | undefined;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const row = (k * ny + j) * nx;
      for (let i = 0; i < nx; i++) {
        const l = data[row + i]!;
        if (l === 0) continue;
        let b = l === last ? lastBox : boxes.get(l);
        if (!b) {
          b = new Int32Array(nz * 4);
          for (let z = 0; z < nz; z++) b[4 * z] = -1;
          boxes.set(l, b);
        }
        last = l;
        lastBox = b;
        const o = 4 * k;
        if (b[o]! < 0) {
          b[o] = i;
          b[o + 1] = i;
          b[o + 2] = j;
          b[o + 3] = j;
        } else {
          if (i < b[o]!) b[o] = i;
          if (i > b[o + 1]!) b[o + 1] = i;
          if (j > b[o + 3]!) b[o + 3] = j;
        }
      }
    }
  }
  return boxes;
}
