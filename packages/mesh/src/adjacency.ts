/** Vertex → neighbouring vertices in compressed rows (each undirected edge listed at both ends once per triangle side). */
export interface Adjacency {
  offsets: Uint32Array;
  neighbours: Uint32Array;
}

export function vertexAdjacency(vertexCount: number, indices: Uint32Array): Adjacency {
  // For a closed manifold every edge is seen twice (once per triangle); keep unique neighbours only.
  const degree = new Uint32Array(vertexCount + 1);
  for (let t = 0; t < indices.length; t += 3) {
    for (let e = 0; e < 3; e++) degree[indices[t + e]] += 2;
  }
  const offsets = new Uint32Array(vertexCount + 1);
  for (let v = 0; v < vertexCount; v++) offsets[v + 1] = offsets[v] + degree[v];
  const fill = offsets.slice(0, vertexCount);
  const raw = new Uint32Array(offsets[vertexCount]);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t], b = indices[t + 1], c = indices[t + 2];
    raw[fill[a]++] = b; raw[fill[a]++] = c;
    raw[fill[b]++] = c; raw[fill[b]++] = a;
    raw[fill[c]++] = a; raw[fill[c]++] = b;
  }
  // de-duplicate each row
  const outOffsets = new Uint32Array(vertexCount + 1);
  const out = new Uint32Array(raw.length);
  let w = 0;
  for (let v = 0; v < vertexCount; v++) {
    outOffsets[v] = w;
    const row = raw.subarray(offsets[v], offsets[v + 1]).sort();
    for (let i = 0; i < row.length; i++) if (i === 0 || row[i] !== row[i - 1]) out[w++] = row[i];
  }
  outOffsets[vertexCount] = w;
  return { offsets: outOffsets, neighbours: out.slice(0, w) };
}
