import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSourceRecord } from '@vista3d/dicom';
import { saveSegmentation } from '@vista3d/store';
import type { LabelStat } from '@vista3d/store';
import { createVolumeLike, readNifti, writeFileAtomic } from '@vista3d/volume';
import type { AlgorithmInfo, SegmentationProvenance } from './common.js';
import { ExportError } from './common.js';
import { readSegOnGrid } from './import-seg.js';
import type { ImportedSeg } from './import-seg.js';
import { exportScan } from './scan-export.js';
import type { ExportFormat, ScanRef } from './scan-export.js';

export interface ExportedFile {
  file: string;
  contentType: string;
  fileName: string;
  bytes: number;
  summary: Record<string, unknown>;
}

/** exportScan written atomically to `outPath` (what a job child or the CLI runs); plain JSON result. */
export async function exportScanToFile(
  ref: ScanRef,
  format: ExportFormat,
  outPath: string,
  opts: { algorithm?: AlgorithmInfo; provenance?: SegmentationProvenance; labelIds?: number[] } = {},
): Promise<ExportedFile> {
  const out = await exportScan(ref, format, opts);
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of out.chunks) {
      bytes += c.length;
      yield c;
    }
  }
  await writeFileAtomic(outPath, counted());
  return { file: outPath, contentType: out.contentType, fileName: out.fileName, bytes, summary: JSON.parse(JSON.stringify(out.summary)) as Record<string, unknown> };
}

export interface ImportResult {
  segments: ImportedSeg['segments'];
  skipped: string[];
  labels: LabelStat[];
}

/**
 * Imports a DICOM SEG file as a new version of the scan's segmentation (`voxels/<scan>/` then holds it;
 * earlier versions stay under `versions/`). The SEG must share the scan's frame of reference (when the scan came from DICOM) and
 * lie on its voxel grid.
 */
export async function importSegFile(ref: ScanRef, segPath: string, opts: { createdBy?: string } = {}): Promise<ImportResult> {
  const niftiDir = join(ref.root, ref.patient, 'nifti');
  const ct = await readNifti(join(niftiDir, `${ref.scan}.nii.gz`)).catch(() => {
    throw new ExportError(`no scan ${ref.patient}/${ref.scan}`, 'BAD_INPUT');
  });
  const bytes = new Uint8Array(await readFile(segPath));
  const seg = readSegOnGrid(bytes, ct);
  const source = await readSourceRecord(join(niftiDir, `${ref.scan}.json`)).catch(() => null);
  if (source && seg.frameOfReferenceUid && seg.frameOfReferenceUid !== source.frameOfReferenceUid) {
    throw new ExportError(`the SEG's frame of reference ${seg.frameOfReferenceUid} is not this scan's (${source.frameOfReferenceUid}): it belongs to another scan`, 'GRID');
  }
  if (!seg.segments.some((s) => s.labelId !== null && s.voxels > 0)) {
    throw new ExportError(`no segment of the SEG maps to a VISTA3D class with voxels on this scan (segments: ${seg.segments.map((s) => s.label).join(', ')})`, 'EMPTY');
  }
  const vol = createVolumeLike(ct, 'uint8');
  vol.data.set(seg.data);
  // An imported SEG becomes a new version of the scan's segmentation; its own creator and algorithm are named.
  const labels = await saveSegmentation(ref.root, ref.patient, ref.scan, vol, {
    provenance: { source: 'dicom-seg-import', createdBy: opts.createdBy ?? 'anonymous', comment: `DICOM SEG: ${seg.segments.length} segment(s)` },
  });
  return { segments: seg.segments, skipped: seg.skipped, labels };
}
