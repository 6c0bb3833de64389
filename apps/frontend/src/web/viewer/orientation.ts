// Display convention of the 2D slices and the matching 3D camera. Pure: no DOM but localStorage access
// through the caller. NIfTI world coordinates are RAS+: +x = patient Right, +y = Anterior, +z = Superior.

export type Convention = 'radiological' | 'neurological';

/** The user's choice is remembered in the browser (localStorage). */
export const CONVENTION_KEY = 'vista3d.viewer.convention';

/** Radiological (screen left = patient right) unless neurological was chosen. */
export function parseConvention(saved: string | null): Convention {
  return saved === 'neurological' ? 'neurological' : 'radiological';
}

/**
 * The 3D camera that agrees with the 2D slices: radiological looks at the patient from the front
 * (patient right on screen left, like the coronal slice), neurological from behind.
 */
export function renderCamera(c: Convention): { azimuth: number; elevation: number } {
  return c === 'radiological' ? { azimuth: 180, elevation: 15 } : { azimuth: 0, elevation: 15 };
}

/** "R 12.3" / "L 4.0" style readout of one RAS world coordinate (axis 0 = x, 1 = y, 2 = z). */
export function patientSide(axis: 0 | 1 | 2, mm: number): string {
  const [pos, neg] = (['RL', 'AP', 'SI'] as const)[axis];
  return `${mm >= 0 ? pos : neg} ${Math.abs(mm).toFixed(1)}`;
}
