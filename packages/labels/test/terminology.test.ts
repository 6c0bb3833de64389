import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LABELS, TERMINOLOGY, TERMINOLOGY_SOURCES, labelTerminology } from '../src/index.js';

const reference = new URL('../../../../shared/reference/', import.meta.url).pathname;
const complete = (c: { scheme: string; value: string; meaning: string } | undefined): boolean =>
  !!c && /^(SCT|DCM)$/.test(c.scheme) && /^\d+$/.test(c.value) && c.meaning.trim().length > 0;

describe('VISTA3D coded terminology', () => {
  it('has a complete entry (category, type, source) for every class the platform knows', () => {
    assert.equal(TERMINOLOGY.length, LABELS.length);
    for (const label of LABELS) {
      const t = labelTerminology(label.id);
      assert.ok(t, `no terminology for ${label.id} ${label.name}`);
      assert.equal(t.name, label.name);
      assert.ok(complete(t.category), `${label.name}: category`);
      assert.ok(complete(t.type), `${label.name}: type`);
      for (const k of ['typeModifier', 'region', 'regionModifier'] as const) if (t[k]) assert.ok(complete(t[k]), `${label.name}: ${k}`);
      assert.ok(t.source.length > 0);
    }
    assert.ok(TERMINOLOGY_SOURCES.length >= 3);
  });

  it('codes laterality of paired structures as a modifier (in the type or region)', () => {
    for (const label of LABELS) {
      const side = /^(left|right) /.exec(label.name)?.[1];
      if (!side) continue;
      const t = labelTerminology(label.id)!;
      const mod = t.typeModifier ?? t.regionModifier;
      const inMeaning = new RegExp(`\\b${side}\\b`, 'i').test(t.type.meaning);
      assert.ok(inMeaning || mod?.value === (side === 'left' ? '7771000' : '24028007'), `${label.name}: laterality`);
    }
  });

  it('agrees with the shared TotalSegmentator table where a class is taken from it', () => {
    const csv = readFileSync(`${reference}totalsegmentator_snomed_mapping.csv`, 'utf8').split(/\r?\n/);
    const kidneyLeft = csv.find((l) => l.startsWith('kidney_left,'))!.split(',');
    const t = labelTerminology(14)!;
    assert.equal(t.type.value, kidneyLeft[5]);
    assert.equal(t.typeModifier?.value, kidneyLeft[8]);
    assert.equal(labelTerminology(102)!.type.meaning, 'Gluteus minimus muscle'); // source typo fixed
    assert.equal(labelTerminology(26)!.region?.value, '10200004'); // hepatic tumor: neoplasm in liver
  });
});
