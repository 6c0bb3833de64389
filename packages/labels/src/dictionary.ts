import labelDict from '../data/vista3d_label_dict.json' with { type: 'json' };
import labelColors from '../data/vista3d_label_colors.json' with { type: 'json' };
import { groupOf } from './groups.js';
import { normaliseLabelName } from './names.js';
import type { LabelInfo, Rgb } from './types.js';

/**
 * Extension ids live outside VISTA3D's 1–150 so they can never collide with a real class.
 * The CPU engine writes the body outline with BODY_LABEL_ID.
 */
export const BODY_LABEL_ID = 200;
const EXTENSIONS: ReadonlyArray<{ id: number; name: string; color: Rgb }> = [
  { id: BODY_LABEL_ID, name: 'body', color: [177, 122, 101] },
];

interface ColorEntry {
  id: number;
  name: string;
  color: number[];
}

/** Golden-angle hue walk: distinct, stable colours for the few classes the palette file lacks. */
function fallbackColor(id: number): Rgb {
  const hue = (id * 137.508) % 360;
  const s = 0.65;
  const l = 0.55;
  const k = (n: number): number => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

function buildLabels(): LabelInfo[] {
  const colors = new Map<number, Rgb>();
  for (const entry of labelColors as ColorEntry[]) {
    const [r = 0, g = 0, b = 0] = entry.color;
    colors.set(entry.id, [r, g, b]);
  }
  const labels: LabelInfo[] = Object.entries(labelDict as Record<string, number>).map(([name, id]) => ({
    id,
    name,
    color: colors.get(id) ?? fallbackColor(id),
    group: groupOf(name),
    extension: false,
  }));
  for (const ext of EXTENSIONS) labels.push({ ...ext, group: groupOf(ext.name), extension: true });
  return labels.sort((a, b) => a.id - b.id);
}

/** Every class the platform knows: the 145 VISTA3D classes plus documented extensions. */
export const LABELS: readonly LabelInfo[] = Object.freeze(buildLabels());
/** The VISTA3D classes only (what the NVIDIA NIM can be asked for). */
export const VISTA3D_LABELS: readonly LabelInfo[] = LABELS.filter((l) => !l.extension);

const byId = new Map(LABELS.map((l) => [l.id, l]));
const byName = new Map(LABELS.map((l) => [normaliseLabelName(l.name), l]));

export function labelById(id: number): LabelInfo | undefined {
  return byId.get(id);
}

/** Looks a class up by name, forgiving case, underscores and dashes ("Left_Kidney" works). */
export function labelByName(name: string): LabelInfo | undefined {
  return byName.get(normaliseLabelName(name));
}

/** Resolves a class given as a name or an id (number or numeric string). */
export function resolveLabel(ref: string | number): LabelInfo | undefined {
  if (typeof ref === 'number') return labelById(ref);
  const trimmed = ref.trim();
  if (/^\d+$/.test(trimmed)) return labelById(Number(trimmed));
  return labelByName(trimmed);
}

/** Colour of a label id; unknown ids get a stable generated colour so overlays never go blank. */
export function labelColor(id: number): Rgb {
  return byId.get(id)?.color ?? fallbackColor(id);
}
