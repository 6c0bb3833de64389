// The viewer's keyboard shortcuts: one table (shown in the "?" help panel) and a pure matcher.

export type ShortcutAction =
  | { kind: 'slice'; delta: 1 | -1 }
  | { kind: 'view'; index: number }
  | { kind: 'overlay' }
  | { kind: 'outline' }
  | { kind: 'crosshair' }
  | { kind: 'convention' }
  | { kind: 'preset'; index: number }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'removeLastPoint' }
  | { kind: 'help' }
  | { kind: 'close' };

/** What the help panel lists (keys as the user presses them). */
export const SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: '↑ / ↓ or Page Up / Page Down', action: 'next / previous slice (the view under the mouse; axial in Multiplanar)' },
  { keys: '1 2 3 4 5', action: 'Axial, Coronal, Sagittal, Multiplanar, 3D' },
  { keys: 'O', action: 'label overlay on / off' },
  { keys: 'U', action: 'label outlines on / off' },
  { keys: 'X', action: 'crosshair on / off' },
  { keys: 'N', action: 'radiological ↔ neurological convention' },
  { keys: 'Shift+1 … Shift+6', action: 'window presets: soft tissue, lung, bone, brain, liver, mediastinum' },
  { keys: 'Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)', action: 'undo / redo a label edit' },
  { keys: 'Backspace', action: 'remove the last prompt point (interactive mode)' },
  { keys: '?', action: 'this list' },
  { keys: 'Esc', action: 'close this list' },
  { keys: 'V · H J K L · C (NiiVue)', action: 'cycle views · move the crosshair / rotate 3D · 3D clip presets' },
];

export interface KeyLike {
  key: string;
  code: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** The action of a key press, or null when the viewer leaves it alone. */
export function matchShortcut(e: KeyLike): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !e.altKey) {
    const k = e.key.toLowerCase();
    if (k === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
    if (k === 'y') return { kind: 'redo' };
    return null;
  }
  if (e.altKey || mod) return null;
  const digit = /^Digit([1-6])$/.exec(e.code);
  if (digit && e.shiftKey) return { kind: 'preset', index: Number(digit[1]) - 1 };
  if (digit && Number(digit[1]) <= 5) return { kind: 'view', index: Number(digit[1]) - 1 };
  switch (e.key) {
    case 'ArrowUp': case 'PageUp': return { kind: 'slice', delta: 1 };
    case 'ArrowDown': case 'PageDown': return { kind: 'slice', delta: -1 };
    case '?': return { kind: 'help' };
    case 'Escape': return { kind: 'close' };
    case 'Backspace': return { kind: 'removeLastPoint' };
  }
  switch (e.key.toLowerCase()) {
    case 'o': return { kind: 'overlay' };
    case 'u': return { kind: 'outline' };
    case 'x': return { kind: 'crosshair' };
    case 'n': return { kind: 'convention' };
  }
  return null;
}

/** Key presses meant for a text field, select or button are not shortcuts. */
export function isTypingTarget(t: EventTarget | null): boolean {
  const el = t as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  return el.tagName === 'INPUT' && !['checkbox', 'radio', 'range', 'button'].includes(el.type ?? '');
}
