import { labelById, labelColor, labelTerminology } from '@vista3d/labels';
import type { DerivedSeriesOptions } from './common.js';
import { ExportError, MANUFACTURER, SOFTWARE_VERSION, fit, sourceModules } from './common.js';
import { ContourScratch, sliceBoxes, sliceContours } from './contours.js';
import { frameGrid, frameReferences, rasToLps } from './geometry.js';
import { ByteSink, codeElements, ds, encodeElements } from './encode.js';
import type { Item } from './encode.js';
import { concat, dicomDateTime, encodePart10, newUid } from './part10.js';

export const RT_STRUCTURE_SET_STORAGE = '1.2.840.10008.5.1.4.1.1.481.3';
/** Referenced SOP Class of a study in RT Referenced Study Sequence (PS3.3 C.8.8.5, as RT systems expect). */
const STUDY_COMPONENT_SOP = '1.2.840.10008.3.1.2.3.1';

export type RtStructOptions = DerivedSeriesOptions;

export interface RtStructResult {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  rois: Array<{ number: number; labelId: number; name: string; contours: number; points: number }>;
  /** 'same': every contour lies on an acquired slice plane (and references it). */
  frameReference: 'same' | 'resampled';
  bytes: Uint8Array;
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000 + 0;

/**
 * Contour Data as one DS string. Explicit VR gives DS a 16-bit length: a very long contour is written
 * with fewer decimals (0.01 / 0.1 mm) to fit; one that still does not fit is refused clearly.
 */
function contourData(xyz: number[], labelId: number, k: number): string {
  for (const d of [3, 2, 1]) {
    const s = xyz.map((v) => (d === 3 ? ds(v) : String(Number(v.toFixed(d))))).join('\\');
    if (s.length <= 65534) return s;
  }
  throw new ExportError(`label ${labelId}, slice ${k}: a contour of ${xyz.length / 3} points is too long for one DICOM contour`, 'BAD_INPUT');
}

/**
 * RT Structure Set: per label (ROI) and slice, closed planar contours of the label's pixels
 * (marching squares, holes as nested contours, even–odd), in patient coordinates on the slice planes;
 * ROI names, RT ROI Identification Codes from the terminology table, colours from the VISTA3D palette.
 */
export function writeRtStruct(opts: RtStructOptions): RtStructResult {
  const { labels, source, algorithm } = opts;
  const [nx, ny, nz] = labels.dims;
  const grid = frameGrid(labels.dims, labels.affine, source.imageOrientationPatient);
  const refs = frameReferences(grid, source);
  const lps = rasToLps(labels.affine);
  const boxes = sliceBoxes(labels.data, nx, ny, nz);
  const ids = (opts.labelIds ?? [...boxes.keys()]).filter((l) => boxes.has(l)).sort((a, b) => a - b);
  if (ids.length === 0) throw new ExportError('the segmentation is empty (no labelled voxel to export)', 'EMPTY');
  for (const l of ids) if (!labelById(l) || !labelTerminology(l)) throw new ExportError(`label ${l} is not a VISTA3D class (no coded terminology)`, 'UNKNOWN_LABEL');
  const scratch = new ContourScratch(nx, ny);
  const now = dicomDateTime(opts.now ?? new Date());
  const sopInstanceUid = opts.sopInstanceUid ?? newUid();
  const seriesInstanceUid = opts.seriesInstanceUid ?? newUid();
  const rois: RtStructResult['rois'] = [];
  const roiContours: Item[] = [];
  ids.forEach((labelId, r) => {
    const box = boxes.get(labelId)!;
    const contours: Item[] = [];
    let points = 0;
    for (let k = 0; k < nz; k++) {
      if (box[4 * k]! < 0) continue;
      const found = sliceContours(
        { data: labels.data, nx, ny, base: k * nx * ny, label: labelId, box: { i0: box[4 * k]!, i1: box[4 * k + 1]!, j0: box[4 * k + 2]!, j1: box[4 * k + 3]! } },
        scratch,
      );
      const ref = refs[k]!;
      const onSlice = ref.kind === 'same' || ref.kind === 'same-plane';
      for (const c of found) {
        const n = c.length / 2;
        const xyz = new Array<number>(3 * n);
        for (let v = 0; v < n; v++) {
          const i = c[2 * v]!;
          const j = c[2 * v + 1]!;
          for (let a = 0; a < 3; a++) xyz[3 * v + a] = r3(lps[a]![0] * i + lps[a]![1] * j + lps[a]![2] * k + lps[a]![3]);
        }
        points += n;
        const item: Item = [];
        if (onSlice) item.push([0x30060016, 'SQ', [[[0x00081150, 'UI', source.sopClassUid], [0x00081155, 'UI', ref.slices[0]!.sopInstanceUid]]]]);
        item.push([0x30060042, 'CS', 'CLOSED_PLANAR'], [0x30060046, 'IS', String(n)], [0x30060048, 'IS', String(contours.length + 1)], [0x30060050, 'DS', contourData(xyz, labelId, k)]);
        contours.push(item);
      }
    }
    rois.push({ number: r + 1, labelId, name: labelById(labelId)!.name, contours: contours.length, points });
    roiContours.push([
      [0x3006002a, 'IS', labelColor(labelId).map(String)],
      [0x30060040, 'SQ', contours],
      [0x30060084, 'IS', String(r + 1)],
    ]);
  });
  const version = opts.provenance?.version ? ` (segmentation ${opts.provenance.version})` : '';
  const dataset: Record<string, unknown> = {
    ...sourceModules(source),
    SpecificCharacterSet: 'ISO_IR 192',
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    Modality: 'RTSTRUCT',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: opts.seriesNumber ?? 9002,
    SeriesDescription: fit(opts.seriesDescription ?? `VISTA3D structures${version}`, 64),
    SeriesDate: now.date,
    SeriesTime: now.time,
    OperatorsName: '',
    FrameOfReferenceUID: source.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: fit(algorithm.engine, 64),
    SoftwareVersions: SOFTWARE_VERSION,
    InstanceNumber: 1,
    StructureSetLabel: 'VISTA3D',
    StructureSetName: fit(`${algorithm.engine} ${algorithm.version}`, 64),
    StructureSetDescription: opts.provenance?.description ?? `Contours of a ${algorithm.type.toLowerCase()} VISTA3D segmentation (${algorithm.engine}${algorithm.model ? ` ${algorithm.model}` : ''} ${algorithm.version}); holes are nested contours (even-odd)`,
    StructureSetDate: now.date,
    StructureSetTime: now.time,
    ReferencedFrameOfReferenceSequence: [
      {
        FrameOfReferenceUID: source.frameOfReferenceUid,
        RTReferencedStudySequence: [
          {
            ReferencedSOPClassUID: STUDY_COMPONENT_SOP,
            ReferencedSOPInstanceUID: source.studyInstanceUid,
            RTReferencedSeriesSequence: [
              {
                SeriesInstanceUID: source.seriesInstanceUid,
                ContourImageSequence: source.slices.map((s) => ({ ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid })),
              },
            ],
          },
        ],
      },
    ],
    StructureSetROISequence: rois.map((r) => ({
      ROINumber: r.number,
      ReferencedFrameOfReferenceUID: source.frameOfReferenceUid,
      ROIName: fit(r.name, 64),
      ROIDescription: fit(`VISTA3D ${r.labelId} ${r.name}`, 64),
      ROIGenerationAlgorithm: algorithm.type,
      ROIGenerationDescription: fit(`${algorithm.engine}${algorithm.model ? ` ${algorithm.model}` : ''} ${algorithm.version}`, 64),
    })),
  };
  // ROI Contour and RT ROI Observations (3006,0039/0080) are the highest tags: appended after dcmjs's output
  const observations: Item[] = rois.map((r) => {
    const t = labelTerminology(r.labelId)!;
    return [
      [0x30060082, 'IS', String(r.number)],
      [0x30060084, 'IS', String(r.number)],
      [0x30060085, 'SH', fit(r.name, 16)],
      [0x30060086, 'SQ', [codeElements(t.type)]],
      [0x300600a4, 'CS', t.category.value === '49755003' ? '' : 'ORGAN'],
      [0x300600a6, 'PN', ''],
    ];
  });
  const sink = new ByteSink();
  encodeElements(sink, [
    [0x30060039, 'SQ', roiContours],
    [0x30060080, 'SQ', observations],
  ]);
  const bytes = concat(encodePart10(dataset, RT_STRUCTURE_SET_STORAGE, sopInstanceUid), sink.result());
  return {
    sopInstanceUid,
    seriesInstanceUid,
    rois,
    frameReference: refs.every((r) => r.kind === 'same') ? 'same' : 'resampled',
    bytes,
  };
}
