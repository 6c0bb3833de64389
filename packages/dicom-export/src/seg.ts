import { labelById, labelColor, labelTerminology } from '@vista3d/labels';
import type { AlgorithmInfo, DerivedSeriesOptions } from './common.js';
import { DCM, ExportError, MANUFACTURER, SOFTWARE_VERSION, codeItem, fit, rgbToDicomLab, sourceModules } from './common.js';
import { sliceBoxes } from './contours.js';
import { frameGrid, framePosition, frameReferences } from './geometry.js';
import type { FrameGrid, FrameReference } from './geometry.js';
import { ByteSink, codeElements, encodeElements } from './encode.js';
import type { Element, Item } from './encode.js';
import { concat, dicomDateTime, encodePart10, nameUid, newUid, pixelDataHeader } from './part10.js';
import { labelPresence } from './presence.js';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegOptions extends DerivedSeriesOptions {
  /** Output chunk size in bytes (default 1 MiB). */
  chunkBytes?: number;
}

export interface SegResult {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  segments: Array<{ number: number; labelId: number; name: string; frames: number; voxels: number }>;
  frames: number;
  /** How frames relate to the acquired slices ('same' for an unresampled scan). */
  frameReference: 'same' | 'resampled';
  bytes: number;
}

interface Plan {
  grid: FrameGrid;
  refs: FrameReference[];
  segments: SegResult['segments'];
  /** frame list: [segment index, k] */
  frames: Array<[number, number]>;
  /** per label: per slice pixel bounding box (see sliceBoxes) */
  boxes: Map<number, Int32Array>;
}

function plan(opts: SegOptions): Plan {
  const { labels, source } = opts;
  const grid = frameGrid(labels.dims, labels.affine, source.imageOrientationPatient);
  const presence = labelPresence(labels);
  const wanted = opts.labelIds ? opts.labelIds.filter((l) => presence.voxels.has(l)) : presence.labels;
  if (wanted.length === 0) throw new ExportError('the segmentation is empty (no labelled voxel to export)', 'EMPTY');
  const segments: SegResult['segments'] = [];
  const frames: Array<[number, number]> = [];
  wanted.forEach((labelId, s) => {
    const info = labelById(labelId);
    if (!info || !labelTerminology(labelId)) throw new ExportError(`label ${labelId} is not a VISTA3D class (no coded terminology)`, 'UNKNOWN_LABEL');
    const perSlice = presence.slices.get(labelId)!;
    let n = 0;
    for (let k = 0; k < perSlice.length; k++) {
      if (perSlice[k]! > 0) {
        frames.push([s, k]);
        n++;
      }
    }
    segments.push({ number: s + 1, labelId, name: info.name, frames: n, voxels: presence.voxels.get(labelId)! });
  });
  const [nx, ny, nz] = labels.dims;
  return { grid, refs: frameReferences(grid, source), segments, frames, boxes: sliceBoxes(labels.data, nx, ny, nz) };
}

function segmentItem(seg: SegResult['segments'][number], alg: AlgorithmInfo, studyUid: string): Record<string, unknown> {
  const t = labelTerminology(seg.labelId)!;
  const type: Record<string, unknown> = codeItem(t.type);
  if (t.typeModifier) type.SegmentedPropertyTypeModifierCodeSequence = [codeItem(t.typeModifier)];
  const item: Record<string, unknown> = {
    SegmentNumber: seg.number,
    SegmentLabel: fit(seg.name, 64),
    SegmentDescription: fit(`VISTA3D ${seg.labelId} ${seg.name}`, 64),
    SegmentAlgorithmType: alg.type,
    SegmentedPropertyCategoryCodeSequence: [codeItem(t.category)],
    SegmentedPropertyTypeCodeSequence: [type],
    RecommendedDisplayCIELabValue: rgbToDicomLab(labelColor(seg.labelId)),
    TrackingID: `VISTA3D ${seg.labelId}`,
    TrackingUID: nameUid(`vista3d-tracking\0${studyUid}\0${seg.labelId}`),
  };
  if (t.region) {
    const region: Record<string, unknown> = codeItem(t.region);
    if (t.regionModifier) region.AnatomicRegionModifierSequence = [codeItem(t.regionModifier)];
    item.AnatomicRegionSequence = [region];
  }
  if (alg.type !== 'MANUAL') {
    item.SegmentAlgorithmName = fit(alg.model ? `${alg.engine} ${alg.model}` : alg.engine, 64);
    item.SegmentationAlgorithmIdentificationSequence = [algorithmIdentification(alg)];
  }
  return item;
}

/** Algorithm Identification Macro (CID 7162 family: Artificial Intelligence, or Manual Processing). */
export function algorithmIdentification(alg: AlgorithmInfo): Record<string, unknown> {
  return {
    AlgorithmFamilyCodeSequence: [codeItem(alg.type === 'MANUAL' ? DCM('123109', 'Manual Processing') : DCM('123110', 'Artificial Intelligence'))],
    AlgorithmName: fit(alg.model ? `${alg.engine} ${alg.model}` : alg.engine, 64),
    AlgorithmVersion: fit(alg.version, 64),
    AlgorithmSource: MANUFACTURER,
  };
}

function header(opts: SegOptions, p: Plan, sopInstanceUid: string, seriesInstanceUid: string): Record<string, unknown> {
  const { source, algorithm } = opts;
  const now = dicomDateTime(opts.now ?? new Date());
  const g = p.grid;
  const resampled = p.refs.some((r) => r.kind !== 'same');
  const version = opts.provenance?.version ? ` (segmentation ${opts.provenance.version})` : '';
  return {
    ...sourceModules(source),
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'PRIMARY'],
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    ContentDate: now.date,
    ContentTime: now.time,
    SeriesDate: now.date,
    SeriesTime: now.time,
    Modality: 'SEG',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: opts.seriesNumber ?? 9001,
    SeriesDescription: fit(opts.seriesDescription ?? `VISTA3D segmentation${version}`, 64),
    InstanceNumber: 1,
    FrameOfReferenceUID: source.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: fit(algorithm.engine, 64),
    DeviceSerialNumber: '1',
    SoftwareVersions: SOFTWARE_VERSION,
    ContentLabel: 'VISTA3D',
    ContentDescription: fit(
      opts.provenance?.description ??
        (resampled ? 'frames on the resampled grid; see DerivationDescription' : 'frames on the source slices'),
      64,
    ),
    ContentCreatorName: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: g.rows,
    Columns: g.columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    NumberOfFrames: p.frames.length,
    SegmentSequence: p.segments.map((s) => segmentItem(s, algorithm, source.studyInstanceUid)),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: seriesInstanceUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: seriesInstanceUid,
        DimensionIndexPointer: '0062000B',
        FunctionalGroupPointer: '0062000A',
        DimensionDescriptionLabel: 'Segment Number',
      },
      {
        DimensionOrganizationUID: seriesInstanceUid,
        DimensionIndexPointer: '00200032',
        FunctionalGroupPointer: '00209113',
        DimensionDescriptionLabel: 'Image Position Patient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: g.orientation }],
        PixelMeasuresSequence: [
          { PixelSpacing: g.pixelSpacing, SliceThickness: g.sliceSpacing, SpacingBetweenSlices: g.sliceSpacing },
        ],
      },
    ],
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: source.slices.map((s) => ({
          ReferencedSOPClassUID: source.sopClassUid,
          ReferencedSOPInstanceUID: s.sopInstanceUid,
        })),
      },
    ],
  };
}

/** Per-Frame Functional Groups Sequence (5200,9230), encoded by us: the derivation group is built once per slice. */
function perFrameGroups(opts: SegOptions, p: Plan): Uint8Array {
  const { source } = opts;
  const derivation = new Map<number, Element>();
  const purpose = codeElements(DCM('121322', 'Source image for image processing operation'));
  const segmentation = codeElements(DCM('113076', 'Segmentation'));
  const items: Item[] = p.frames.map(([s, k]) => {
    let der = derivation.get(k);
    if (!der) {
      const ref = p.refs[k]!;
      const sources: Item[] = ref.slices.map((sl): Item => [
        [0x00081150, 'UI', source.sopClassUid],
        [0x00081155, 'UI', sl.sopInstanceUid],
        [0x0040a170, 'SQ', [purpose]],
      ]);
      der = [0x00089124, 'SQ', [[[0x00082111, 'ST', ref.description], [0x00082112, 'SQ', sources], [0x00089215, 'SQ', [segmentation]]]]];
      derivation.set(k, der);
    }
    return [
      der,
      [0x00209111, 'SQ', [[[0x00209157, 'UL', [s + 1, k + 1]]]]],
      [0x00209113, 'SQ', [[[0x00200032, 'DS', framePosition(p.grid, k)]]]],
      [0x0062000a, 'SQ', [[[0x0062000b, 'US', [s + 1]]]]],
    ];
  });
  const sink = new ByteSink();
  encodeElements(sink, [[0x52009230, 'SQ', items]]);
  return sink.result();
}

/**
 * Bits of the frames, first pixel in the least significant bit, frames back to back (PS3.5 8.1.1:
 * a frame need not start on a byte). Only each label's bounding box in the slice is scanned; the
 * rest of a frame stays zero.
 */
async function* packFrames(opts: SegOptions, p: Plan, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const [nx, ny] = opts.labels.dims;
  const { flipX, flipY, rows, columns } = p.grid;
  const d = opts.labels.data;
  const frameBits = rows * columns;
  const fb = new Uint8Array(Math.ceil(frameBits / 8) + 1);
  let buf = new Uint8Array(chunkBytes);
  let at = 0;
  function* put(bytes: Uint8Array): Generator<Uint8Array> {
    let o = 0;
    while (o < bytes.length) {
      const n = Math.min(bytes.length - o, chunkBytes - at);
      buf.set(bytes.subarray(o, o + n), at);
      at += n;
      o += n;
      if (at === chunkBytes) {
        yield buf;
        buf = new Uint8Array(chunkBytes);
        at = 0;
      }
    }
  }
  let carry = 0;
  let off = 0; // bit offset of the frame's first pixel in its first byte
  let written = 0;
  for (const [s, k] of p.frames) {
    const label = p.segments[s]!.labelId;
    const box = p.boxes.get(label)!;
    const [i0, i1, j0, j1] = [box[4 * k]!, box[4 * k + 1]!, box[4 * k + 2]!, box[4 * k + 3]!];
    const nbytes = Math.ceil((off + frameBits) / 8);
    fb.fill(0, 0, nbytes);
    fb[0] = carry;
    const base = k * nx * ny;
    for (let j = j0; j <= j1; j++) {
      const r = flipY ? ny - 1 - j : j;
      const row = base + j * nx;
      const rowBit = off + r * columns;
      for (let i = i0; i <= i1; i++) {
        if (d[row + i] !== label) continue;
        const b = rowBit + (flipX ? nx - 1 - i : i);
        fb[b >> 3]! |= 1 << (b & 7);
      }
    }
    const end = off + frameBits;
    const full = end >> 3;
    yield* put(fb.subarray(0, full));
    written += full;
    off = end & 7;
    carry = off ? fb[full]! : 0;
  }
  const tail: number[] = [];
  if (off) tail.push(carry);
  if ((written + tail.length) % 2 === 1) tail.push(0); // OB value padded to even length
  yield* put(Uint8Array.from(tail));
  if (at > 0) yield buf.subarray(0, at);
}

/**
 * Writes a DICOM Segmentation (BINARY, one segment per label, only frames where the label occurs) as
 * a stream of Part 10 chunks: the header from dcmjs, then the bit-packed pixel data frame by frame,
 * so memory stays at the label map plus one chunk.
 */
export function writeSeg(opts: SegOptions): { result: SegResult; chunks: AsyncIterable<Uint8Array> } {
  const p = plan(opts);
  const sopInstanceUid = opts.sopInstanceUid ?? newUid();
  const seriesInstanceUid = opts.seriesInstanceUid ?? newUid();
  const [nx, ny] = opts.labels.dims;
  const bits = p.frames.length * nx * ny;
  const pixelBytes = Math.ceil(bits / 8) + (Math.ceil(bits / 8) % 2);
  const head = concat(encodePart10(header(opts, p, sopInstanceUid, seriesInstanceUid), SEGMENTATION_STORAGE, sopInstanceUid), perFrameGroups(opts, p), pixelDataHeader(pixelBytes));
  const result: SegResult = {
    sopInstanceUid,
    seriesInstanceUid,
    segments: p.segments,
    frames: p.frames.length,
    frameReference: p.refs.every((r) => r.kind === 'same') ? 'same' : 'resampled',
    bytes: head.length + pixelBytes,
  };
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  async function* all(): AsyncGenerator<Uint8Array> {
    yield head;
    yield* packFrames(opts, p, chunkBytes);
  }
  return { result, chunks: all() };
}
