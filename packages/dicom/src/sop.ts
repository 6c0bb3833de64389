/** SOP classes we recognise by name; anything under NON_IMAGE_PREFIXES is not a pixel image series. */
const SOP_NAMES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.2': 'CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.2.2': 'Legacy Converted Enhanced CT Image Storage',
  '1.2.840.10008.5.1.4.1.1.4': 'MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR Image Storage',
  '1.2.840.10008.5.1.4.1.1.128': 'PET Image Storage',
  '1.2.840.10008.5.1.4.1.1.7': 'Secondary Capture Image Storage',
  '1.2.840.10008.5.1.4.1.1.1': 'Computed Radiography Image Storage',
  '1.2.840.10008.5.1.4.1.1.1.1': 'Digital X-Ray Image Storage',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data Storage',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.66.7': 'Label Map Segmentation Storage',
  '1.2.840.10008.5.1.4.1.1.481.1': 'RT Image Storage',
  '1.2.840.10008.5.1.4.1.1.481.2': 'RT Dose Storage',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set Storage',
  '1.2.840.10008.5.1.4.1.1.481.5': 'RT Plan Storage',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR Storage',
  '1.2.840.10008.5.1.4.1.1.88.59': 'Key Object Selection Document Storage',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF Storage',
  '1.2.840.10008.5.1.4.1.1.11.1': 'Grayscale Softcopy Presentation State Storage',
};

const NON_IMAGE_EXACT = new Set([
  '1.2.840.10008.5.1.4.1.1.66', // raw data
  '1.2.840.10008.5.1.4.1.1.66.4', // SEG
  '1.2.840.10008.5.1.4.1.1.66.7', // label map SEG
  '1.2.840.10008.5.1.4.1.1.66.1', // spatial registration
  '1.2.840.10008.5.1.4.1.1.66.2', // spatial fiducials
  '1.2.840.10008.5.1.4.1.1.66.3', // deformable registration
  '1.2.840.10008.5.1.4.1.1.66.5', // surface segmentation
  '1.2.840.10008.5.1.4.1.1.481.2', // RT dose (a grid, not a CT series)
  '1.2.840.10008.5.1.4.1.1.481.3', // RTSTRUCT
]);
const NON_IMAGE_PREFIXES = [
  '1.2.840.10008.5.1.4.1.1.88.', // structured reports
  '1.2.840.10008.5.1.4.1.1.11.', // presentation states
  '1.2.840.10008.5.1.4.1.1.104.', // encapsulated documents
  '1.2.840.10008.5.1.4.1.1.481.', // RT objects (plans, records, …) except RT Image, checked below
  '1.2.840.10008.5.1.4.1.1.9.', // waveforms
];

export function sopClassName(uid: string): string {
  return SOP_NAMES[uid] ?? (uid ? `SOP class ${uid}` : 'unknown SOP class');
}

/** True when objects of this SOP class carry a pixel image (with rows/columns known for sure). */
export function isImageSopClass(uid: string, hasRows: boolean): boolean {
  if (NON_IMAGE_EXACT.has(uid)) return false;
  if (uid === '1.2.840.10008.5.1.4.1.1.481.1') return hasRows;
  if (NON_IMAGE_PREFIXES.some((p) => uid.startsWith(p))) return false;
  return hasRows;
}
