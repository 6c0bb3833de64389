// State and pointer handling of the label editor and the measurement tools. The viewer hands over its
// NiiVue instance and canvas; edits go straight into the label map volume's voxels (volume 1) and
// the display is refreshed once per frame. Pointer events are taken (capture phase, on the canvas'
// parent) only while a tool is active, so NiiVue's own mouse handling is untouched otherwise.
import type { Niivue, NVImage } from '@niivue/niivue';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
// The pure geometry module only: the package's index also holds Node-only file I/O.
import { invertAffine } from '@vista3d/volume/geometry';
import { errorMessage } from '../lib/api.js';
import {
  EditHistory, EditRecorder, floodFill2D, interpolateLabel, labelCounts, paint,
  type Axis, type Grid, type PaintRules, type Vec3,
} from './tools/label-edit.js';
import { distanceMm, roiStats, voxelToMm, type Mat4, type RoiShape, type RoiStats } from './tools/measure.js';
import { versionsApi } from './tools/versions-api.js';

export type EditTool = 'none' | 'brush' | 'eraser' | 'fill' | 'distance' | 'circle' | 'rectangle' | 'sphere';
export const EDIT_TOOLS: EditTool[] = ['brush', 'eraser', 'fill'];
export const MEASURE_TOOLS: EditTool[] = ['distance', 'circle', 'rectangle', 'sphere'];

export interface Measurement {
  kind: 'distance' | 'circle' | 'rectangle' | 'sphere';
  /** Distance tool: mm. */
  distanceMm?: number;
  stats?: RoiStats;
  /** Circle / sphere radius, mm. */
  radiusMm?: number;
  points: Vec3[];
}

export interface EditorState {
  tool: EditTool;
  setTool: (t: EditTool) => void;
  labelId: number;
  setLabelId: (id: number) => void;
  sizeMm: number;
  setSizeMm: (mm: number) => void;
  sphere: boolean;
  setSphere: (on: boolean) => void;
  huRange: [number, number] | null;
  setHuRange: (r: [number, number] | null) => void;
  locked: ReadonlySet<number>;
  setLocked: (s: Set<number>) => void;
  canUndo: boolean;
  canRedo: boolean;
  undo: () => void;
  redo: () => void;
  interpolate: () => void;
  changes: number;
  /** Voxels per label of the label map being edited (id → count). */
  counts: Map<number, number>;
  save: (comment: string) => Promise<void>;
  saving: boolean;
  error: string | null;
  message: string | null;
  measurement: Measurement | null;
  /** Version shown instead of the current one (read-only), or null. */
  viewing: number | null;
  viewVersion: (v: number | null, url?: string) => Promise<void>;
  ready: boolean;
}


interface Geometry {
  grid: Grid;
  affine: Mat4;
  inverse: Mat4;
  hu: (i: number) => number;
}

function geometryOf(ct: NVImage): Geometry | null {
  const hdr = ct.hdr as unknown as { dims: number[]; pixDims: number[]; affine: Mat4; scl_slope: number; scl_inter: number } | null;
  const img = ct.img as ArrayLike<number> | undefined;
  if (!hdr || !img) return null;
  const slope = hdr.scl_slope && Number.isFinite(hdr.scl_slope) ? hdr.scl_slope : 1;
  const inter = Number.isFinite(hdr.scl_inter) ? hdr.scl_inter : 0;
  return {
    grid: { dims: [hdr.dims[1]!, hdr.dims[2]!, hdr.dims[3]!], spacing: [Math.abs(hdr.pixDims[1]!), Math.abs(hdr.pixDims[2]!), Math.abs(hdr.pixDims[3]!)] },
    affine: hdr.affine,
    // NiiVue's affine is a plain number[][]; the NIfTI affine it holds is always 4×4.
    inverse: invertAffine(hdr.affine as Parameters<typeof invertAffine>[0]),
    hu: (i) => img[i]! * slope + inter,
  };
}

/** The voxel axis whose direction is closest to world axis `w` (0 x, 1 y, 2 z). */
function voxelAxisFor(affine: Mat4, w: number): Axis {
  let best: Axis = 0;
  for (const a of [0, 1, 2] as Axis[]) if (Math.abs(affine[w]![a]!) > Math.abs(affine[w]![best]!)) best = a;
  return best;
}

export function useEditor(opts: {
  nvRef: RefObject<Niivue | null>;
  canvasRef: RefObject<HTMLCanvasElement | null>;
  patient: string;
  scanId: string;
  /** The version the current files are (scan.segmentation.version). */
  currentVersion: number | null;
  /** Changes whenever the label map volume was (re)loaded. */
  overlayKey: unknown;
  onSaved: () => Promise<void> | void;
}): EditorState {
  const { nvRef, canvasRef, patient, scanId, currentVersion, overlayKey, onSaved } = opts;
  const [tool, setTool] = useState<EditTool>('none');
  const [labelId, setLabelId] = useState(1);
  const [sizeMm, setSizeMm] = useState(6);
  const [sphere, setSphere] = useState(false);
  const [huRange, setHuRange] = useState<[number, number] | null>(null);
  const [locked, setLocked] = useState<Set<number>>(() => new Set());
  const history = useRef(new EditHistory());
  const [historyTick, setHistoryTick] = useState(0);
  const [counts, setCounts] = useState<Map<number, number>>(new Map());
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [measurement, setMeasurement] = useState<Measurement | null>(null);
  const [viewing, setViewing] = useState<number | null>(null);
  const currentImg = useRef<Uint8Array | null>(null);

  const latest = useRef({ tool, labelId, sizeMm, sphere, huRange, locked, viewing });
  latest.current = { tool, labelId, sizeMm, sphere, huRange, locked, viewing };

  const seg = useCallback((): NVImage | null => {
    const v = nvRef.current?.volumes[1];
    return v && v.img instanceof Uint8Array ? v : null;
  }, [nvRef]);

  const recount = useCallback(() => {
    const s = seg();
    if (!s) return setCounts(new Map());
    const h = labelCounts(s.img as Uint8Array);
    const m = new Map<number, number>();
    for (let id = 1; id < 256; id++) if (h[id]! > 0) m.set(id, h[id]!);
    setCounts(m);
  }, [seg]);

  // a freshly loaded label map: no history (its edits were saved or discarded), new counts
  useEffect(() => {
    history.current.clear();
    currentImg.current = null;
    setViewing(null);
    setHistoryTick((t) => t + 1);
    recount();
  }, [overlayKey, recount]);

  const pending = useRef<number | null>(null);
  const refresh = useCallback(() => {
    if (pending.current !== null) return;
    pending.current = requestAnimationFrame(() => {
      pending.current = null;
      nvRef.current?.updateGLVolume();
    });
  }, [nvRef]);

  const rules = (g: Geometry): PaintRules => ({ locked: latest.current.locked, huRange: latest.current.huRange, hu: g.hu });

  // --- pointer → voxel (file order) and the voxel axis of the slice under the pointer
  const pick = useCallback((e: PointerEvent): { vox: Vec3; axis: Axis; g: Geometry; worldAxis: number } | null => {
    const nv = nvRef.current;
    const canvas = canvasRef.current;
    const ct = nv?.volumes[0];
    if (!nv || !canvas || !ct) return null;
    const g = geometryOf(ct);
    if (!g) return null;
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const pos = [(e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr];
    const tile = nv.screenSlices.find((s) => {
      const [l, t, w, h] = s.leftTopWidthHeight as [number, number, number, number];
      return pos[0]! >= l && pos[0]! <= l + w && pos[1]! >= t && pos[1]! <= t + h;
    });
    if (!tile || tile.axCorSag > 2) return null; // the 3D tile
    const frac = nv.canvasPos2frac(pos);
    if (frac[0]! < 0) return null;
    const mm = nv.frac2mm(frac);
    const inv = g.inverse;
    const vox = [0, 1, 2].map((r) => Math.round(inv[r]![0]! * mm[0]! + inv[r]![1]! * mm[1]! + inv[r]![2]! * mm[2]! + inv[r]![3]!)) as Vec3;
    if (vox.some((v, a) => v < 0 || v >= g.grid.dims[a]!)) return null;
    // axial slices are perpendicular to world z, coronal to y, sagittal to x
    const worldAxis = tile.axCorSag === 0 ? 2 : tile.axCorSag === 1 ? 1 : 0;
    return { vox, axis: voxelAxisFor(g.affine, worldAxis), g, worldAxis };
  }, [nvRef, canvasRef]);

  /**
   * Moves the displayed slice onto the centre of the voxel slice being edited: NiiVue draws a plane
   * between two voxel centres as a blend of both, which would show an edit of one of them faintly.
   */
  const snapSlice = useCallback((vox: Vec3, worldAxis: number) => {
    const nv = nvRef.current;
    if (!nv) return;
    const f = nv.vox2frac(vox);
    const pos = nv.scene.crosshairPos;
    if (Math.abs(pos[worldAxis]! - f[worldAxis]!) < 1e-6) return;
    pos[worldAxis] = f[worldAxis]!;
    nv.drawScene();
  }, [nvRef]);

  const stroke = useRef<{ rec: EditRecorder; start: { vox: Vec3; axis: Axis; g: Geometry }; g: Geometry } | null>(null);
  const distanceStart = useRef<Vec3 | null>(null);

  const finishRecord = useCallback((rec: EditRecorder) => {
    const r = rec.finish();
    if (r) history.current.push(r);
    setHistoryTick((t) => t + 1);
    recount();
  }, [recount]);

  const dab = useCallback((p: { vox: Vec3; axis: Axis; g: Geometry }, rec: EditRecorder) => {
    const s = seg();
    if (!s) return;
    const { tool: t, labelId: id, sizeMm: size, sphere: sph } = latest.current;
    paint(s.img as Uint8Array, p.g.grid, p.vox, size / 2, p.axis, t === 'eraser' ? 0 : id, sph, rules(p.g), rec);
    refresh();
  }, [seg, refresh]);

  const roiFor = (kind: 'circle' | 'rectangle' | 'sphere', a: { vox: Vec3; axis: Axis; g: Geometry }, b: Vec3): { shape: RoiShape; radiusMm: number } => {
    const pa = voxelToMm(a.g.affine, a.vox);
    const pb = voxelToMm(a.g.affine, b);
    const radiusMm = Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]);
    if (kind === 'rectangle') return { shape: { kind, axis: a.axis, corner1: a.vox, corner2: b }, radiusMm };
    if (kind === 'circle') return { shape: { kind, axis: a.axis, center: a.vox, radiusMm }, radiusMm };
    return { shape: { kind, center: a.vox, radiusMm }, radiusMm };
  };

  useEffect(() => {
    const wrap = canvasRef.current?.parentElement;
    if (!wrap) return;
    const active = (): boolean => latest.current.tool !== 'none';
    const editing = (): boolean => EDIT_TOOLS.includes(latest.current.tool);
    const swallow = (e: Event) => {
      if (!active()) return;
      e.stopPropagation();
      e.preventDefault();
    };
    const down = (e: PointerEvent) => {
      if (!active() || e.button !== 0) return;
      swallow(e);
      const p = pick(e);
      if (!p) return;
      const t = latest.current.tool;
      if (editing()) {
        if (latest.current.viewing !== null) return setError('Viewing an older version: go back to the current one to edit.');
        const s = seg();
        if (!s) return setError('This scan has no label map to edit yet: run a segmentation (or an interactive one) first.');
        setError(null);
        snapSlice(p.vox, p.worldAxis);
        const rec = new EditRecorder(s.img as Uint8Array);
        if (t === 'fill') {
          floodFill2D(s.img as Uint8Array, p.g.grid, p.vox, p.axis, latest.current.labelId, rules(p.g), rec);
          refresh();
          finishRecord(rec);
          return;
        }
        stroke.current = { rec, start: p, g: p.g };
        (e.target as Element).setPointerCapture?.(e.pointerId);
        dab(p, rec);
        return;
      }
      if (t === 'distance') {
        if (!distanceStart.current) {
          distanceStart.current = p.vox;
          setMeasurement({ kind: 'distance', points: [p.vox] });
        } else {
          const a = distanceStart.current;
          distanceStart.current = null;
          setMeasurement({ kind: 'distance', points: [a, p.vox], distanceMm: distanceMm(p.g.affine, a, p.vox) });
        }
        return;
      }
      stroke.current = { rec: new EditRecorder(new Uint8Array(0)), start: p, g: p.g };
    };
    const move = (e: PointerEvent) => {
      if (!active()) return;
      swallow(e);
      const st = stroke.current;
      if (!st || !(e.buttons & 1)) return;
      if (editing()) {
        const p = pick(e);
        if (p && p.axis === st.start.axis && p.vox[p.axis] === st.start.vox[p.axis]) dab(p, st.rec);
      }
    };
    const up = (e: PointerEvent) => {
      if (!active()) return;
      swallow(e);
      const st = stroke.current;
      stroke.current = null;
      if (!st) return;
      const t = latest.current.tool;
      if (editing()) return finishRecord(st.rec);
      if (t === 'circle' || t === 'rectangle' || t === 'sphere') {
        const p = pick(e);
        const end = p && p.axis === st.start.axis ? p.vox : st.start.vox;
        const { shape, radiusMm } = roiFor(t, st.start, end);
        setMeasurement({ kind: t, points: [st.start.vox, end], radiusMm, stats: roiStats(st.g.grid, shape, st.g.hu) });
      }
    };
    const opts = { capture: true };
    wrap.addEventListener('pointerdown', down, opts);
    wrap.addEventListener('pointermove', move, opts);
    wrap.addEventListener('pointerup', up, opts);
    for (const t of ['mousedown', 'mousemove', 'mouseup', 'click', 'dblclick', 'contextmenu'] as const) wrap.addEventListener(t, swallow, opts);
    return () => {
      wrap.removeEventListener('pointerdown', down, opts);
      wrap.removeEventListener('pointermove', move, opts);
      wrap.removeEventListener('pointerup', up, opts);
      for (const t of ['mousedown', 'mousemove', 'mouseup', 'click', 'dblclick', 'contextmenu'] as const) wrap.removeEventListener(t, swallow, opts);
    };
  }, [canvasRef, pick, seg, dab, refresh, finishRecord, snapSlice]);

  const undo = useCallback(() => {
    const s = seg();
    if (s && history.current.undo(s.img as Uint8Array)) {
      refresh();
      setHistoryTick((t) => t + 1);
      recount();
    }
  }, [seg, refresh, recount]);
  const redo = useCallback(() => {
    const s = seg();
    if (s && history.current.redo(s.img as Uint8Array)) {
      refresh();
      setHistoryTick((t) => t + 1);
      recount();
    }
  }, [seg, refresh, recount]);

  // Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y while the editor is open
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || (e.target as HTMLElement | null)?.closest?.('input, textarea, select')) return;
      const k = e.key.toLowerCase();
      if (k === 'z' && !e.shiftKey) { e.preventDefault(); undo(); }
      else if ((k === 'z' && e.shiftKey) || k === 'y') { e.preventDefault(); redo(); }
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [undo, redo]);

  const interpolate = useCallback(() => {
    const nv = nvRef.current;
    const s = seg();
    const g = nv?.volumes[0] ? geometryOf(nv.volumes[0]) : null;
    if (!nv || !s || !g) return;
    // the slice axis of the view in use (axial unless a coronal / sagittal view is shown)
    const st = nv.opts.sliceType as number;
    const axis = voxelAxisFor(g.affine, st === 1 ? 1 : st === 2 ? 0 : 2);
    const rec = new EditRecorder(s.img as Uint8Array);
    const filled = interpolateLabel(s.img as Uint8Array, g.grid, axis, latest.current.labelId, rules(g), rec);
    refresh();
    finishRecord(rec);
    setMessage(filled.length ? `Interpolated ${filled.length} slice(s) between edited slices` : 'Nothing to interpolate: draw the label on two slices with empty slices between them');
  }, [nvRef, seg, refresh, finishRecord]);

  const save = useCallback(async (comment: string) => {
    const s = seg();
    if (!s) return;
    setSaving(true);
    setError(null);
    try {
      const bytes = await s.saveToUint8Array('labels.nii.gz');
      const res = await versionsApi.save(patient, scanId, bytes, currentVersion, comment);
      setMessage(`Saved as version ${res.version.version}`);
      history.current.clear();
      setHistoryTick((t) => t + 1);
      await onSaved();
    } catch (err) {
      setError(`Could not save: ${errorMessage(err)}`);
    } finally {
      setSaving(false);
    }
  }, [seg, patient, scanId, currentVersion, onSaved]);

  const viewVersion = useCallback(async (v: number | null, url?: string) => {
    const s = seg();
    const nv = nvRef.current;
    if (!s || !nv) return;
    setError(null);
    try {
      if (v === null || v === currentVersion) {
        if (currentImg.current) (s.img as Uint8Array).set(currentImg.current);
        currentImg.current = null;
        setViewing(null);
      } else {
        if (history.current.canUndo && !currentImg.current) throw new Error('save or undo your edits before viewing another version');
        const { NVImage } = await import('@niivue/niivue');
        const other = await NVImage.loadFromUrl({ url: url!, name: `version-${v}.nii.gz` });
        const img = other.img as Uint8Array;
        if (!(img instanceof Uint8Array) || img.length !== (s.img as Uint8Array).length) throw new Error(`version ${v} does not fit this label map`);
        currentImg.current ??= new Uint8Array(s.img as Uint8Array);
        (s.img as Uint8Array).set(img);
        setViewing(v);
      }
      nv.updateGLVolume();
      recount();
    } catch (err) {
      setError(`Could not show version ${v}: ${errorMessage(err)}`);
    }
  }, [seg, nvRef, currentVersion, recount]);

  void historyTick;
  const h = history.current;
  return {
    tool, setTool: (t) => { distanceStart.current = null; setTool(t); },
    labelId, setLabelId, sizeMm, setSizeMm, sphere, setSphere, huRange, setHuRange,
    locked, setLocked,
    canUndo: h.canUndo, canRedo: h.canRedo, undo, redo, interpolate,
    changes: h.length, counts, save, saving, error, message, measurement,
    viewing, viewVersion, ready: !!seg(),
  };
}
