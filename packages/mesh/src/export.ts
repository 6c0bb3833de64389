import { join } from 'node:path';
import { labelFileStem, type Rgb } from '@vista3d/labels';
import { readNifti, writeFileAtomic } from '@vista3d/volume';
import { extractMeshes } from './extract.js';
import { signedVolume, surfaceArea } from './metrics.js';
import type { ExtractMeshesOptions } from './types.js';
import { toGlb } from './writers/glb.js';
import { toMtl, toObj } from './writers/obj.js';
import { toPly } from './writers/ply.js';
import { toStlBinary } from './writers/stl.js';

export type MeshFormat = 'glb' | 'obj' | 'stl' | 'ply';
export const MESH_FORMATS: readonly MeshFormat[] = ['glb', 'obj', 'stl', 'ply'];

export interface ExportOptions extends Omit<ExtractMeshesOptions, 'normals'> {
  /** Default ['glb', 'obj', 'stl', 'ply']. */
  formats?: MeshFormat[];
  /** Largest label volume to read, in voxels (passed to readNifti). */
  maxVoxels?: number;
}

export interface ExportedFile {
  /** Absent for the combined files (all.glb, all.obj, all.mtl). */
  labelId?: number;
  format: MeshFormat | 'mtl' | 'json';
  path: string;
  triangles: number;
}

export interface ManifestLabel {
  id: number;
  name: string;
  color: Rgb;
  triangles: number;
  vertices: number;
  /** Enclosed mesh volume in millilitres. */
  volumeMl: number;
  areaMm2: number;
  /** Per-label file names (relative to the manifest) by format. */
  files: Partial<Record<MeshFormat, string>>;
}

export interface MeshManifest {
  version: 1;
  source: string;
  coordinates: string;
  glb?: string;
  obj?: string;
  options: { blurSigma?: number; smoothing?: { iterations: number; passBand?: number }; targetTriangles?: number };
  labels: ManifestLabel[];
}

/**
 * Reads a label NIfTI and writes, atomically, into `outDir`: `all.glb` (whole segmentation, coloured),
 * `all.obj` + `all.mtl`, per label `<stem>.stl|.ply|.obj` (world RAS mm, what the viewer overlays on
 * the CT) and `meshes.json` (colours, triangle counts, volume, area, files).
 */
export async function exportMeshes(labelPath: string, outDir: string, options: ExportOptions = {}): Promise<{ files: ExportedFile[]; manifest: MeshManifest }> {
  const formats = new Set<MeshFormat>(options.formats ?? MESH_FORMATS);
  for (const f of formats) if (!MESH_FORMATS.includes(f)) throw new RangeError(`unknown mesh format: ${String(f)}`);
  const volume = await readNifti(labelPath, options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {});
  const { formats: _f, maxVoxels: _m, ...extract } = options;
  const meshes = await extractMeshes(volume, extract);
  const files: ExportedFile[] = [];
  const write = async (name: string, bytes: Uint8Array, format: ExportedFile['format'], triangles: number, labelId?: number): Promise<void> => {
    options.signal?.throwIfAborted();
    const path = join(outDir, name);
    await writeFileAtomic(path, bytes);
    files.push(labelId === undefined ? { format, path, triangles } : { labelId, format, path, triangles });
  };
  const total = meshes.reduce((s, m) => s + m.indices.length / 3, 0);
  const labels: ManifestLabel[] = [];
  for (const m of meshes) {
    const stem = labelFileStem(m.name);
    const triangles = m.indices.length / 3;
    const entry: ManifestLabel = {
      id: m.labelId,
      name: m.name,
      color: m.color,
      triangles,
      vertices: m.positions.length / 3,
      volumeMl: round(signedVolume(m) / 1000, 3),
      areaMm2: round(surfaceArea(m), 1),
      files: {},
    };
    for (const format of ['stl', 'ply', 'obj'] as const) {
      if (!formats.has(format)) continue;
      const bytes = format === 'stl' ? toStlBinary(m, `vista3d ${m.name} (RAS mm)`) : format === 'ply' ? toPly(m) : toObj(m);
      await write(`${stem}.${format}`, bytes, format, triangles, m.labelId);
      entry.files[format] = `${stem}.${format}`;
    }
    labels.push(entry);
  }
  const manifest: MeshManifest = {
    version: 1,
    source: labelPath,
    coordinates: 'per-label STL/PLY/OBJ and all.obj: world RAS+ millimetres (NIfTI affine applied); all.glb: metres, glTF X = -R, Y = S, Z = A',
    options: pick(options),
    labels,
  };
  if (formats.has('glb') && meshes.length > 0) {
    await write('all.glb', await toGlb(meshes), 'glb', total);
    manifest.glb = 'all.glb';
  }
  if (formats.has('obj') && meshes.length > 0) {
    await write('all.mtl', toMtl(meshes), 'mtl', 0);
    await write('all.obj', toObj(meshes, { mtlFile: 'all.mtl' }), 'obj', total);
    manifest.obj = 'all.obj';
  }
  await write('meshes.json', new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'), 'json', total);
  return { files, manifest };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pick(o: ExportOptions): MeshManifest['options'] {
  const out: MeshManifest['options'] = {};
  if (o.blurSigma !== undefined) out.blurSigma = o.blurSigma;
  if (o.smoothing !== undefined) out.smoothing = o.smoothing;
  if (o.targetTriangles !== undefined) out.targetTriangles = o.targetTriangles;
  return out;
}
