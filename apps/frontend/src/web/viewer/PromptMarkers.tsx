// Interactive-segmentation prompts drawn over the slices: a green "+" disc for an include point and a
// red "−" disc for an exclude point, at its voxel, on every 2D tile that shows that voxel's slice.
// A 2D canvas over NiiVue's canvas, redrawn after every NiiVue frame (no volume texture involved).
import type { Niivue } from '@niivue/niivue';
import { useEffect, useRef, type RefObject } from 'react';
import type { PromptPoint } from './InteractivePanel.js';

/** Disc radius in CSS pixels. */
export const MARKER_RADIUS = 7;

interface Tile {
  leftTopWidthHeight: number[];
  axCorSag: number;
  leftTopMM: number[];
  fovMM: number[];
}

/**
 * Canvas positions (device pixels) of a voxel on every 2D tile showing its slice. Tiles are NiiVue's
 * screenSlices of the last frame; axCorSag 0/1/2 = axial/coronal/sagittal.
 */
export function projectVoxel(nv: Niivue, vox: readonly [number, number, number]): Array<{ x: number; y: number; tile: number }> {
  const vol = nv.volumes[0];
  if (!vol?.dimsRAS) return [];
  const frac = nv.vox2frac([vox[0], vox[1], vox[2]] as unknown as Parameters<Niivue['vox2frac']>[0], 0);
  const cross = nv.scene.crosshairPos;
  const mm = nv.frac2mm(frac, 0);
  const out: Array<{ x: number; y: number; tile: number }> = [];
  const tiles = nv.screenSlices as unknown as Tile[];
  tiles.forEach((t, i) => {
    if (t.axCorSag > 2 || t.leftTopMM.length < 2) return;
    const axis = t.axCorSag === 0 ? 2 : t.axCorSag === 1 ? 1 : 0; // the axis across the slice
    if (Math.abs(frac[axis] - cross[axis]) * vol.dimsRAS![axis + 1] >= 0.5) return; // another slice
    // the tile's screen plane: axial (x, y), coronal (x, z), sagittal (y, z)
    const sx = t.axCorSag === 2 ? mm[1] : mm[0];
    const sy = t.axCorSag === 0 ? mm[1] : mm[2];
    const fx = (sx - t.leftTopMM[0]) / t.fovMM[0];
    const fy = (sy - t.leftTopMM[1]) / t.fovMM[1];
    const ltwh = t.leftTopWidthHeight.slice();
    let screenFx = fx;
    if (ltwh[2] < 0) { // mirrored tile (radiological)
      ltwh[0] += ltwh[2];
      ltwh[2] = -ltwh[2];
      screenFx = 1 - fx;
    }
    if (screenFx < 0 || screenFx > 1 || fy < 0 || fy > 1) return;
    out.push({ x: ltwh[0] + screenFx * ltwh[2], y: ltwh[1] + (1 - fy) * ltwh[3], tile: i });
  });
  return out;
}

/** Index of the prompt whose marker is under a canvas position (device pixels), or -1. */
export function markerAt(nv: Niivue, points: readonly PromptPoint[], x: number, y: number, dpr: number): number {
  const r = (MARKER_RADIUS + 2) * dpr;
  for (let i = points.length - 1; i >= 0; i--) {
    if (projectVoxel(nv, points[i].vox).some((p) => Math.hypot(p.x - x, p.y - y) <= r)) return i;
  }
  return -1;
}

function draw(canvas: HTMLCanvasElement, nv: Niivue | null, points: readonly PromptPoint[]): void {
  const gl = nv?.gl?.canvas as HTMLCanvasElement | undefined;
  if (!gl) return;
  // assigning the size clears the bitmap and every context state (a clearRect left marks behind
  // on Chromium's accelerated 2D canvas under SwiftShader)
  canvas.width = gl.width;
  canvas.height = gl.height;
  const ctx = canvas.getContext('2d');
  if (!ctx || !nv || points.length === 0) return;
  const dpr = window.devicePixelRatio || 1;
  const r = MARKER_RADIUS * dpr;
  for (const p of points) {
    for (const at of projectVoxel(nv, p.vox)) {
      ctx.beginPath();
      ctx.arc(at.x, at.y, r, 0, 2 * Math.PI);
      ctx.fillStyle = p.positive ? 'rgb(0, 230, 64)' : 'rgb(255, 32, 32)';
      ctx.fill();
      ctx.lineWidth = 1.5 * dpr;
      ctx.strokeStyle = 'rgb(255, 255, 255)';
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(at.x - r * 0.55, at.y);
      ctx.lineTo(at.x + r * 0.55, at.y);
      if (p.positive) {
        ctx.moveTo(at.x, at.y - r * 0.55);
        ctx.lineTo(at.x, at.y + r * 0.55);
      }
      ctx.lineWidth = 2 * dpr;
      ctx.stroke();
    }
  }
}

export function PromptMarkers({ nvRef, points, subscribe }: {
  nvRef: RefObject<Niivue | null>;
  points: readonly PromptPoint[];
  /** Calls the listener after every NiiVue frame; returns the unsubscribe function. */
  subscribe: (listener: () => void) => () => void;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const latest = useRef(points);
  latest.current = points;
  const shown = points.length > 0;
  useEffect(() => {
    if (!shown) return undefined;
    const redraw = () => { if (ref.current) draw(ref.current, nvRef.current, latest.current); };
    redraw();
    return subscribe(redraw);
  }, [subscribe, points, shown]);
  // no prompts, no canvas: nothing for the compositor to stack over NiiVue's (e.g. while a CT loads)
  return shown ? <canvas ref={ref} className="prompt-markers" data-testid="prompt-markers" aria-hidden /> : null;
}
