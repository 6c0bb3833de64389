import { labelFileStem } from '@vista3d/labels';
import type { LabelMesh } from '../types.js';
import { num } from './format.js';

export interface ObjOptions {
  /** Add `mtllib <name>` and `usemtl` lines referring to the companion file from `toMtl`. */
  mtlFile?: string;
}

/**
 * Wavefront OBJ (text) of one or more labels in world RAS mm: per label an `o`/`g` group named by the
 * label's file stem, a `# color r g b` comment (0–255, the VISTA3D palette), `v`, `vn` (when normals
 * exist) and `f` lines (1-based indices, counter-clockwise = outward).
 */
export function toObj(meshes: LabelMesh | readonly LabelMesh[], options: ObjOptions = {}): Uint8Array {
  const list = Array.isArray(meshes) ? meshes : [meshes as LabelMesh];
  const out: string[] = ['# vista3d surface meshes: world RAS+ coordinates in millimetres\n'];
  if (options.mtlFile !== undefined) out.push(`mtllib ${options.mtlFile}\n`);
  let base = 1;
  for (const m of list) {
    const stem = labelFileStem(m.name);
    const lines: string[] = [
      `o ${stem}\n`, `g ${stem}\n`,
      `# label ${m.labelId} ${m.name}\n`,
      `# color ${m.color[0]} ${m.color[1]} ${m.color[2]}\n`,
    ];
    if (options.mtlFile !== undefined) lines.push(`usemtl ${stem}\n`);
    const p = m.positions;
    for (let i = 0; i < p.length; i += 3) lines.push(`v ${num(p[i])} ${num(p[i + 1])} ${num(p[i + 2])}\n`);
    const n = m.normals;
    if (n) for (let i = 0; i < n.length; i += 3) lines.push(`vn ${num(n[i])} ${num(n[i + 1])} ${num(n[i + 2])}\n`);
    const ix = m.indices;
    for (let t = 0; t < ix.length; t += 3) {
      const a = ix[t] + base, b = ix[t + 1] + base, c = ix[t + 2] + base;
      lines.push(n ? `f ${a}//${a} ${b}//${b} ${c}//${c}\n` : `f ${a} ${b} ${c}\n`);
    }
    out.push(lines.join(''));
    base += p.length / 3;
  }
  return new TextEncoder().encode(out.join(''));
}

/** Companion material library: one diffuse material per label (named by its file stem). */
export function toMtl(meshes: readonly LabelMesh[]): Uint8Array {
  const out = ['# vista3d label colours (VISTA3D palette)\n'];
  for (const m of meshes) {
    const [r, g, b] = m.color.map((c) => (c / 255).toFixed(4));
    out.push(`newmtl ${labelFileStem(m.name)}\nKd ${r} ${g} ${b}\nKa 0 0 0\nd 1\nillum 1\n\n`);
  }
  return new TextEncoder().encode(out.join(''));
}
