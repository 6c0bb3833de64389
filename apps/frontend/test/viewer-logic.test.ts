// The viewer's pure pieces: display convention and 3D camera, patient-side readout, keyboard shortcut
// matching, class grouping/search for the prompt picker, tinted near-white label colours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayColor } from '../src/web/lib/colormap.js';
import { groupClasses, pickableClasses } from '../src/web/viewer/class-groups.js';
import { parseConvention, patientSide, renderCamera } from '../src/web/viewer/orientation.js';
import { isTypingTarget, matchShortcut, SHORTCUTS, type KeyLike } from '../src/web/viewer/shortcuts.js';
import { LABELS } from '@vista3d/labels';

test('radiological unless neurological was chosen; the 3D camera looks from the front (radiological) or from behind', () => {
  assert.equal(parseConvention(null), 'radiological');
  assert.equal(parseConvention('garbage'), 'radiological');
  assert.equal(parseConvention('neurological'), 'neurological');
  assert.equal(renderCamera('radiological').azimuth, 180);
  assert.equal(renderCamera('neurological').azimuth, 0);
});

test('RAS+ readout: +x is patient right, +y anterior, +z superior', () => {
  assert.equal(patientSide(0, 53.8), 'R 53.8');
  assert.equal(patientSide(0, -12), 'L 12.0');
  assert.equal(patientSide(1, -3), 'P 3.0');
  assert.equal(patientSide(2, 7.25), 'S 7.3');
});

test('keyboard shortcuts', () => {
  const k = (key: string, o: Partial<KeyLike> = {}): KeyLike => ({ key, code: o.code ?? '', shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...o });
  assert.deepEqual(matchShortcut(k('ArrowUp')), { kind: 'slice', delta: 1 });
  assert.deepEqual(matchShortcut(k('PageDown')), { kind: 'slice', delta: -1 });
  assert.deepEqual(matchShortcut(k('3', { code: 'Digit3' })), { kind: 'view', index: 2 });
  assert.equal(matchShortcut(k('6', { code: 'Digit6' })), null, 'five views');
  assert.deepEqual(matchShortcut(k('@', { code: 'Digit2', shiftKey: true })), { kind: 'preset', index: 1 });
  assert.deepEqual(matchShortcut(k('z', { ctrlKey: true })), { kind: 'undo' });
  assert.deepEqual(matchShortcut(k('Z', { ctrlKey: true, shiftKey: true })), { kind: 'redo' });
  assert.deepEqual(matchShortcut(k('y', { metaKey: true })), { kind: 'redo' });
  assert.deepEqual(matchShortcut(k('O')), { kind: 'overlay' });
  assert.deepEqual(matchShortcut(k('?', { shiftKey: true })), { kind: 'help' });
  assert.equal(matchShortcut(k('v')), null, "NiiVue's own keys are left to NiiVue");
  assert.equal(matchShortcut(k('o', { altKey: true })), null);
  assert.ok(SHORTCUTS.length >= 10);
  assert.equal(isTypingTarget({ tagName: 'INPUT', type: 'number' } as unknown as EventTarget), true);
  assert.equal(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' } as unknown as EventTarget), false);
  assert.equal(isTypingTarget({ tagName: 'SELECT' } as unknown as EventTarget), true);
  assert.equal(isTypingTarget(null), false);
});

test('class picker: no body, grouped in anatomical order, sorted, searchable by name, group or id', () => {
  const all = LABELS.map((l) => ({ id: l.id, name: l.name, color: [...l.color] as [number, number, number], group: l.group, ...(l.extension ? { extension: true } : {}) }));
  const pickable = pickableClasses(all);
  assert.ok(!pickable.some((l) => l.name === 'body'));
  const groups = groupClasses(pickable, '');
  assert.deepEqual(groups.map((g) => g.id).slice(0, 4), ['organ', 'vessel', 'bone', 'muscle']);
  assert.equal(groups.reduce((n, g) => n + g.classes.length, 0), pickable.length, 'every class in one group');
  const bones = groups.find((g) => g.id === 'bone')!.classes.map((l) => l.name);
  assert.ok(bones.indexOf('left rib 2') < bones.indexOf('left rib 10'), 'numeric order');
  assert.deepEqual(groupClasses(pickable, 'kidney').map((g) => g.id), ['organ', 'lesion']);
  assert.deepEqual(groupClasses(pickable, '1').flatMap((g) => g.classes.map((l) => l.id)), [1], 'an id finds its class');
  assert.equal(groupClasses(pickable, 'vessel')[0]!.id, 'vessel');
});

test('near-white label colours are tinted so bone labels stand out on CT; others unchanged', () => {
  assert.deepEqual(displayColor([240, 240, 240]), [240, 204, 96]);
  assert.deepEqual(displayColor([220, 220, 220]), [220, 187, 88]);
  assert.deepEqual(displayColor([34, 139, 34]), [34, 139, 34]);
  assert.deepEqual(displayColor([255, 215, 0]), [255, 215, 0]);
});
