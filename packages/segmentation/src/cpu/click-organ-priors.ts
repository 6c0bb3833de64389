import type { ClickOptions } from './interactive.js';

/**
 * What the organ strategy knows of each organ: adult sizes from anatomy and imaging texts (normal
 * ranges, taken at their upper end so a large normal organ still fits), never from the shared CTs.
 */
export interface OrganPrior {
  /** Largest typical adult volume (mL): the region's upper bound. */
  maxMl: number;
  /** Radius (mm) of the largest ball the organ holds (half its largest thickness). */
  maxRadiusMm: number;
  /** How far (mm) the organ may reach from its first click, placed well inside it: the working box and a bound. */
  reachMm: number;
  /**
   * Working grid (mm): whole voxels per cell up to this size (a 3 mm CT keeps its voxels; a 0.7 × 0.6 ×
   * 1.1 mm one gets 2.8 × 3.0 × 3.4 mm cells, the other strategies' grid). Borders are refined at full
   * resolution. It was 4 mm (5 mm for the liver and brain): on fine CTs the organs then grew on cells
   * coarser than the 3 mm grid they were tuned on, and later clicks leaked (liver, second click on the
   * 512×512×300 CT: 72 k voxels gained, 280 k lost) — organ mean Dice there 0.671 / 0.690 / 0.693 after
   * 1 / 2 / 3 clicks against 0.672 / 0.720 / 0.750 now; at 3 mm cells everywhere the liver's third click took 1.0 s.
   */
  workMm: number;
  /** Whether the organ is star-shaped from a click inside it (not kidneys: the sinus fat would shadow their far side). */
  star: boolean;
  /** Largest window half-width (HU) when the first click lies on unenhanced tissue (below 60 HU). */
  unenhancedHalfHu?: number;
  /** Overrides of the general algorithm's options. */
  options?: Partial<ClickOptions>;
}

const prior = (maxMl: number, maxRadiusMm: number, reachMm: number, star: boolean, workMm = 3.5, options: Partial<ClickOptions> = {}): OrganPrior =>
  ({ maxMl, maxRadiusMm, reachMm, star, workMm, options });

/** By VISTA3D class id; 0 = any other solid organ. */
export const ORGAN_PRIORS = new Map<number, OrganPrior>([
  // Liver 1.2–1.9 L (hepatomegaly above ≈ 2.5 L), up to 22 cm across; thickness is no bound.
  [1, prior(3000, 200, 160, false)],
  // Kidneys (both) 2 × ≈ 150 mL; each 10–13 × 5–7.5 × 3–5 cm.
  [2, { ...prior(600, 30, 120, false), unenhancedHalfHu: 30 }],
  // Spleen ≤ 12–13 cm long, ≤ 300–400 mL normally (splenomegaly above ≈ 500 mL), ≤ 6 cm thick.
  [3, prior(600, 35, 100, false)],
  // Pancreas 60–100 mL, 12–15 cm long, head ≤ 3 cm, body/tail ≤ 2.5 cm thick.
  [4, prior(120, 15, 110, true)],
  // One kidney: 120–170 mL (≤ 300 mL), 10–13 cm long, 3–5 cm thick.
  [5, { ...prior(300, 30, 75, false), unenhancedHalfHu: 30 }],
  [14, { ...prior(300, 30, 75, false), unenhancedHalfHu: 30 }],
  // Adrenal glands: ≈ 5 g, limbs < 1 cm thick, 4–6 cm long.
  [8, prior(15, 8, 40, true)],
  [9, prior(15, 8, 40, true)],
  // Gallbladder 7–10 cm × ≤ 4 cm (distended ≤ 5 cm), 30–50 mL (≤ 100 mL fasting).
  [10, prior(80, 25, 70, true)],
  // Bladder: capacity 400–600 mL, up to ≈ 12 cm across when full.
  [15, prior(800, 60, 100, true)],
  // Brain 1.2–1.5 L, 17 × 14 × 12 cm.
  [22, prior(1800, 80, 120, false)],
  // Heart with its chambers 12 × 8.5 × 6 cm, ≈ 0.6–0.9 L (≤ 1.2 L); half its length plus a margin as reach. Thickness is
  // no bound (80 mm): a scan of a few slices sees only its 12 × 8.5 cm section. One window around the click's
  // median spans epicardial fat (≈ −100 HU), myocardium and blood (40–60 HU) and contrast (150–400 HU).
  [115, prior(1200, 80, 70, true, 3.5, { minHalfHu: 280, maxHalfHu: 300 })],
  // Prostate ≈ 20–25 mL (enlarged above 30 mL), 4 × 3 × 3 cm; its zones are parts of it.
  [118, prior(40, 22, 50, true)],
  [147, prior(30, 18, 45, true)],
  [148, prior(20, 10, 45, true)],
  // Thyroid: lobes 4–6 × 2 × 2 cm, 10–20 mL together (≤ 30 mL).
  [126, prior(40, 15, 60, true)],
  // Left atrium 60–100 mL, ≈ 4–5 cm across.
  [149, prior(150, 30, 60, true)],
  [0, prior(1000, 60, 100, false)],
]);
