import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  BODY_LABEL_ID,
  LABELS,
  LABEL_SETS,
  VISTA3D_LABELS,
  labelById,
  labelByName,
  labelColor,
  labelFileStem,
  labelSetByName,
  resolveLabel,
} from '../src/index.js';

const reference = new URL('../../../../shared/reference/', import.meta.url).pathname;

describe('VISTA3D label dictionary', () => {
  it('has every class of the reference dictionary with its id', () => {
    const dict = JSON.parse(readFileSync(`${reference}vista3d_label_dict.json`, 'utf8')) as Record<string, number>;
    assert.equal(VISTA3D_LABELS.length, Object.keys(dict).length);
    for (const [name, id] of Object.entries(dict)) assert.equal(labelByName(name)?.id, id, name);
  });

  it('uses the reference palette colours and fills gaps with stable colours', () => {
    const colors = JSON.parse(readFileSync(`${reference}vista3d_label_colors.json`, 'utf8')) as Array<{ id: number; color: number[] }>;
    for (const c of colors) if (labelById(c.id)) assert.deepEqual([...labelById(c.id)!.color], c.color);
    const fibula = labelById(133)!;
    assert.equal(fibula.color.length, 3);
    assert.deepEqual(labelColor(133), fibula.color);
    assert.deepEqual(labelColor(999), labelColor(999));
  });

  it('resolves names forgivingly and ids as numbers or strings', () => {
    assert.equal(labelByName('Left_Kidney')?.id, 14);
    assert.equal(labelByName('left-kidney')?.id, 14);
    assert.equal(resolveLabel(' 14 ')?.name, 'left kidney');
    assert.equal(resolveLabel(6)?.name, 'aorta');
    assert.equal(resolveLabel('not an organ'), undefined);
  });

  it('documents body as an extension outside VISTA3D ids', () => {
    const body = labelById(BODY_LABEL_ID)!;
    assert.equal(body.name, 'body');
    assert.equal(body.extension, true);
    assert.ok(BODY_LABEL_ID > 150);
    assert.ok(!VISTA3D_LABELS.some((l) => l.id === BODY_LABEL_ID));
    assert.equal(LABELS.length, VISTA3D_LABELS.length + 1);
  });

  it('names per-label files like the earlier platform', () => {
    assert.equal(labelFileStem('left kidney'), 'left_kidney');
    assert.equal(labelFileStem('portal vein and splenic vein'), 'portal_vein_and_splenic_vein');
    assert.equal(labelFileStem('vertebrae L5'), 'vertebrae_l5');
  });

  it('offers organ, vessel, bone and lung sets plus the reference sets', () => {
    const names = (set: string): string[] => labelSetByName(set)!.labels.map((l) => l.name);
    assert.ok(names('organs').includes('liver'));
    assert.ok(!names('organs').includes('aorta'));
    assert.ok(names('vessels').includes('aorta'));
    assert.ok(names('vessels').includes('portal vein and splenic vein'));
    assert.ok(names('bones').includes('vertebrae L5'));
    assert.ok(names('bones').includes('left rib 1'));
    assert.ok(names('lungs').includes('left lung'));
    assert.ok(names('lungs').includes('airway'));
    assert.ok(!names('lungs').includes('lung tumor'));
    assert.equal(labelSetByName('HeadNeckCore')!.labels.length, 21);
    assert.equal(labelSetByName('all')!.labels.length, VISTA3D_LABELS.length);
    for (const set of LABEL_SETS) assert.ok(set.labels.length > 0, set.name);
  });
});
