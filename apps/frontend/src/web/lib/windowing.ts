// CT window/level presets and conversions (HU). Pure: no DOM.

export interface WindowPreset {
  id: string;
  name: string;
  width: number;
  level: number;
}

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { id: 'soft', name: 'Soft tissue', width: 400, level: 40 },
  { id: 'lung', name: 'Lung', width: 1500, level: -600 },
  { id: 'bone', name: 'Bone', width: 1800, level: 400 },
  { id: 'brain', name: 'Brain', width: 80, level: 40 },
  { id: 'liver', name: 'Liver', width: 150, level: 30 },
  { id: 'mediastinum', name: 'Mediastinum', width: 350, level: 50 },
];

/** Window width/level (HU) → NiiVue display range [cal_min, cal_max]. Width is clamped to ≥ 1. */
export function windowToRange(width: number, level: number): [number, number] {
  const w = Math.max(1, width);
  return [level - w / 2, level + w / 2];
}

/** Display range → window width/level (HU). */
export function rangeToWindow(min: number, max: number): { width: number; level: number } {
  return { width: max - min, level: (min + max) / 2 };
}

export function presetById(id: string): WindowPreset | undefined {
  return WINDOW_PRESETS.find((p) => p.id === id);
}
