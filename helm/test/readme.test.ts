// The chart README documents every value: its Configuration table is generated from values.yaml's
// `# --` comments and must match the committed README, and no leaf key may go undocumented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { README_PATH, VALUES_PATH, readValuesDoc, valuesTable, withTable } from '../scripts/values-table.js';

describe('chart README', () => {
  const values = readFileSync(VALUES_PATH, 'utf8');
  const readme = readFileSync(README_PATH, 'utf8');

  it('documents every key of values.yaml', () => {
    assert.deepEqual(readValuesDoc(values).undocumented, [], 'add a `# --` comment to each key');
  });

  it('has the generated Configuration table in sync with values.yaml', () => {
    assert.equal(readme, withTable(readme, valuesTable(values)), 'run: npx tsx helm/scripts/values-table.ts --write');
  });

  it('names only keys that exist in values.yaml', () => {
    const keys = new Set(readValuesDoc(values).rows.map((r) => r.key));
    const mentioned = [...readme.matchAll(/`((?:backend|frontend|imageServer|persistence|secrets|ingress|networkPolicy|monitoring|autoscaling|pdb|global|serviceAccount|tests)\.[A-Za-z0-9_.[\]]+)`/g)]
      .map((m) => m[1].replace(/\[\d+\].*$/, ''));
    const typoExamples = new Set(['backend.replicas']); // the README shows what a typo gives
    for (const key of mentioned.filter((k) => !typoExamples.has(k))) {
      const known = [...keys].some((k) => k === key || k.startsWith(`${key}.`) || key.startsWith(`${k}.`));
      assert.ok(known, `README mentions unknown value ${key}`);
    }
  });
});
