import referenceSets from '../data/vista3d_label_sets.json' with { type: 'json' };
import { VISTA3D_LABELS, labelByName } from './dictionary.js';
import type { LabelGroup, LabelInfo } from './types.js';

export interface LabelSet {
  readonly name: string;
  readonly description: string;
  readonly labels: readonly LabelInfo[];
}

function fromGroup(group: LabelGroup): LabelInfo[] {
  return VISTA3D_LABELS.filter((l) => l.group === group);
}

function fromNames(names: readonly string[]): LabelInfo[] {
  return names.map((n) => {
    const label = labelByName(n);
    if (!label) throw new Error(`label set references unknown class "${n}"`);
    return label;
  });
}

function buildSets(): LabelSet[] {
  const sets: LabelSet[] = [
    { name: 'all', description: 'Every VISTA3D class', labels: VISTA3D_LABELS },
    { name: 'organs', description: 'Abdominal, thoracic and head organs', labels: fromGroup('organ') },
    { name: 'vessels', description: 'Arteries and veins', labels: fromGroup('vessel') },
    { name: 'bones', description: 'Skeleton: vertebrae, ribs, pelvis, long bones, skull', labels: fromGroup('bone') },
    { name: 'lungs', description: 'Lungs, lobes and airway', labels: fromGroup('lung') },
    { name: 'muscles', description: 'Skeletal muscles', labels: fromGroup('muscle') },
    { name: 'lesions', description: 'Tumours, cysts and lesions', labels: fromGroup('lesion') },
  ];
  for (const [name, names] of Object.entries(referenceSets as Record<string, string[]>)) {
    sets.push({ name, description: `Reference set ${name}`, labels: fromNames(names) });
  }
  return sets;
}

/** Named groups of classes users pick instead of listing classes one by one. */
export const LABEL_SETS: readonly LabelSet[] = Object.freeze(buildSets());

export function labelSetByName(name: string): LabelSet | undefined {
  const wanted = name.trim().toLowerCase();
  return LABEL_SETS.find((s) => s.name.toLowerCase() === wanted);
}

