import { labelFileStem } from '@vista3d/labels';
import type { LabelMesh } from '../types.js';
import { num } from './format.js';
import { concat, TextChunker } from './sink.js';

export interface ObjOptions {
  /** Add `mtllib <name>` and `usemtl` lines referring to the companion file from `toMtl`. */
  mtlFile?: string;
}

/** Rough size of one label's OBJ text (coordinates with up to 4 decimals), for budgets. */
export function objBytesEstimate(vertices: number, triangles: number, normals: boolean): number {
  return vertices * (normals ? 56 : 28) + triangles * (normals ? 52 : 26) + 200;
}

export function objHeader(options: ObjOptions = {}): string {
  return '# vista3d surface meshes: world RAS+ coordinates in millimetres\n' + (options.mtlFile !== undefined ? `mtllib ${options.mtlFile}\n` : '');
}

/**
 * One label's OBJ group in chunks: an `o`/`g` group named by the label's file stem, a
 * `# color r g b` comment (0–255, the VISTA3D palette), `v`, `vn` (when normals exist) and `f` lines
 * (indices offset by `base`, 1-based; counter-clockwise = outward).
 */
export function* objGroupChunks(m: LabelMesh, base: number, options: ObjOptions = {}): Generator<Uint8Array> {
  const text = new TextChunker();
  const stem = labelFileStem(m.name);
  let c = text.add(`o ${stem}\ng ${stem}\n# label ${m.labelId} ${m.name}\n# color ${m.color[0]} ${m.color[1]} ${m.color[2]}\n${options.mtlFile !== undefined ? `usemtl ${stem}\n` : ''}`);
  if (c) yield c;
  const p = m.positions;
  for (let i = 0; i < p.length; i += 3) {
    c = text.add(`v ${num(p[i])} ${num(p[i + 1])} ${num(p[i + 2])}\n`);
    if (c) yield c;
  }
  const n = m.normals;
  if (n) {
    for (let i = 0; i < n.length; i += 3) {
      c = text.add(`vn ${num(n[i])} ${num(n[i + 1])} ${num(n[i + 2])}\n`);
      if (c) yield c;
    }
  }
  const ix = m.indices;
  for (let t = 0; t < ix.length; t += 3) {
    const a = ix[t] + base, b = ix[t + 1] + base, d = ix[t + 2] + base;
    c = text.add(n ? `f ${a}//${a} ${b}//${b} ${d}//${d}\n` : `f ${a} ${b} ${d}\n`);
    if (c) yield c;
  }
  c = text.flush();
  if (c) yield c;
}

/** Wavefront OBJ (text) of one or more labels in world RAS mm (one group per label). */
export function toObj(meshes: LabelMesh | readonly LabelMesh[], options: ObjOptions = {}): Uint8Array {
  const list = Array.isArray(meshes) ? meshes : [meshes as LabelMesh];
  const chunks: Uint8Array[] = [new TextEncoder().encode(objHeader(options))];
  let base = 1;
  for (const m of list) {
    chunks.push(...objGroupChunks(m, base, options));
    base += m.positions.length / 3;
  }
  return concat(chunks);
}

/** Companion material library: one diffuse material per label (named by its file stem). */
export function toMtl(meshes: readonly Pick<LabelMesh, 'name' | 'color'>[]): Uint8Array {
  const out = ['# vista3d label colours (VISTA3D palette)\n'];
  for (const m of meshes) {
    const [r, g, b] = m.color.map((c) => (c / 255).toFixed(4));
    out.push(`newmtl ${labelFileStem(m.name)}\nKd ${r} ${g} ${b}\nKa 0 0 0\nd 1\nillum 1\n\n`);
  }
  return new TextEncoder().encode(out.join(''));
}
