/**
 * Whole-grid byte buffers lent for one synchronous step of the click path. A fresh buffer for a
 * 512×512×300 CT is 79 MB whose pages fault on first touch, and a later click used to take three of
 * them (the previous result, the engine's region, the gut's later regions): clearing those cost more
 * than the region growing. A returned buffer is handed out again with its pages already mapped.
 * Contents are whatever the last borrower left: a borrower clears what it reads. Never hold one across
 * an await — another request on the same thread would be lent it.
 */
const free: Uint8Array[] = [];
/**
 * Buffers kept: what a later click borrows at once when the clicks before it are cached (the engine's region,
 * the previous result, the gut's later region). A cold chain of k clicks borrows one more per click; those
 * extra buffers are allocated fresh and the oldest dropped.
 */
const KEEP = 3;

export function borrowGrid(n: number): Uint8Array {
  const i = free.findIndex((b) => b.length === n);
  return i >= 0 ? free.splice(i, 1)[0] : new Uint8Array(n);
}

export function returnGrid(b: Uint8Array): void {
  free.push(b);
  if (free.length > KEEP) free.shift();
}

/** Runs fn with a borrowed buffer of n bytes (uncleared) and returns it to the pool afterwards. */
export function withGrid<T>(n: number, fn: (grid: Uint8Array) => T): T {
  const g = borrowGrid(n);
  try {
    return fn(g);
  } finally {
    returnGrid(g);
  }
}
