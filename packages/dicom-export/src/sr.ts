import type { SourceSeriesRecord } from '@vista3d/dicom';
import { labelTerminology } from '@vista3d/labels';
import type { AlgorithmInfo, SegmentationProvenance } from './common.js';
import { DCM, MANUFACTURER, SOFTWARE_VERSION, codeItem, fit, sourceModules } from './common.js';
import { dicomDateTime, encodePart10, nameUid, newUid } from './part10.js';
import type { StatisticsReport } from './stats.js';

export const COMPREHENSIVE_SR_STORAGE = '1.2.840.10008.5.1.4.1.1.88.33';
const SCT = (value: string, meaning: string) => ({ scheme: 'SCT', value, meaning });
const UCUM = (value: string, meaning: string) => ({ scheme: 'UCUM', value, meaning });

const code = (rel: string, name: ReturnType<typeof DCM>, value: ReturnType<typeof DCM>) => ({
  RelationshipType: rel,
  ValueType: 'CODE',
  ConceptNameCodeSequence: [codeItem(name)],
  ConceptCodeSequence: [codeItem(value)],
});
const num = (name: ReturnType<typeof DCM>, value: number, unit: ReturnType<typeof DCM>, modifier?: ReturnType<typeof DCM>) => ({
  RelationshipType: 'CONTAINS',
  ValueType: 'NUM',
  ConceptNameCodeSequence: [codeItem(name)],
  MeasuredValueSequence: [{ NumericValue: Number(value.toFixed(4)), MeasurementUnitsCodeSequence: [codeItem(unit)] }],
  ...(modifier ? { ContentSequence: [code('HAS CONCEPT MOD', DCM('121401', 'Derivation'), modifier)] } : {}),
});

/**
 * DICOM Comprehensive SR with TID 1500 (Imaging Measurement Report): one Measurement Group per label
 * (tracking id/UID, finding = the class's coded type, finding site), volume (mL) and HU mean/SD/min/max
 * of the statistics report, referencing the source series' slices in the image library.
 */
export function writeMeasurementReport(opts: {
  report: StatisticsReport;
  source: SourceSeriesRecord;
  algorithm: AlgorithmInfo;
  provenance?: SegmentationProvenance;
  now?: Date;
}): { sopInstanceUid: string; seriesInstanceUid: string; bytes: Uint8Array } {
  const { report, source, algorithm } = opts;
  const now = dicomDateTime(opts.now ?? new Date());
  const sopInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const HU = UCUM('[hnsf\'U]', 'Hounsfield unit');
  const groups = report.labels
    .filter((l) => labelTerminology(l.labelId))
    .map((l) => {
      const t = labelTerminology(l.labelId)!;
      const items: unknown[] = [
        { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'TEXT', ConceptNameCodeSequence: [codeItem(DCM('112039', 'Tracking Identifier'))], TextValue: `VISTA3D ${l.labelId} ${l.name}` },
        { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'UIDREF', ConceptNameCodeSequence: [codeItem(DCM('112040', 'Tracking Unique Identifier'))], UID: nameUid(`vista3d-tracking\0${source.studyInstanceUid}\0${l.labelId}`) },
        code('CONTAINS', DCM('121071', 'Finding'), t.type),
        ...(t.region ? [code('HAS CONCEPT MOD', SCT('363698007', 'Finding Site'), t.region)] : []),
        num(SCT('118565006', 'Volume'), l.volumeMl, UCUM('mL', 'milliliter')),
      ];
      if (l.hu) {
        items.push(
          num(DCM('112031', 'Attenuation Coefficient'), l.hu.mean, HU, SCT('373098007', 'Mean')),
          num(DCM('112031', 'Attenuation Coefficient'), l.hu.sd, HU, SCT('386136009', 'Standard Deviation')),
          num(DCM('112031', 'Attenuation Coefficient'), l.hu.min, HU, SCT('255605001', 'Minimum')),
          num(DCM('112031', 'Attenuation Coefficient'), l.hu.max, HU, SCT('56851009', 'Maximum')),
        );
      }
      return {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: [codeItem(DCM('125007', 'Measurement Group'))],
        ContinuityOfContent: 'SEPARATE',
        ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1411' }],
        ContentSequence: items,
      };
    });
  const library = {
    RelationshipType: 'CONTAINS',
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [codeItem(DCM('111028', 'Image Library'))],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: [codeItem(DCM('126200', 'Image Library Group'))],
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: source.slices.map((s) => ({
          RelationshipType: 'CONTAINS',
          ValueType: 'IMAGE',
          ReferencedSOPSequence: [{ ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid }],
        })),
      },
    ],
  };
  const dataset = {
    ...sourceModules(source),
    SpecificCharacterSet: 'ISO_IR 192',
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    Modality: 'SR',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: 9003,
    SeriesDescription: fit(`VISTA3D measurements${opts.provenance?.version ? ` (segmentation ${opts.provenance.version})` : ''}`, 64),
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: fit(algorithm.engine, 64),
    SoftwareVersions: SOFTWARE_VERSION,
    InstanceNumber: 1,
    ContentDate: now.date,
    ContentTime: now.time,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [
      {
        StudyInstanceUID: source.studyInstanceUid,
        ReferencedSeriesSequence: [
          { SeriesInstanceUID: source.seriesInstanceUid, ReferencedSOPSequence: source.slices.map((s) => ({ ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid })) },
        ],
      },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [codeItem(DCM('126000', 'Imaging Measurement Report'))],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: [
      code('HAS CONCEPT MOD', DCM('121049', 'Language of Content Item and Descendants'), { scheme: 'RFC5646', value: 'en-US', meaning: 'English (United States)' }),
      code('CONTAINS', DCM('121058', 'Procedure reported'), SCT('77477000', 'Computed Tomography')),
      library,
      {
        RelationshipType: 'CONTAINS',
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: [codeItem(DCM('126010', 'Imaging Measurements'))],
        ContinuityOfContent: 'SEPARATE',
        ContentSequence: groups,
      },
    ],
  };
  const bytes = encodePart10(dataset, COMPREHENSIVE_SR_STORAGE, sopInstanceUid);
  return { sopInstanceUid, seriesInstanceUid, bytes };
}
