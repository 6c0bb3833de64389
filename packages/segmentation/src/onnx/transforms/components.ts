/**
 * 26-connected component labelling of a mask stored C order (`shape[2]` fastest), numbered like
 * skimage.measure.label(connectivity=3): components in order of their first voxel in memory order,
 * labels 1..count, 0 = background.
 */
export function labelComponents(mask: Uint8Array, shape: readonly [number, number, number]): { labels: Int32Array; count: number } {
  const [n0, n1, n2] = shape;
  const s0 = n1 * n2;
  const labels = new Int32Array(mask.length);
  const stack = new Int32Array(mask.length);
  let count = 0;
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || labels[seed]) continue;
    count++;
    labels[seed] = count;
    let top = 0;
    stack[top++] = seed;
    while (top > 0) {
      const v = stack[--top];
      const a = Math.floor(v / s0);
      const b = Math.floor((v - a * s0) / n2);
      const c = v - a * s0 - b * n2;
      for (let da = -1; da <= 1; da++) {
        const aa = a + da;
        if (aa < 0 || aa >= n0) continue;
        for (let db = -1; db <= 1; db++) {
          const bb = b + db;
          if (bb < 0 || bb >= n1) continue;
          const row = aa * s0 + bb * n2;
          for (let dc = -1; dc <= 1; dc++) {
            const cc = c + dc;
            if (cc < 0 || cc >= n2) continue;
            const u = row + cc;
            if (mask[u] && !labels[u]) {
              labels[u] = count;
              stack[top++] = u;
            }
          }
        }
      }
    }
  }
  return { labels, count };
}
