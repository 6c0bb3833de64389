/** Normalises a class name for lookups: case, underscores, dashes and repeated spaces do not matter. */
export function normaliseLabelName(name: string): string {
  return name.trim().toLowerCase().replace(/[_\-\s]+/g, ' ');
}

/**
 * File name stem used by the earlier platform for per-label NIfTI files:
 * lower-cased, spaces and dashes become underscores ("left kidney" → "left_kidney").
 */
export function labelFileStem(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}
