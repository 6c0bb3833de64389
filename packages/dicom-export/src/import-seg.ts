import dcmjs from 'dcmjs';
import { TERMINOLOGY, labelByName } from '@vista3d/labels';
import { invertAffine } from '@vista3d/volume';
import type { Mat4, Vec3 } from '@vista3d/volume';
import { ExportError } from './common.js';
import { SEGMENTATION_STORAGE } from './seg.js';

interface Code { CodeValue?: string; CodingSchemeDesignator?: string }
interface SegmentItem {
  SegmentNumber: number;
  SegmentLabel?: string;
  TrackingID?: string;
  SegmentedPropertyTypeCodeSequence?: (Code & { SegmentedPropertyTypeModifierCodeSequence?: Code | Code[] }) | Array<Code & { SegmentedPropertyTypeModifierCodeSequence?: Code | Code[] }>;
  AnatomicRegionSequence?: Code | Code[];
}

export interface ImportedSeg {
  /** Label map on the target grid (VISTA3D ids). */
  data: Uint8Array;
  segments: Array<{ number: number; label: string; labelId: number | null; voxels: number }>;
  /** Segments with no VISTA3D class (not imported). */
  skipped: string[];
  frameOfReferenceUid: string;
  referencedSeriesUid: string | null;
  seriesInstanceUid: string;
}

const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Which VISTA3D class a segment is: our Tracking ID, else its coded type (+ laterality, region), else its label. */
function classOf(s: SegmentItem): number | null {
  const m = /^VISTA3D (\d+)$/.exec(String(s.TrackingID ?? ''));
  if (m) return Number(m[1]);
  const type = arr(s.SegmentedPropertyTypeCodeSequence)[0];
  if (type?.CodeValue) {
    const mod = arr(type.SegmentedPropertyTypeModifierCodeSequence)[0]?.CodeValue;
    const region = arr(s.AnatomicRegionSequence)[0]?.CodeValue;
    const hit = TERMINOLOGY.find(
      (t) => t.type.value === type.CodeValue && t.type.scheme === type.CodingSchemeDesignator && t.typeModifier?.value === mod && (!t.region || t.region.value === region),
    );
    if (hit) return hit.id;
  }
  return s.SegmentLabel ? labelByName(s.SegmentLabel)?.id ?? null : null;
}

/**
 * Reads a DICOM SEG (BINARY or FRACTIONAL, thresholded at ½) onto a scan's voxel grid: every frame is
 * placed through its own ImagePositionPatient and the shared orientation/spacing, so the SEG's pixel
 * order and frame order do not matter; a SEG on another grid (pixels off the voxel centres) is refused.
 */
export function readSegOnGrid(bytes: Uint8Array, grid: { dims: Vec3; affine: Mat4 }): ImportedSeg {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  let ds: Record<string, unknown>;
  try {
    ds = DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict);
  } catch (e) {
    throw new ExportError(`not a readable DICOM file: ${(e as Error).message}`, 'BAD_INPUT');
  }
  if (ds.SOPClassUID !== SEGMENTATION_STORAGE) throw new ExportError(`not a DICOM SEG (SOP class ${String(ds.SOPClassUID)})`, 'BAD_INPUT');
  const rows = Number(ds.Rows);
  const cols = Number(ds.Columns);
  const frames = Number(ds.NumberOfFrames);
  const bitsAllocated = Number(ds.BitsAllocated);
  const fractional = ds.SegmentationType === 'FRACTIONAL';
  const maxFrac = Number(ds.MaximumFractionalValue ?? 255);
  const px = arr(ds.PixelData as ArrayBuffer | ArrayBuffer[]);
  if (px.length !== 1) throw new ExportError('compressed or fragmented SEG pixel data is not supported', 'BAD_INPUT');
  const pixels = new Uint8Array(px[0]!);
  const frameBits = rows * cols * (bitsAllocated === 1 ? 1 : 8);
  if (pixels.length * 8 < frames * frameBits) throw new ExportError('SEG pixel data shorter than its frames', 'BAD_INPUT');
  const shared = (arr(ds.SharedFunctionalGroupsSequence as Record<string, unknown> | undefined)[0] ?? {}) as Record<string, unknown>;
  const segs = arr(ds.SegmentSequence as SegmentItem | SegmentItem[]);
  const labelOf = new Map<number, number | null>(segs.map((s) => [Number(s.SegmentNumber), classOf(s)]));
  const inv = invertAffine(grid.affine);
  const [nx, ny, nz] = grid.dims;
  const out = new Uint8Array(nx * ny * nz);
  const counts = new Map<number, number>();
  const perFrame = arr(ds.PerFrameFunctionalGroupsSequence as Array<Record<string, unknown>>);
  if (perFrame.length !== frames) throw new ExportError(`SEG has ${frames} frames but ${perFrame.length} per-frame groups`, 'BAD_INPUT');
  const group = <T>(item: Record<string, unknown>, key: string): T | undefined => (arr(item[key] as T | T[])[0] ?? arr(shared[key] as T | T[])[0]);
  for (let f = 0; f < frames; f++) {
    const item = perFrame[f]!;
    const pos = group<{ ImagePositionPatient: number[] }>(item, 'PlanePositionSequence')?.ImagePositionPatient;
    const iop = group<{ ImageOrientationPatient: number[] }>(item, 'PlaneOrientationSequence')?.ImageOrientationPatient;
    const ps = group<{ PixelSpacing: number[] }>(item, 'PixelMeasuresSequence')?.PixelSpacing;
    const segNo = Number(group<{ ReferencedSegmentNumber: number }>(item, 'SegmentIdentificationSequence')?.ReferencedSegmentNumber);
    if (!pos || !iop || !ps) throw new ExportError(`SEG frame ${f + 1} lacks its plane position/orientation/spacing`, 'BAD_INPUT');
    const label = labelOf.get(segNo);
    if (!label) continue;
    const toVoxel = (r: number, c: number): number[] => {
      const p = [0, 1, 2].map((a) => Number(pos[a]) + c * Number(ps[1]) * Number(iop[a]) + r * Number(ps[0]) * Number(iop[3 + a]));
      const ras = [-p[0]!, -p[1]!, p[2]!];
      return [0, 1, 2].map((a) => inv[a]![0] * ras[0]! + inv[a]![1] * ras[1]! + inv[a]![2] * ras[2]! + inv[a]![3]);
    };
    const o = toVoxel(0, 0);
    const dc = toVoxel(0, 1).map((v, a) => v - o[a]!);
    const dr = toVoxel(1, 0).map((v, a) => v - o[a]!);
    const far = toVoxel(rows - 1, cols - 1);
    for (const v of [...o, ...far, ...dc, ...dr]) {
      if (Math.abs(v - Math.round(v)) > 1e-2) throw new ExportError('the SEG is not on this scan\'s voxel grid (resampling a SEG is not supported)', 'GRID');
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const n = (f * rows + r) * cols + c;
        const on = bitsAllocated === 1 ? (pixels[n >> 3]! >> (n & 7)) & 1 : fractional ? pixels[n]! * 2 > maxFrac : pixels[n]! > 0;
        if (!on) continue;
        const i = Math.round(o[0]! + c * dc[0]! + r * dr[0]!);
        const j = Math.round(o[1]! + c * dc[1]! + r * dr[1]!);
        const k = Math.round(o[2]! + c * dc[2]! + r * dr[2]!);
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) continue;
        out[i + nx * (j + ny * k)] = label;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
    }
  }
  const refSeries = arr(ds.ReferencedSeriesSequence as { SeriesInstanceUID?: string } | undefined)[0]?.SeriesInstanceUID ?? null;
  return {
    data: out,
    segments: segs.map((s) => ({ number: Number(s.SegmentNumber), label: String(s.SegmentLabel ?? ''), labelId: labelOf.get(Number(s.SegmentNumber)) ?? null, voxels: counts.get(labelOf.get(Number(s.SegmentNumber)) ?? -1) ?? 0 })),
    skipped: segs.filter((s) => labelOf.get(Number(s.SegmentNumber)) === null).map((s) => String(s.SegmentLabel ?? s.SegmentNumber)),
    frameOfReferenceUid: String(ds.FrameOfReferenceUID ?? ''),
    referencedSeriesUid: refSeries,
    seriesInstanceUid: String(ds.SeriesInstanceUID ?? ''),
  };
}
