// The scan's surface meshes in NiiVue's 3D view: loaded in their label colours, swapped in with one
// redraw, shown/hidden and made translucent per mesh with draw-time properties (no buffer rebuild).
import { NVMesh, type Niivue } from '@niivue/niivue';
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { errorMessage } from '../lib/api.js';
import type { MeshInfo, Rgb, ScanInfo } from '../lib/types.js';

/** VISTA3D's body outline (our extension id 200): its surface hides every organ, so it starts hidden. */
export const BODY_LABEL_ID = 200;
/** Mesh formats NiiVue reads; GLB is offered on the Export page. */
const MESH_FORMATS = new Set(['obj', 'stl', 'ply', 'gii', 'mz3', 'vtk', 'off', 'x3d']);
const GREY: Rgb = [220, 220, 220];

/** Shown when loaded: every mesh but the body surface, which hides every organ inside it. */
const shownAtFirst = (m: MeshInfo): boolean => m.labelId !== BODY_LABEL_ID;

export interface ViewerMeshes {
  /** The scan's meshes the viewer can draw. */
  meshes: MeshInfo[];
  visible: (url: string) => boolean;
  opacity: (url: string) => number;
  setVisible: (url: string, on: boolean) => void;
  setOpacity: (url: string, value: number) => void;
  error: string | null;
}

/**
 * Opaque meshes first: translucent ones are drawn without depth writes, so anything drawn after them
 * would paint over them. NiiVue draws in array order.
 */
export function drawOrder<T extends { opacity: number }>(meshes: readonly T[]): T[] {
  return [...meshes.filter((m) => m.opacity >= 1), ...meshes.filter((m) => m.opacity < 1)];
}

export function useViewerMeshes(
  nvRef: RefObject<Niivue | null>,
  volumeLoaded: boolean,
  scan: ScanInfo | null,
  colorOf: (labelId: number) => Rgb | undefined,
): ViewerMeshes {
  const [visibleByUrl, setVisibleByUrl] = useState<Record<string, boolean>>({});
  const [opacityByUrl, setOpacityByUrl] = useState<Record<string, number>>({});
  const [error, setError] = useState<string | null>(null);
  const byUrl = useRef(new Map<string, NVMesh>());
  const meshes = useMemo(() => (scan?.meshes ?? []).filter((m) => MESH_FORMATS.has(m.format.toLowerCase())), [scan]);
  const colorFor = (m: MeshInfo): Rgb => (m.labelId === undefined ? GREY : colorOf(m.labelId) ?? GREY);
  // sizes too: a re-run mesh job rewrites the same file names (served with no-cache, so refetched)
  const meshKey = meshes.map((m) => `${m.url}:${m.sizeBytes ?? ''}:${colorFor(m).join(',')}`).join('|');

  useEffect(() => {
    const nv = nvRef.current;
    if (!nv || !volumeLoaded) return;
    const gl = nv.gl;
    // NiiVue's loadMeshes/removeMesh refresh every volume once per mesh (seconds each for a large CT
    // without a GPU); the meshes are built here and swapped in with one redraw instead.
    const replaceMeshes = (next: Map<string, NVMesh>) => {
      for (const old of nv.meshes) old.unloadMesh(gl);
      byUrl.current = next;
      nv.meshes = drawOrder([...next.values()]);
      for (const m of nv.meshes) nv.furthestVertexFromOrigin = Math.max(nv.furthestVertexFromOrigin, m.furthestVertexFromOrigin);
      nv.drawScene();
    };
    if (meshes.length === 0) {
      // meshes deleted (e.g. the scan was deleted or re-meshed elsewhere): drop what is drawn
      if (nv.meshes.length > 0) replaceMeshes(new Map());
      return;
    }
    let cancelled = false;
    const load = (m: MeshInfo) => NVMesh.loadFromUrl({ url: m.url, gl, name: m.url.split('/').pop() ?? m.url, rgba255: [...colorFor(m), 255] });
    Promise.all(meshes.map(load)).then((loaded) => {
      if (cancelled) {
        for (const m of loaded) m.unloadMesh(gl);
        return;
      }
      loaded.forEach((mesh, i) => { mesh.visible = shownAtFirst(meshes[i]); });
      replaceMeshes(new Map(meshes.map((m, i) => [m.url, loaded[i]])));
      setVisibleByUrl(Object.fromEntries(meshes.map((m) => [m.url, shownAtFirst(m)])));
      setOpacityByUrl({});
      setError(null);
    }, (err: unknown) => { if (!cancelled) setError(`Could not load meshes: ${errorMessage(err)}`); });
    return () => { cancelled = true; };
  }, [meshKey, volumeLoaded]); // meshKey stands for the meshes and their colours

  // draw-time properties: setMeshProperty would rebuild the mesh buffers and refresh every volume
  const redraw = (url: string, change: (mesh: NVMesh) => void) => {
    const nv = nvRef.current;
    const mesh = byUrl.current.get(url);
    if (!nv || !mesh) return;
    change(mesh);
    nv.meshes = drawOrder(nv.meshes);
    nv.drawScene();
  };
  return {
    meshes,
    visible: (url) => visibleByUrl[url] ?? meshes.some((m) => m.url === url && shownAtFirst(m)),
    opacity: (url) => opacityByUrl[url] ?? 1,
    setVisible: (url, on) => {
      redraw(url, (mesh) => { mesh.visible = on; });
      setVisibleByUrl((v) => ({ ...v, [url]: on }));
    },
    setOpacity: (url, value) => {
      redraw(url, (mesh) => { mesh.opacity = value; });
      setOpacityByUrl((v) => ({ ...v, [url]: value }));
    },
    error,
  };
}

