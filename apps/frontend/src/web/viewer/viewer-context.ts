// Small hooks the viewer offers to tools that live in their own files (label editing, measurements):
// the NiiVue instance, the current slice, a batched volume refresh and the undo/redo shortcut slots.
import type { Niivue } from '@niivue/niivue';
import { createContext, useContext, useEffect } from 'react';

export interface CurrentSlice {
  /** The 2D view the slice keys act on. */
  view: 'axial' | 'coronal' | 'sagittal';
  /** Crosshair voxel (native voxel indices of the CT). */
  vox: [number, number, number];
  /** Crosshair in world RAS millimetres. */
  mm: [number, number, number];
}

export interface EditHandlers {
  undo?: () => void;
  redo?: () => void;
}

export interface ViewerHooks {
  patient: string;
  scan: string;
  /** The NiiVue instance (null before it is attached or after unmount). */
  getNiivue: () => Niivue | null;
  currentSlice: () => CurrentSlice | null;
  /** One volume refresh on the next frame however often it is asked for (after changing volume data). */
  requestVolumeRefresh: () => void;
  /** Ctrl+Z / Ctrl+Shift+Z go to these; returns the unregister function. */
  registerEditHandlers: (h: EditHandlers) => () => void;
}

export const ViewerContext = createContext<ViewerHooks | null>(null);

/** The viewer's hooks; only inside the viewer. */
export function useViewer(): ViewerHooks {
  const v = useContext(ViewerContext);
  if (!v) throw new Error('useViewer() is only available inside the viewer');
  return v;
}

/** Routes the viewer's undo/redo shortcuts to `h` while the calling component is mounted. */
export function useEditShortcuts(h: EditHandlers): void {
  const v = useViewer();
  useEffect(() => v.registerEditHandlers(h), [v, h.undo, h.redo]);
}
