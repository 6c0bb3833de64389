export { writeSeg, SEGMENTATION_STORAGE, algorithmIdentification } from './seg.js';
export type { SegOptions, SegResult } from './seg.js';
export { ExportError, rgbToDicomLab } from './common.js';
export type { AlgorithmInfo, SegmentationProvenance } from './common.js';
export { frameGrid, framePosition, frameReferences, rasToLps } from './geometry.js';
export type { FrameGrid, FrameReference } from './geometry.js';
export { labelPresence } from './presence.js';
export type { LabelMap, LabelPresence } from './presence.js';
export { newUid, collect, encodePart10 } from './part10.js';
