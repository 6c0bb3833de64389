export { torsoPhantom, tissueAt, TISSUE_HU } from './torso.js';
export type { TorsoOptions, TorsoPhantom } from './torso.js';
export { writePhantomStudy, phantomVolume, phantomAffine } from './write.js';
export type { PhantomStudy, PhantomStudyOptions } from './write.js';
export { encodeDicomFile, uidFrom, CT_IMAGE_STORAGE, EXPLICIT_LE } from './dicom-writer.js';
export type { Element } from './dicom-writer.js';
