import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { labelFileStem, type Rgb } from '@vista3d/labels';
import { readNifti } from '@vista3d/volume';
import { MESH_DEFAULTS, MESH_FORMATS, type MeshFormat } from './defaults.js';
import { estimateExport } from './estimate.js';
import { labelName, meshFromBox } from './extract.js';
import { labelBoxes } from './label-boxes.js';
import { signedVolume, surfaceArea } from './metrics.js';
import type { ExtractMeshesOptions, LabelMesh } from './types.js';
import { GlbBuilder } from './writers/glb.js';
import { objGroupChunks, objHeader, toMtl } from './writers/obj.js';
import { plyChunks } from './writers/ply.js';
import { FileSink } from './writers/sink.js';
import { stlChunks } from './writers/stl.js';

export type { MeshFormat } from './defaults.js';
export { MESH_FORMATS } from './defaults.js';

export interface ExportOptions extends Omit<ExtractMeshesOptions, 'normals' | 'onProgress'> {
  /** Default MESH_DEFAULTS.formats (GLB + STL). */
  formats?: MeshFormat[];
  /** Largest label volume to read, in voxels (passed to readNifti). */
  maxVoxels?: number;
  /**
   * Ceiling on the bytes one export writes (default MESH_DEFAULTS.maxBytes). Checked on an estimate
   * before anything is meshed, and again on the real sizes after each label.
   */
  maxBytes?: number;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  /** 'start': label `done + 1` is being meshed; 'label': label `done` is finished. */
  phase: 'start' | 'label';
  done: number;
  total: number;
  labelId: number;
  name: string;
  /** Triangles of the label just finished (0 when it produced no surface, or at 'start'). */
  triangles: number;
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

/** The export would exceed its byte budget (raised before writing, or as soon as real sizes show it). */
export class MeshBudgetError extends Error {
  readonly code = 'MESH_BUDGET_EXCEEDED';
  constructor(message: string) {
    super(message);
    this.name = 'MeshBudgetError';
  }
}

const mb = (n: number): string => `${(n / 1024 ** 2).toFixed(0)} MiB`;

/**
 * Reads a label NIfTI and writes into `outDir`: `all.glb` (whole segmentation, coloured), `all.obj` +
 * `all.mtl`, per label `<stem>.stl|.ply|.obj` (world RAS mm, what the viewer overlays on the CT) and
 * `meshes.json` (colours, triangle counts, volume, area, files) — the formats asked for.
 *
 * Memory stays bounded: labels are meshed one at a time on their bounding box, every file is streamed
 * in ~1 MiB chunks (the GLB's binary part through a temporary file), and only the small manifest and
 * GLB JSON are kept across labels. All files carry temporary names until the whole export succeeded,
 * then are renamed into place (manifest last); a failure, an abort or an exceeded budget leaves no
 * partial file behind.
 */
export async function exportMeshes(labelPath: string, outDir: string, options: ExportOptions = {}): Promise<{ files: ExportedFile[]; manifest: MeshManifest }> {
  const formats = new Set<MeshFormat>(options.formats ?? MESH_DEFAULTS.formats);
  for (const f of formats) if (!MESH_FORMATS.includes(f)) throw new RangeError(`unknown mesh format: ${String(f)}`);
  const budget = options.maxBytes ?? MESH_DEFAULTS.maxBytes;
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const volume = await readNifti(labelPath, options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {});
  let boxes = labelBoxes(volume);
  if (options.labels !== undefined) {
    const wanted = new Set(options.labels);
    boxes = boxes.filter((b) => wanted.has(b.labelId));
  }
  const estimate = estimateExport(volume, boxes, { formats, ...(options.targetTriangles !== undefined ? { targetTriangles: options.targetTriangles } : {}) });
  if (estimate.bytes > budget) {
    throw new MeshBudgetError(
      `the meshes of ${labelPath} would take about ${mb(estimate.bytes)} (${estimate.totalTriangles} triangles, ${[...formats].join('/')}), over the budget of ${mb(budget)}; ` +
        'decimate (target triangles per label), choose fewer formats or raise the budget',
    );
  }
  await mkdir(outDir, { recursive: true });
  const extract = {
    ...(options.blurSigma !== undefined ? { blurSigma: options.blurSigma } : {}),
    ...(options.smoothing !== undefined ? { smoothing: options.smoothing } : {}),
    ...(options.targetTriangles !== undefined && options.targetTriangles > 0 ? { targetTriangles: options.targetTriangles } : {}),
  };
  const sinks: FileSink[] = [];
  const files: ExportedFile[] = [];
  const open = async (name: string, format: ExportedFile['format'], triangles: number, labelId?: number): Promise<FileSink> => {
    const sink = await FileSink.create(join(outDir, name));
    sinks.push(sink);
    files.push(labelId === undefined ? { format, path: sink.path, triangles } : { labelId, format, path: sink.path, triangles });
    return sink;
  };
  let written = 0;
  const checkBudget = (): void => {
    if (written > budget) throw new MeshBudgetError(`the meshes of ${labelPath} passed the budget of ${mb(budget)} while writing; decimate, choose fewer formats or raise the budget`);
  };
  let glbBin: FileSink | null = null;
  try {
    const glb = formats.has('glb') ? ((glbBin = await FileSink.create(join(outDir, 'all.glb.bin'))), new GlbBuilder((c) => glbBin!.write(c))) : null;
    const allObj = formats.has('obj') && boxes.length > 0 ? await open('all.obj', 'obj', 0) : null;
    if (allObj) await allObj.write(new TextEncoder().encode(objHeader({ mtlFile: 'all.mtl' })));
    let objBase = 1;
    const labels: ManifestLabel[] = [];
    const colours: Pick<LabelMesh, 'name' | 'color'>[] = [];
    let total = 0;
    for (let i = 0; i < boxes.length; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      onProgress?.({ phase: 'start', done: i, total: boxes.length, labelId: boxes[i].labelId, name: labelName(boxes[i].labelId), triangles: 0 });
      const m = meshFromBox(volume, boxes[i], extract);
      const triangles = m.indices.length / 3;
      if (triangles > 0) {
        const stem = labelFileStem(m.name);
        const entry: ManifestLabel = {
          id: m.labelId, name: m.name, color: m.color, triangles, vertices: m.positions.length / 3,
          volumeMl: round(signedVolume(m) / 1000, 3), areaMm2: round(surfaceArea(m), 1), files: {},
        };
        for (const format of ['stl', 'ply', 'obj'] as const) {
          if (!formats.has(format)) continue;
          const sink = await open(`${stem}.${format}`, format, triangles, m.labelId);
          await sink.writeAll(format === 'stl' ? stlChunks(m, `vista3d ${m.name} (RAS mm)`) : format === 'ply' ? plyChunks(m) : objGroupChunks(m, 1), signal);
          await sink.close();
          written += sink.bytes;
          entry.files[format] = `${stem}.${format}`;
        }
        if (glb) {
          const before = glb.binBytes;
          await glb.add(m);
          written += glb.binBytes - before;
        }
        if (allObj) {
          const before = allObj.bytes;
          await allObj.writeAll(objGroupChunks(m, objBase, { mtlFile: 'all.mtl' }), signal);
          objBase += m.positions.length / 3;
          written += allObj.bytes - before;
        }
        checkBudget();
        labels.push(entry);
        colours.push(m);
        total += triangles;
      }
      onProgress?.({ phase: 'label', done: i + 1, total: boxes.length, labelId: boxes[i].labelId, name: m.name, triangles });
    }
    const manifest: MeshManifest = {
      version: 1,
      source: labelPath,
      coordinates: 'per-label STL/PLY/OBJ and all.obj: world RAS+ millimetres (NIfTI affine applied); all.glb: metres, glTF X = -R, Y = S, Z = A',
      options: pick(options),
      labels,
    };
    if (allObj) {
      await allObj.close();
      for (const f of files) if (f.path === allObj.path) f.triangles = total;
      const mtl = await open('all.mtl', 'mtl', 0);
      await mtl.write(toMtl(colours));
      await mtl.close();
      manifest.obj = 'all.obj';
    }
    if (glb && glbBin && labels.length > 0) {
      await glbBin.close();
      const out = await open('all.glb', 'glb', total);
      await out.write(glb.head());
      for await (const chunk of createReadStream(glbBin.tmp, { highWaterMark: 1 << 20 })) await out.write(chunk as Buffer);
      await out.close();
      manifest.glb = 'all.glb';
    }
    const json = await open('meshes.json', 'json', total);
    await json.write(new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
    await json.close();
    signal?.throwIfAborted();
    // commit: the manifest last, so a manifest always describes complete files
    for (const s of sinks) await s.commit();
    return { files, manifest };
  } catch (err) {
    for (const s of sinks) await s.discard();
    throw err;
  } finally {
    if (glbBin) await (glbBin as FileSink).discard();
  }
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
