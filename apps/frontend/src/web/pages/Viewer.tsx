// NiiVue viewer: CT by URL + VISTA3D label map overlay with dictionary colours, windowing, views,
// label toggles with volumes, cursor readout, screenshot, interactive (point-prompt) segmentation, meshes.
// Radiological convention by default (screen left = patient right), markers on all four sides, the 3D
// camera matching the slices; keyboard shortcuts with a "?" list; tools in their own files reach the
// viewer through ViewerContext (viewer/viewer-context.ts).
import { Niivue, NVImage, SHOW_RENDER, SLICE_TYPE, type NiiVueLocation } from '@niivue/niivue';
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import { ScanMeta } from '../components/ScanMeta.js';
import { ErrorBox } from '../components/ui.js';
import { api, errorMessage } from '../lib/api.js';
import { binaryMaskColormap, buildLabelColormap, displayColor } from '../lib/colormap.js';
import { href, navigate } from '../lib/router.js';
import { useApp } from '../lib/store.js';
import type { InteractiveResult, LabelDef, ScanInfo, SegmentLabel } from '../lib/types.js';
import { useAutomaticClasses } from '../lib/use-automatic-classes.js';
import { rangeToWindow, WINDOW_PRESETS, windowToRange } from '../lib/windowing.js';
import { CursorPanel, type Readout } from '../viewer/CursorPanel.js';
import { InteractivePanel, type PromptPoint } from '../viewer/InteractivePanel.js';
import { LabelsPanel } from '../viewer/LabelsPanel.js';
import { MeshPanel } from '../viewer/MeshPanel.js';
import { HelpPanel } from '../viewer/HelpPanel.js';
import { CONVENTION_KEY, parseConvention, renderCamera, type Convention } from '../viewer/orientation.js';
import { markerAt, PromptMarkers } from '../viewer/PromptMarkers.js';
import { CLIP_PRESETS, RenderPanel } from '../viewer/RenderPanel.js';
import { ScanPicker } from '../viewer/ScanPicker.js';
import { isTypingTarget, matchShortcut } from '../viewer/shortcuts.js';
import { ViewerContext, type CurrentSlice, type EditHandlers, type ViewerHooks } from '../viewer/viewer-context.js';
import { BODY_LABEL_ID, useViewerMeshes } from '../viewer/use-viewer-meshes.js';
import { useSession } from '../lib/session.js';
import { EditPanel } from '../viewer/EditPanel.js';
import { useEditor } from '../viewer/use-editor.js';
import { VersionsPanel } from '../viewer/VersionsPanel.js';

const CROSSHAIR_PERCENT = 0.25;

type ViewId = 'axial' | 'coronal' | 'sagittal' | 'multiplanar' | 'render';
const VIEWS: Array<{ id: ViewId; name: string; type: SLICE_TYPE }> = [
  { id: 'axial', name: 'Axial', type: SLICE_TYPE.AXIAL },
  { id: 'coronal', name: 'Coronal', type: SLICE_TYPE.CORONAL },
  { id: 'sagittal', name: 'Sagittal', type: SLICE_TYPE.SAGITTAL },
  { id: 'multiplanar', name: 'Multiplanar', type: SLICE_TYPE.MULTIPLANAR },
  { id: 'render', name: '3D', type: SLICE_TYPE.RENDER },
];

/** The last view the user chose is remembered (localStorage). */
export const VIEW_KEY = 'vista3d.viewer.view';

/** Short stable hash (cache-buster for a label map that changed on the server). */
function hashString(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

export function Viewer({ patient, scan }: { patient?: string; scan?: string }) {
  if (!patient || !scan) return <ScanPicker patient={patient} />;
  return <ViewerFor key={`${patient}/${scan}`} patient={patient} scanId={scan} />;
}

function ViewerFor({ patient, scanId }: { patient: string; scanId: string }) {
  const { can } = useSession();
  const { labels: dict, labelById, dataVersion, toast } = useApp();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const nvRef = useRef<Niivue | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const [scans, setScans] = useState<ScanInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(0); // increments after each successful volume load
  const [view, setViewState] = useState<ViewId>(() => {
    const saved = localStorage.getItem(VIEW_KEY);
    return VIEWS.some((v) => v.id === saved) ? (saved as ViewId) : 'multiplanar';
  });
  const setView = (v: ViewId) => {
    setViewState(v);
    localStorage.setItem(VIEW_KEY, v);
  };
  const [win, setWin] = useState({ width: 400, level: 40 });
  const [preset, setPreset] = useState('soft');
  /** The window NiiVue set itself (right drag), rounded for the W/L boxes: not applied again. */
  const windowFromNiivue = useRef<{ width: number; level: number } | null>(null);
  const [opacity, setOpacity] = useState(0.6);
  const [showOverlay, setShowOverlay] = useState(true);
  const [crosshair, setCrosshair] = useState(true);
  const [convention, setConventionState] = useState<Convention>(() => parseConvention(localStorage.getItem(CONVENTION_KEY)));
  const setConvention = (c: Convention) => {
    setConventionState(c);
    localStorage.setItem(CONVENTION_KEY, c);
  };
  const [outline, setOutline] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  /** Volume render in 3D: null = automatic (steps aside while a mesh is shown). */
  const [volumeRender, setVolumeRender] = useState<boolean | null>(null);
  const [clip, setClip] = useState({ preset: 'off', depth: 0 });
  /** The label map changed here (Accept) after the meshes were made: they show the old labels. */
  const [meshesStale, setMeshesStale] = useState(false);
  const automatic = useAutomaticClasses();
  // 'body' (our extension id 200) covers everything: hidden until asked for
  const [hidden, setHidden] = useState<Set<number>>(() => new Set([BODY_LABEL_ID]));
  const [readout, setReadout] = useState<Readout | null>(null);
  // interactive segmentation
  const [interactive, setInteractive] = useState(false);
  const [iClass, setIClass] = useState<number>(0);
  const [points, setPoints] = useState<PromptPoint[]>([]);
  const [iBusy, setIBusy] = useState(false);
  const [iResult, setIResult] = useState<InteractiveResult | null>(null);
  const [iError, setIError] = useState<string | null>(null);

  const scan = scans?.find((s) => s.id === scanId) ?? null;
  const segLabels: SegmentLabel[] = useMemo(() => [...(scan?.segmentation?.labels ?? [])].sort((a, b) => a.id - b.id), [scan]);
  const segmentedUrl = scan?.segmentation?.url ?? null;

  // labels for the LUT (and names and colours by id): dictionary + any label present in the scan but
  // unknown to the dictionary
  const lutById = useMemo(() => {
    const m = new Map<number, LabelDef>((dict?.labels ?? []).map((l) => [l.id, l]));
    for (const l of segLabels) if (!m.has(l.id)) m.set(l.id, { id: l.id, name: l.name, color: l.color, group: 'other' });
    // near-white labels (bones) are tinted so they stand out from bone on CT, in 2D and 3D alike
    for (const [id, l] of m) m.set(id, { ...l, color: displayColor(l.color) });
    return m;
  }, [dict, segLabels]);
  const lutLabels: LabelDef[] = useMemo(() => [...lutById.values()], [lutById]);
  const lutKey = useMemo(() => `${lutLabels.map((l) => `${l.id}:${l.color.join(',')}`).join(';')}|${[...hidden].sort((x, y) => x - y).join(',')}`, [lutLabels, hidden]);

  const loadScans = useCallback(async () => {
    try {
      setScans(await api.scans(patient));
      setLoadError(null);
    } catch (err) {
      setLoadError(`Could not load scans of ${patient}: ${errorMessage(err)}`);
    }
  }, [patient]);
  useEffect(() => { void loadScans(); }, [loadScans, dataVersion]);

  // --- NiiVue instance
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) {
      setGlError('This browser cannot create a WebGL2 context, which the viewer needs. Enable hardware acceleration or use a current Chrome, Edge, Firefox or Safari.');
      return;
    }
    const nv = new Niivue({
      backColor: [0.03, 0.05, 0.09, 1],
      crosshairColor: [0.25, 0.75, 1, 0.85],
      // a share of the field of view: a thin line whatever the voxel size (the default is one voxel)
      crosshairWidthUnit: 'percent',
      show3Dcrosshair: true,
      isRadiologicalConvention: latestConvention.current === 'radiological',
      // R/L, A/P, S/I on all four sides of every slice
      isOrientationTextVisible: true,
      showAllOrientationMarkers: true,
      isOrientCube: true,
      // meshes in the 3D render (and the multiplanar 3D tile) only: on the slices the overlay shows the labels
      meshThicknessOn2D: 0,
      dragAndDropEnabled: false,
      isResizeCanvas: true,
      multiplanarShowRender: SHOW_RENDER.ALWAYS,
      loadingText: 'Loading...',
      logLevel: 'warn',
      isColorbar: false,
    });
    nvRef.current = nv;
    const cam = renderCamera(latestConvention.current);
    nv.scene.renderAzimuth = cam.azimuth;
    nv.scene.renderElevation = cam.elevation;
    // after every frame: the prompt markers follow (slice, zoom, pan, layout)
    const drawScene = nv.drawScene.bind(nv);
    nv.drawScene = () => {
      const r = drawScene();
      for (const f of afterDraw.current) f();
      return r;
    };
    // the volume render steps aside in 3D (meshes shown) without touching the volume textures
    const drawImage3D = nv.drawImage3D.bind(nv);
    nv.drawImage3D = (...args: Parameters<Niivue['drawImage3D']>) => { if (volumeIn3D.current) drawImage3D(...args); };
    // NiiVue's own windowing (right drag over a region, reset) shows in the W/L boxes; the CT is
    // already drawn with it, so the window effect below finds nothing to change
    nv.onIntensityChange = (vol: NVImage) => {
      if (vol !== nv.volumes[0]) return;
      const w = rangeToWindow(vol.cal_min ?? 0, vol.cal_max ?? 0);
      const rounded = { width: Math.max(1, Math.round(w.width)), level: Math.round(w.level) };
      windowFromNiivue.current = rounded;
      setPreset('custom');
      setWin(rounded);
    };
    // NiiVue's own V key cycles the views: keep the toolbar (and the remembered view) in step
    nv.onSliceTypeChange = (st: SLICE_TYPE) => {
      const v = VIEWS.find((x) => x.type === st);
      if (!v) return;
      setViewState(v.id);
      localStorage.setItem(VIEW_KEY, v.id);
    };
    // exposed for debugging in the browser console and for the browser test
    (window as unknown as { vista3dViewer?: Niivue }).vista3dViewer = nv;
    void nv.attachToCanvas(canvas).catch((err: unknown) => setGlError(`Could not start the viewer: ${errorMessage(err)}`));
    return () => {
      nvRef.current = null;
      try {
        const ctx = canvas.getContext('webgl2');
        ctx?.getExtension('WEBGL_lose_context')?.loseContext();
      } catch { /* ignore */ }
    };
  }, []);

  const latestConvention = useRef(convention);
  latestConvention.current = convention;
  const afterDraw = useRef(new Set<() => void>());
  const subscribeDraw = useCallback((f: () => void) => {
    afterDraw.current.add(f);
    return () => { afterDraw.current.delete(f); };
  }, []);
  const volumeIn3D = useRef(true);

  // Every NiiVue volume refresh re-uploads all layers and recomputes the 3D gradient texture (seconds
  // for a 512×512×300 CT without a fast GPU). Settings are written onto the volumes directly and
  // one refresh per frame is requested, so several effects of one render cost one refresh.
  const pendingGL = useRef<number | null>(null);
  const scheduleGLUpdate = useCallback(() => {
    if (pendingGL.current !== null) return;
    pendingGL.current = requestAnimationFrame(() => {
      pendingGL.current = null;
      nvRef.current?.updateGLVolume();
    });
  }, []);
  useEffect(() => () => { if (pendingGL.current !== null) cancelAnimationFrame(pendingGL.current); }, []);
  /**
   * Sets the volume list with one refresh now (and none pending): NiiVue's addVolume and
   * removeVolume each refresh every layer, so replacing the label map through them cost two or three.
   */
  const setVolumes = useCallback((nv: Niivue, next: NVImage[]) => {
    if (pendingGL.current !== null) {
      cancelAnimationFrame(pendingGL.current);
      pendingGL.current = null;
    }
    nv.volumes = next;
    nv.back = next[0] ?? null;
    nv.overlays = next.slice(1);
    nv.updateGLVolume();
  }, []);
  /** The latest display settings, read when a volume arrives (settings changed while it loaded cost no extra refresh). */
  const latest = useRef({ win, opacity, showOverlay, lutLabels, hidden, lutKey });
  latest.current = { win, opacity, showOverlay, lutLabels, hidden, lutKey };
  /** The LUT key last applied to the label map, so unchanged toggles do not refresh. */
  const appliedLut = useRef<{ seg: NVImage; key: string } | null>(null);

  // --- load the CT by URL (NiiVue fetches it; nothing is copied here)
  const ctUrl = scan?.imageUrl;
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv || !ctUrl) return;
    let cancelled = false;
    setLoading(true);
    setLoadError(null);
    NVImage.loadFromUrl({ url: ctUrl, name: `${scanId}.nii.gz`, colormap: 'gray' }).then((ct) => {
      if (cancelled) return;
      const { win: w } = latest.current;
      [ct.cal_min, ct.cal_max] = windowToRange(w.width, w.level);
      setVolumes(nv, [ct]); // the label map follows (effect below)
      // for bench/viewer and its test: the first frame with the CT on screen
      requestAnimationFrame(() => { if (!performance.getEntriesByName('vista3d-first-draw').length) performance.mark('vista3d-first-draw'); });
      setLoaded((x) => x + 1);
    }, (err: unknown) => {
      if (cancelled) return;
      setLoading(false);
      setLoadError(`Could not load the CT: ${errorMessage(err)}. Check that the image server is running (Dashboard).`);
    });
    return () => { cancelled = true; };
    // window/opacity/hidden are applied by their own effects; only the URL triggers a reload
  }, [ctUrl, scanId]);

  // --- the label map as volume 1, reloaded (only it) whenever the segmentation changes on the server
  const segVersion = `${scan?.segmentation?.version ?? ''}|${segLabels.map((l) => `${l.id}:${l.voxels}`).join(',')}`;
  const segKey = segmentedUrl ? `${segmentedUrl}${segmentedUrl.includes('?') ? '&' : '?'}v=${hashString(segVersion)}` : null;
  const [overlayVersion, setOverlayVersion] = useState(0);
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv || loaded === 0) return;
    let cancelled = false;
    if (!segKey) {
      setLoading(false);
      if (nv.volumes.length > 1) setVolumes(nv, nv.volumes.slice(0, 1));
      return;
    }
    setLoading(true);
    // Loaded, coloured with the settings of the moment, then swapped in for the previous label map
    // (and any interactive result): one volume refresh.
    NVImage.loadFromUrl({ url: segKey, name: 'labels.nii.gz' }).then((seg) => {
      if (cancelled) return;
      const cur = latest.current;
      seg.opacity = cur.showOverlay ? cur.opacity : 0;
      seg.setColormapLabel(buildLabelColormap(cur.lutLabels, cur.hidden));
      appliedLut.current = { seg, key: cur.lutKey };
      setVolumes(nv, [...nv.volumes.slice(0, 1), seg]);
      setLoading(false);
      setOverlayVersion((x) => x + 1);
    }, (err: unknown) => {
      if (cancelled) return;
      setLoading(false);
      setLoadError(`Could not load the label map: ${errorMessage(err)}`);
    });
    return () => { cancelled = true; };
  }, [segKey, loaded]);

  const segVolume = (): NVImage | undefined => nvRef.current?.volumes[1];

  // --- location readout
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv) return;
    nv.onLocationChange = (raw: unknown) => {
      const loc = raw as NiiVueLocation;
      const v = loc.values ?? [];
      setReadout({
        hu: v[0] ? v[0].value : null,
        labelId: v[1] ? Math.round(v[1].value) : 0,
        vox: [loc.vox[0], loc.vox[1], loc.vox[2]],
        mm: [loc.mm[0], loc.mm[1], loc.mm[2]],
      });
    };
  }, [loaded]);

  // --- display settings
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv) return;
    nv.setSliceType(VIEWS.find((v) => v.id === view)!.type);
  }, [view, loaded]);
  useEffect(() => {
    const nv = nvRef.current;
    const ct = nv?.volumes[0];
    if (!nv || !ct) return;
    const [lo, hi] = windowToRange(win.width, win.level);
    const nvWin = windowFromNiivue.current;
    windowFromNiivue.current = null;
    if (nvWin && nvWin.width === win.width && nvWin.level === win.level) return; // NiiVue drew it already
    if (ct.cal_min === lo && ct.cal_max === hi) return;
    ct.cal_min = lo;
    ct.cal_max = hi;
    scheduleGLUpdate();
  }, [win, loaded]);
  useEffect(() => {
    const seg = segVolume();
    const value = showOverlay ? opacity : 0;
    if (!seg || seg.opacity === value) return;
    seg.opacity = value;
    scheduleGLUpdate();
  }, [opacity, showOverlay, overlayVersion]);
  useEffect(() => {
    const seg = segVolume();
    if (!seg || (appliedLut.current?.seg === seg && appliedLut.current.key === lutKey)) return;
    seg.setColormapLabel(buildLabelColormap(lutLabels, hidden));
    appliedLut.current = { seg, key: lutKey };
    scheduleGLUpdate();
  }, [hidden, lutLabels, overlayVersion]);
  useEffect(() => {
    nvRef.current?.setCrosshairWidth(crosshair ? CROSSHAIR_PERCENT : 0);
  }, [crosshair, loaded]);
  const firstConvention = useRef(true);
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv) return;
    nv.opts.isRadiologicalConvention = convention === 'radiological';
    if (!firstConvention.current) { // the user's 3D rotation stays until the convention changes
      const cam = renderCamera(convention);
      nv.scene.renderAzimuth = cam.azimuth;
      nv.scene.renderElevation = cam.elevation;
    }
    firstConvention.current = false;
    nv.drawScene();
  }, [convention]);
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv) return;
    nv.overlayOutlineWidth = outline ? 0.25 : 0; // a share of a voxel: a thin edge whatever the zoom
    nv.drawScene();
  }, [outline, loaded]);
  useEffect(() => {
    const nv = nvRef.current;
    if (!nv || !nv.volumes[0]) return;
    const preset = CLIP_PRESETS.find((p) => p.id === clip.preset) ?? CLIP_PRESETS[0];
    nv.setClipPlane(preset.id === 'off' ? [2, 0, 0] : [clip.depth, preset.azimuth, preset.elevation]);
  }, [clip, loaded]);

  // --- meshes in the 3D view, in their label colours
  const meshes = useViewerMeshes(nvRef, loaded > 0, scan, (id) => lutById.get(id)?.color);
  const meshShown = meshes.meshes.some((m) => meshes.visible(m.url));
  const volumeRenderOn = volumeRender ?? !meshShown;
  useEffect(() => {
    volumeIn3D.current = volumeRenderOn;
    nvRef.current?.drawScene();
  }, [volumeRenderOn]);

  // --- interactive segmentation: left click = positive point, shift-click = negative point
  const down = useRef<{ x: number; y: number; shift: boolean } | null>(null);
  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    down.current = { x: e.clientX, y: e.clientY, shift: e.shiftKey };
  };
  const onPointerUp = (e: PointerEvent<HTMLCanvasElement>) => {
    const start = down.current;
    down.current = null;
    const nv = nvRef.current;
    if (!interactive || !start || !nv || e.button !== 0 || !nv.volumes[0]) return;
    if (Math.hypot(e.clientX - start.x, e.clientY - start.y) > 5) return; // a drag, not a click
    const rect = e.currentTarget.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const at: [number, number] = [(e.clientX - rect.left) * dpr, (e.clientY - rect.top) * dpr];
    const hit = markerAt(nv, points, at[0], at[1], dpr);
    if (hit >= 0) { // a click on a prompt's marker removes that prompt
      setPoints((ps) => ps.filter((_, j) => j !== hit));
      return;
    }
    const frac = nv.canvasPos2frac(at);
    if (frac[0] < 0) return; // outside the slices (e.g. on the 3D tile)
    const vox = nv.frac2vox(frac, 0);
    const dims = nv.volumes[0].dims ?? [];
    const p: [number, number, number] = [0, 1, 2].map((i) => Math.max(0, Math.min((dims[i + 1] ?? 1) - 1, Math.round(vox[i])))) as [number, number, number];
    setPoints((ps) => [...ps, { vox: p, positive: !start.shift }]);
  };

  /** CT and label map: the volumes without an interactive result. */
  const baseVolumes = (nv: Niivue) => nv.volumes.slice(0, segKey ? 2 : 1);
  const removeInteractiveOverlay = () => {
    const nv = nvRef.current;
    if (nv && nv.volumes.length > baseVolumes(nv).length) setVolumes(nv, baseVolumes(nv));
  };

  const runInteractive = async () => {
    if (!iClass) return setIError('Choose a class first.');
    if (!points.some((p) => p.positive)) return setIError('Add at least one positive point (click inside the structure).');
    setIBusy(true);
    setIError(null);
    try {
      const res = await api.interactive({ patient, scan: scanId, class: iClass, points: points.map((p) => p.vox), pointLabels: points.map((p) => (p.positive ? 1 : 0)) });
      setIResult(res);
      const nv = nvRef.current;
      if (nv) {
        const color = labelById.get(iClass)?.color ?? [255, 220, 0];
        const vol = await NVImage.loadFromUrl({ url: res.url, name: 'interactive.nii.gz', opacity: 0.8 });
        vol.setColormapLabel(binaryMaskColormap(color, labelById.get(iClass)?.name ?? 'result', Math.max(1, res.labelId)));
        setVolumes(nv, [...baseVolumes(nv), vol]); // replaces an earlier result
      }
    } catch (err) {
      setIError(errorMessage(err));
    } finally {
      setIBusy(false);
    }
  };

  const acceptInteractive = async () => {
    setIBusy(true);
    try {
      await api.acceptInteractive({ patient, scan: scanId, class: iClass });
      toast('success', `Added ${labelById.get(iClass)?.name ?? `class ${iClass}`} to the segmentation`);
      removeInteractiveOverlay();
      setIResult(null);
      setPoints([]);
      if (scan && scan.meshes.length > 0) setMeshesStale(true);
      await loadScans();
    } catch (err) {
      setIError(`Could not accept: ${errorMessage(err)}`);
    } finally {
      setIBusy(false);
    }
  };

  const discardInteractive = () => {
    removeInteractiveOverlay();
    setIResult(null);
    setPoints([]);
    setIError(null);
  };

  const screenshot = () => {
    const nv = nvRef.current;
    if (!nv) return;
    void nv.saveScene(`${patient}_${scanId}_${view}.png`);
  };

  // label editing, measurements and versions (viewer/use-editor.ts)
  const editor = useEditor({ nvRef, canvasRef, patient, scanId, currentVersion: scan?.segmentation?.version ?? null, overlayKey: overlayVersion, onSaved: loadScans });

  const cursorLabel = readout && readout.labelId > 0 ? lutById.get(readout.labelId) : undefined;

  // --- hooks for tools in their own files (label editing, measurements) and the shortcuts
  const editHandlers = useRef<EditHandlers>({});
  const currentSlice = useCallback((): CurrentSlice | null => {
    const nv = nvRef.current;
    if (!nv?.volumes[0]) return null;
    const cross = nv.scene.crosshairPos;
    const vox = nv.frac2vox(cross, 0);
    const mm = nv.frac2mm(cross, 0);
    const v = latestView.current;
    return { view: v === 'coronal' || v === 'sagittal' ? v : 'axial', vox: [vox[0], vox[1], vox[2]], mm: [mm[0], mm[1], mm[2]] };
  }, []);
  const latestView = useRef(view);
  latestView.current = view;
  const hooks: ViewerHooks = useMemo(() => ({
    patient,
    scan: scanId,
    getNiivue: () => nvRef.current,
    currentSlice,
    requestVolumeRefresh: scheduleGLUpdate,
    registerEditHandlers: (h) => {
      editHandlers.current = h;
      return () => { if (editHandlers.current === h) editHandlers.current = {}; };
    },
  }), [patient, scanId, currentSlice, scheduleGLUpdate]);

  /** One slice up (+1: superior / anterior / patient left) or down along the current 2D view's axis. */
  const stepSlice = (delta: 1 | -1) => {
    const nv = nvRef.current;
    const dims = nv?.volumes[0]?.dimsRAS;
    if (!nv || !dims) return;
    const v = latestView.current;
    const axis = v === 'sagittal' ? 0 : v === 'coronal' ? 1 : 2;
    const pos = nv.scene.crosshairPos;
    const n = dims[axis + 1]!;
    const index = Math.max(0, Math.min(n - 1, Math.round(pos[axis] * n - 0.5) + delta));
    pos[axis] = (index + 0.5) / n; // voxel centres, so repeated steps never drift across a boundary
    nv.createOnLocationChange();
    nv.drawScene();
  };
  const shortcut = useRef<(e: KeyboardEvent) => void>(() => undefined);
  shortcut.current = (e: KeyboardEvent) => {
    if (isTypingTarget(e.target)) return;
    const a = matchShortcut(e);
    if (!a) return;
    switch (a.kind) {
      case 'slice': stepSlice(a.delta); break;
      case 'view': setView(VIEWS[a.index]!.id); break;
      case 'overlay': if (segmentedUrl) setShowOverlay((x) => !x); break;
      case 'outline': setOutline((x) => !x); break;
      case 'crosshair': setCrosshair((x) => !x); break;
      case 'convention': setConvention(convention === 'radiological' ? 'neurological' : 'radiological'); break;
      case 'preset': {
        const p = WINDOW_PRESETS[a.index];
        if (!p) return;
        setPreset(p.id);
        setWin({ width: p.width, level: p.level });
        break;
      }
      case 'undo': if (!editHandlers.current.undo) return; editHandlers.current.undo(); break;
      case 'redo': if (!editHandlers.current.redo) return; editHandlers.current.redo(); break;
      case 'removeLastPoint': if (!interactive || points.length === 0) return; setPoints((ps) => ps.slice(0, -1)); break;
      case 'help': setHelpOpen((x) => !x); break;
      case 'close': if (!helpOpen) return; setHelpOpen(false); break;
    }
    e.preventDefault();
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => shortcut.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <ViewerContext.Provider value={hooks}>
    <div className="viewer">
      <div className="viewer-toolbar" role="toolbar" aria-label="Viewer tools">
        <div className="crumbs">
          <a href={href({ page: 'data', patient })}>{patient}</a>
          <span className="muted">/</span>
          <select aria-label="Scan" value={scanId} onChange={(e) => navigate({ page: 'viewer', patient, scan: e.target.value })}>
            {(scans ?? [{ id: scanId } as ScanInfo]).map((s) => <option key={s.id} value={s.id}>{s.id}</option>)}
          </select>
        </div>
        <div className="seg-buttons" role="group" aria-label="View">
          {VIEWS.map((v) => (
            <button key={v.id} className={`seg-btn ${view === v.id ? 'on' : ''}`} aria-pressed={view === v.id} onClick={() => setView(v.id)}>{v.name}</button>
          ))}
        </div>
        <div className="tool-group" role="group" aria-label="Window">
          <select aria-label="Window preset" value={preset} onChange={(e) => {
            const p = WINDOW_PRESETS.find((x) => x.id === e.target.value);
            setPreset(e.target.value);
            if (p) setWin({ width: p.width, level: p.level });
          }}>
            {WINDOW_PRESETS.map((p) => <option key={p.id} value={p.id} title={`W${p.width} L${p.level}`}>{p.name}</option>)}
            <option value="custom">Custom</option>
          </select>
          <label className="wl">W<input type="number" aria-label="Window width" value={win.width} min={1} step={10} onChange={(e) => { setPreset('custom'); setWin((w) => ({ ...w, width: Math.max(1, Number(e.target.value) || 1) })); }} /></label>
          <label className="wl">L<input type="number" aria-label="Window level" value={win.level} step={10} onChange={(e) => { setPreset('custom'); setWin((w) => ({ ...w, level: Number(e.target.value) || 0 })); }} /></label>
        </div>
        <div className="tool-group">
          <label className="check"><input type="checkbox" checked={showOverlay} onChange={(e) => setShowOverlay(e.target.checked)} disabled={!segmentedUrl} />Overlay</label>
          <input type="range" aria-label="Overlay opacity" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.target.value))} disabled={!segmentedUrl} />
          <span className="small muted num-w">{Math.round(opacity * 100)}%</span>
        </div>
        <div className="tool-group">
          <label className="check"><input type="checkbox" checked={crosshair} onChange={(e) => setCrosshair(e.target.checked)} />Crosshair</label>
          <label className="check" title="Label outlines instead of filled labels (U)"><input type="checkbox" checked={outline} onChange={(e) => setOutline(e.target.checked)} />Outline</label>
          <select aria-label="Display convention" value={convention} onChange={(e) => setConvention(e.target.value as Convention)} title="Radiological: screen left = patient right (N)">
            <option value="radiological">Radiological (R|L)</option>
            <option value="neurological">Neurological (L|R)</option>
          </select>
          <button className="btn btn-small" onClick={screenshot} title="Save the current view as PNG">Screenshot</button>
          <a className="btn btn-small" href={href({ page: 'export', patient, scan: scanId })}>Export</a>
          <button className="btn btn-small" aria-label="Keyboard shortcuts" aria-expanded={helpOpen} title="Keyboard shortcuts (?)" onClick={() => setHelpOpen((x) => !x)}>?</button>
        </div>
      </div>
      <div className="viewer-body">
        <div className={`canvas-wrap ${interactive ? 'interactive' : ''} ${editor.tool !== 'none' ? 'editing' : ''}`}>
          <canvas ref={canvasRef} data-testid="niivue-canvas" onPointerDown={onPointerDown} onPointerUp={onPointerUp} />
          <PromptMarkers nvRef={nvRef} points={interactive ? points : []} subscribe={subscribeDraw} />
          {/* static on purpose: an infinite CSS animation keeps the compositor busy during NiiVue's volume upload (first draw 4.7× slower) */}
          {loading && <div className="canvas-overlay"><span className="loading-static" role="status">Loading volumes…</span></div>}
          {helpOpen && <HelpPanel onClose={() => setHelpOpen(false)} />}
          {(glError || loadError) && <div className="canvas-overlay"><ErrorBox onRetry={loadError ? loadScans : undefined}>{glError ?? loadError}</ErrorBox></div>}
          {scans && !scan && !loadError && <div className="canvas-overlay"><ErrorBox>Scan “{scanId}” of patient “{patient}” was not found.</ErrorBox></div>}
          {interactive && <div className="mode-badge">Interactive: click = include · shift-click = exclude</div>}
        </div>
        <aside className="viewer-side">
          <CursorPanel readout={readout} label={cursorLabel} scan={scan} />

          {scan && <section className="panel" aria-label="Series"><h3>Series</h3><ScanMeta scan={scan} /></section>}

          <LabelsPanel patient={patient} segmented={!!scan?.segmentation} labels={segLabels} hidden={hidden} onHiddenChange={setHidden} />

          {can('annotator') && <InteractivePanel
            enabled={interactive} onEnabledChange={setInteractive}
            classes={dict?.labels ?? []} automatic={automatic} classId={iClass} onClassChange={setIClass}
            points={points} onRemovePoint={(i) => setPoints((ps) => ps.filter((_, j) => j !== i))}
            busy={iBusy} result={iResult} error={iError}
            onRun={runInteractive} onClear={discardInteractive} onAccept={acceptInteractive}
          />}

          {(view === 'render' || view === 'multiplanar') && (
            <RenderPanel volumeRender={volumeRenderOn} auto={volumeRender === null} meshShown={meshShown} onVolumeRender={setVolumeRender} clip={clip} onClip={setClip} />
          )}

          {can('annotator') && <EditPanel editor={editor} classes={dict?.labels ?? []} />}
          {scan?.segmentation && <VersionsPanel patient={patient} scan={scanId} refreshKey={segKey} viewing={editor.viewing} onView={(v, url) => void editor.viewVersion(v, url)} meshesVersion={scan.meshesVersion} hasMeshes={scan.meshes.length > 0} />}

          {scan && scan.meshes.length > 0 && (
            <MeshPanel scan={scan} meshes={meshes} labelById={lutById} stale={meshesStale} onShow3D={view !== 'render' ? () => setView('render') : undefined} />
          )}
        </aside>
      </div>
    </div>
    </ViewerContext.Provider>
  );
}
