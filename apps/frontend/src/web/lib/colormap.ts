// Builds NiiVue label colormaps (R,G,B,A,I,labels) from the VISTA3D label dictionary. Pure: no DOM.
import type { LabelDef, Rgb } from './types.js';

/** The shape NiiVue's `NVImage.setColormapLabel(cm)` expects. */
export interface LabelColormap {
  R: number[];
  G: number[];
  B: number[];
  A: number[];
  I: number[];
  labels: string[];
}

/**
 * Transparent entries below 0. NiiVue's slice shader rounds any value above cal_min up to at least
 * texel 2/256 of the label texture ("issue1139"); with a LUT of more than ~128 entries starting at 0 that
 * pushes background (0) onto id 1 (liver) and paints the whole field of view. Starting the LUT at -PAD
 * keeps 0 on its own transparent texel for LUTs up to 256+ entries.
 */
export const LUT_PAD = 3;

/**
 * A dense label colormap from -LUT_PAD to the largest id: background (0), the padding and ids missing
 * from the dictionary are transparent; hidden ids get alpha 0 so NiiVue skips them in 2D and 3D.
 */
export function buildLabelColormap(labels: readonly LabelDef[], hidden: ReadonlySet<number> = new Set(), maxId?: number): LabelColormap {
  const byId = new Map(labels.map((l) => [l.id, l]));
  const top = Math.max(maxId ?? 0, ...labels.map((l) => l.id), 1);
  const cm: LabelColormap = { R: [], G: [], B: [], A: [], I: [], labels: [] };
  for (let id = -LUT_PAD; id <= top; id++) {
    const l = byId.get(id);
    cm.I.push(id);
    cm.R.push(l ? l.color[0] : 0);
    cm.G.push(l ? l.color[1] : 0);
    cm.B.push(l ? l.color[2] : 0);
    cm.A.push(id <= 0 || !l || hidden.has(id) ? 0 : 255);
    cm.labels.push(id <= 0 ? '' : l ? l.name : `label ${id}`);
  }
  return cm;
}

/** A single-colour colormap for a binary (0/1) mask, e.g. an interactive-segmentation result. */
export function binaryMaskColormap(color: Rgb, name: string, value = 1): LabelColormap {
  const cm: LabelColormap = { R: [], G: [], B: [], A: [], I: [], labels: [] };
  for (let id = -LUT_PAD; id <= 0; id++) {
    cm.I.push(id);
    cm.R.push(0);
    cm.G.push(0);
    cm.B.push(0);
    cm.A.push(0);
    cm.labels.push('');
  }
  for (let id = 1; id <= value; id++) {
    cm.I.push(id);
    cm.R.push(color[0]);
    cm.G.push(color[1]);
    cm.B.push(color[2]);
    cm.A.push(id === value || id === 1 ? 255 : 0);
    cm.labels.push(id === value || id === 1 ? name : '');
  }
  return cm;
}

export function rgbCss(c: Rgb | readonly number[]): string {
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** Readable text colour (near-black or white) on a label-colour background. */
export function contrastText(c: Rgb): string {
  const lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  return lum > 140 ? '#0b1220' : '#ffffff';
}

/**
 * The colour a label is drawn in: near-white and light-grey labels (bones 240,240,240, ribs and
 * cartilage 220,220,220) would vanish into bone on CT, so they are tinted ivory-amber; others as they are.
 */
export function displayColor(c: Rgb): Rgb {
  const hi = Math.max(c[0], c[1], c[2]);
  const lo = Math.min(c[0], c[1], c[2]);
  if (lo < 150 || hi - lo > 40) return c;
  return [Math.round(c[0]), Math.round(c[1] * 0.85), Math.round(c[2] * 0.4)];
}
