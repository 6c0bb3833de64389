export type { DicomSeries, DicomInstance, DiscoverOptions, DiscoveryResult, FileError, SliceSpacingInfo } from './types.js';
export { discoverSeries, discoverDicom, readDicomHeader, sliceSpacing, defaultIgnoreReason, FALLBACK_KEY_DESCRIPTION } from './discover.js';
export { isImageSopClass, sopClassName } from './sop.js';
export { scanName, uniqueScanName, slugify, seriesHash } from './naming.js';
export { findDcm2niix, findOnPath, dcm2niixVersion, runDcm2niix } from './dcm2niix.js';
export type { Dcm2niixRun } from './dcm2niix.js';
export { convertSeries, convertDicomFolder, scanOwner, seriesRef, ConversionError } from './convert.js';
export type {
  ConvertSeriesOptions,
  ConvertFolderOptions,
  ConversionResult,
  ConversionReport,
  SeriesRef,
  GeometryPolicy,
  GeometryReport,
} from './convert.js';
export { searchStudies, importStudy, storeFiles, dicomWebClient, jsonString } from './dicomweb.js';
export type { StudySummary, ImportOptions, ImportResult, DicomWebOptions, DicomJson, DicomJsonAttribute } from './dicomweb.js';
export { stackGeometry, planGeometry, resampleStack, gridAffine, gridPoint, axisSigns } from './geometry.js';
export type { StackGeometry, GeometryPlan, AxisSigns } from './geometry.js';
export { TRANSFER_SYNTAXES, transferSyntaxName, needsDecoding, findGdcmconv } from './transfer-syntax.js';
export { sourceRecordOf, readSourceRecord } from './source-record.js';
export type { SourceSeriesRecord, SourceSlice } from './source-record.js';
