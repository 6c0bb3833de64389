import type { Volume, VoxelArray } from '@vista3d/volume';

/** The CT's rescale (HU = raw·slope + inter), with a missing or zero slope read as 1 and a missing intercept as 0. */
export function huScale(ct: Pick<Volume, 'scl'>): { slope: number; inter: number } {
  const slope = ct.scl.slope === 0 || !Number.isFinite(ct.scl.slope) ? 1 : ct.scl.slope;
  return { slope, inter: Number.isFinite(ct.scl.inter) ? ct.scl.inter : 0 };
}

/**
 * Raw-value bounds equivalent to a Hounsfield window, so thresholds run on the stored typed array
 * (HU = raw·slope + inter) without a Float32 copy of the CT.
 */
export function rawRange(ct: Pick<Volume, 'scl'>, loHu: number, hiHu: number): { lo: number; hi: number } {
  const { slope, inter } = huScale(ct);
  const a = (loHu - inter) / slope;
  const b = (hiHu - inter) / slope;
  return slope > 0 ? { lo: a, hi: b } : { lo: b, hi: a };
}

/** HU of one raw value. */
export function toHu(ct: Pick<Volume, 'scl'>, raw: number): number {
  const { slope, inter } = huScale(ct);
  return raw * slope + inter;
}

/**
 * out[i] = 1 where lo ≤ data[i] ≤ hi (and within[i] ≠ 0 when given), else 0.
 * `out` may be the same array as `within` (in-place restriction).
 */
export function thresholdInto(data: VoxelArray, lo: number, hi: number, out: Uint8Array, within?: Uint8Array): Uint8Array {
  const n = out.length;
  if (within) {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      out[i] = within[i] !== 0 && v >= lo && v <= hi ? 1 : 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      out[i] = v >= lo && v <= hi ? 1 : 0;
    }
  }
  return out;
}
