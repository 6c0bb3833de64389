import type { LabelGroup } from './types.js';

const VESSEL = /aorta|vena|vein|artery|arteries|trunk|hepatic vessel|iliac|atrial appendage/;
const BONE = /vertebra|rib|bone$|^bone|humerus|scapula|clavicula|femur|hip|sacrum|skull|sternum|costal cartilage|fibula|tibia|intervertebral/;
const LUNG = /lung(?! tumor)|airway|trachea/;
const MUSCLE = /gluteus|autochthon|iliopsoas|quadriceps|sartorius|thigh/;
const LESION = /tumor|cancer|lesion|cyst|mass|hyperintensity/;

/** Assigns an anatomical group from the class name; order matters (a "lung tumor" is a lesion). */
export function groupOf(name: string): LabelGroup {
  if (LESION.test(name)) return 'lesion';
  if (LUNG.test(name)) return 'lung';
  if (VESSEL.test(name)) return 'vessel';
  if (MUSCLE.test(name)) return 'muscle';
  if (BONE.test(name)) return 'bone';
  if (name === 'body') return 'other';
  return 'organ';
}
