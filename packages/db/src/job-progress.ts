/**
 * A job's overall progress after an item reports `fraction` of itself: items already done count
 * whole, the fraction is clamped to 0..1 (non-finite = 0), and progress never moves backwards.
 */
export function advancedProgress(current: number, itemsDone: number, itemsTotal: number, fraction: number): number {
  const total = Math.max(itemsTotal, 1);
  const f = Math.min(Math.max(Number.isFinite(fraction) ? fraction : 0, 0), 1);
  return Math.min(1, Math.max(current, (itemsDone + f) / total));
}
