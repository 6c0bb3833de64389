export type { LabelInfo, LabelGroup, Rgb } from './types.js';
export { normaliseLabelName, labelFileStem } from './names.js';
export {
  LABELS,
  VISTA3D_LABELS,
  BODY_LABEL_ID,
  labelById,
  labelByName,
  resolveLabel,
  labelColor,
} from './dictionary.js';
export { LABEL_SETS, labelSetByName } from './label-sets.js';
export type { LabelSet } from './label-sets.js';
export { TERMINOLOGY, TERMINOLOGY_SOURCES, labelTerminology } from './terminology.js';
export type { CodedConcept, LabelTerminology } from './terminology.js';
