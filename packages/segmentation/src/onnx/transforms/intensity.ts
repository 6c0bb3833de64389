// Intensity stages, in place on float32 voxels, with float32 rounding where MONAI computes in float32.
const f = Math.fround;

/** MONAI `ScaleIntensityRange(a_min, a_max, b_min, b_max, clip)`. */
export function scaleIntensityRange(data: Float32Array, aMin: number, aMax: number, bMin: number, bMax: number, clip: boolean): void {
  const a = f(aMin);
  const d = f(aMax - aMin);
  const s = f(bMax - bMin);
  const b = f(bMin);
  const lo = Math.min(bMin, bMax);
  const hi = Math.max(bMin, bMax);
  for (let i = 0; i < data.length; i++) {
    let v = f(f(f(data[i] - a) / d) * s) + b;
    if (clip) v = v < lo ? lo : v > hi ? hi : v;
    data[i] = v;
  }
}

/** Clip to [lo, hi] (MONAI's two `ThresholdIntensity` steps, nnU-Net's percentile clip). */
export function clipIntensity(data: Float32Array, lo: number, hi: number): void {
  const l = f(lo);
  const h = f(hi);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    data[i] = v < l ? l : v > h ? h : v;
  }
}

/**
 * MONAI `NormalizeIntensity(subtrahend, divisor)`: (x − mean) / std. Without mean/std the image's own
 * (population std, as MONAI; a zero std counts as 1).
 */
export function normalizeIntensity(data: Float32Array, mean?: number, std?: number): void {
  let m = mean;
  let s = std;
  if (m === undefined || s === undefined) {
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i];
    const mu = sum / data.length;
    let sq = 0;
    for (let i = 0; i < data.length; i++) sq += (data[i] - mu) ** 2;
    m ??= mu;
    s ??= Math.sqrt(sq / data.length) || 1;
  }
  const mf = f(m);
  const sf = f(s);
  for (let i = 0; i < data.length; i++) data[i] = f(data[i] - mf) / sf;
}

/** k-th smallest value (0-based) of a float32 array, on a copy (quickselect). */
function select(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i]; values[i] = values[j]; values[j] = t;
        i++; j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/** numpy's percentile (linear interpolation) of the image. */
export function percentile(data: Float32Array, q: number): number {
  const copy = Float32Array.from(data);
  const pos = (q / 100) * (copy.length - 1);
  const k = Math.floor(pos);
  const a = select(copy, k);
  if (pos === k || k + 1 >= copy.length) return a;
  const b = select(copy, k + 1);
  return a + (b - a) * (pos - k);
}

/** MONAI `ScaleIntensityRangePercentiles(lower, upper, b_min, b_max, clip)`: the window from this image's percentiles. */
export function percentileWindow(data: Float32Array, lower: number, upper: number, bMin: number, bMax: number, clip: boolean): void {
  const aMin = percentile(data, lower);
  const aMax = percentile(data, upper);
  if (aMax === aMin) {
    data.fill(bMin);
    return;
  }
  scaleIntensityRange(data, aMin, aMax, bMin, bMax, clip);
}
