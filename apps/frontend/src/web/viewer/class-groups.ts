// Grouping and search of the classes a prompt can ask for. Pure: no DOM.
import type { LabelDef } from '../lib/types.js';

export const CLASS_GROUPS: ReadonlyArray<{ id: string; name: string }> = [
  { id: 'organ', name: 'Organs' },
  { id: 'vessel', name: 'Vessels' },
  { id: 'bone', name: 'Bones' },
  { id: 'muscle', name: 'Muscles' },
  { id: 'lung', name: 'Lungs and airways' },
  { id: 'lesion', name: 'Lesions' },
  { id: 'other', name: 'Other' },
];

/** Classes a prompt can ask for: the dictionary without our body outline (not a VISTA3D class). */
export function pickableClasses(classes: readonly LabelDef[]): LabelDef[] {
  return classes.filter((l) => l.name !== 'body' && l.id !== 200 && !(l as { extension?: boolean }).extension);
}

/** Grouped and sorted by name, filtered by name or group (or by id when the filter is a number). */
export function groupClasses(classes: readonly LabelDef[], filter: string): Array<{ id: string; name: string; classes: LabelDef[] }> {
  const f = filter.trim().toLowerCase();
  // a number is an id (names hold numbers too: "left rib 1", "vertebrae T1")
  const match = (l: LabelDef) => !f || (/^\d+$/.test(f) ? String(l.id) === f : l.name.toLowerCase().includes(f) || l.group.includes(f));
  const known = new Set(CLASS_GROUPS.map((g) => g.id));
  return CLASS_GROUPS.map((g) => ({
    ...g,
    classes: classes.filter((l) => (known.has(l.group) ? l.group : 'other') === g.id && match(l)).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })),
  })).filter((g) => g.classes.length > 0);
}
