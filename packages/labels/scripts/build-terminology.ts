/**
 * Regenerates data/vista3d_terminology.json: DICOM coded terminology (SEG segment / RT ROI codes)
 * for every VISTA3D class, from the two SNOMED CT mapping tables in ../shared/reference plus the
 * codes in MANUAL for the classes they lack. Run: npx tsx packages/labels/scripts/build-terminology.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ref = join(here, '../../../../shared/reference');
const out = join(here, '../data/vista3d_terminology.json');

interface Code { scheme: string; value: string; meaning: string }
interface Entry {
  id: number;
  name: string;
  category: Code;
  type: Code;
  typeModifier?: Code;
  region?: Code;
  regionModifier?: Code;
  source: string;
}
type Row = Omit<Entry, 'id' | 'name' | 'source'>;

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cur);
        cur = '';
      } else cur += ch;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

function code(cells: string[], at: number): Code | undefined {
  const [scheme, value, meaning] = [cells[at]?.trim(), cells[at + 1]?.trim(), cells[at + 2]?.trim()];
  return scheme && value && meaning ? { scheme, value, meaning } : undefined;
}

/** Both tables: name, then category, type, type modifier, region, region modifier triples from column 1. */
function readTable(file: string): Map<string, Row> {
  const rows = parseCsv(readFileSync(join(ref, file), 'utf8')).slice(1);
  const map = new Map<string, Row>();
  for (const c of rows) {
    const category = code(c, 1);
    const type = code(c, 4);
    if (!category || !type) continue;
    const row: Row = { category, type };
    const tm = code(c, 7);
    const rg = code(c, 10);
    const rm = code(c, 13);
    if (tm) row.typeModifier = tm;
    if (rg) row.region = rg;
    if (rm) row.regionModifier = rm;
    map.set(c[0]!.trim().toLowerCase(), row);
  }
  return map;
}

const SCT = (value: string, meaning: string): Code => ({ scheme: 'SCT', value, meaning });
const ANATOMY = SCT('123037004', 'Anatomical Structure');
const ALTERED = SCT('49755003', 'Morphologically Altered Structure');
const LEFT = SCT('7771000', 'Left');
const RIGHT = SCT('24028007', 'Right');

/** Same meaning, different TotalSegmentator name. */
const ALIASES: Record<string, string> = {
  bladder: 'urinary_bladder',
  'hepatic vessel': 'liver_vessels',
  'hepatic tumor': 'liver_tumor',
  airway: 'lung_airways',
  'left atrium': 'heart_atrium_left',
};

/** Classes neither table has: SNOMED CT / DCM concepts as listed in DICOM PS3.16 (CID 7150, 7151, 7166, 7140). */
const MANUAL: Record<string, Row & { why: string }> = {
  bone: { category: SCT('85756007', 'Tissue'), type: SCT('272673000', 'Bone'), why: 'DICOM PS3.16 CID 7166 (tissue types)' },
  'lung tumor': { category: ALTERED, type: SCT('108369006', 'Neoplasm'), region: SCT('39607008', 'Lung'), why: 'as liver_tumor, region Lung (SCT 39607008)' },
  'pancreatic tumor': { category: ALTERED, type: SCT('108369006', 'Neoplasm'), region: SCT('15776009', 'Pancreas'), why: 'as liver_tumor, region Pancreas (SCT 15776009)' },
  'colon cancer primaries': {
    category: ALTERED,
    type: SCT('86049000', 'Malignant neoplasm, primary'),
    region: SCT('71854001', 'Colon'),
    why: 'SNOMED CT morphology 86049000, region Colon (SCT 71854001)',
  },
  'bone lesion': { category: ALTERED, type: SCT('52988006', 'Lesion'), region: SCT('272673000', 'Bone'), why: 'as liver_lesions, region Bone (SCT 272673000)' },
  'prostate transitional zone': { category: ANATOMY, type: SCT('399384005', 'Transition zone of the prostate'), why: 'SNOMED CT body structure 399384005 (PI-RADS)' },
  'prostate peripheral zone': { category: ANATOMY, type: SCT('279706003', 'Peripheral zone of the prostate'), why: 'SNOMED CT body structure 279706003 (PI-RADS)' },
  'white matter hyperintensity': {
    category: ALTERED,
    type: { scheme: 'DCM', value: '110702', meaning: 'White Matter T2 Hyperintensity' },
    region: SCT('68523003', 'Cerebral white matter'),
    why: 'DICOM PS3.16 CID 7140 (DCM 110702), region CID 7710 (SCT 68523003)',
  },
  body: { category: ANATOMY, type: SCT('38266002', 'Entire body'), why: 'platform extension (id 200); SNOMED CT 38266002' },
};

/** Corrections of known quirks in the source tables (see ../shared/reference/README.md). */
function fixQuirks(name: string, row: Row): Row {
  const fixed: Row = { ...row };
  if (row.type.value === '75297007') fixed.type = { ...row.type, meaning: 'Gluteus minimus muscle' };
  if (!row.typeModifier && !row.regionModifier && !/\b(left|right)\b/i.test(row.type.meaning) && /^(left|right) /.test(name)) fixed.typeModifier = name.startsWith('left') ? LEFT : RIGHT;
  return fixed;
}

const norm = (s: string): string => s.toLowerCase().replace(/[_\s-]+/g, ' ').trim();
const wordKey = (s: string): string => norm(s).split(' ').sort().join(' ');

function main(): void {
  const tables = [
    { label: 'TotalSegmentator totalsegmentator_snomed_mapping.csv', map: readTable('totalsegmentator_snomed_mapping.csv') },
    { label: 'SlicerTotalSegmentator totalsegmentator_snomed_mapping.csv', map: readTable('slicertotalsegmentator_snomed_mapping.csv') },
  ];
  const dict = JSON.parse(readFileSync(join(ref, 'vista3d_label_dict.json'), 'utf8')) as Record<string, number>;
  const names: Array<[string, number]> = [...Object.entries(dict), ['body', 200]];
  const entries: Entry[] = [];
  for (const [name, id] of names) {
    const manual = MANUAL[name];
    if (manual) {
      const { why, ...row } = manual;
      entries.push({ id, name, ...row, source: `manual: ${why}` });
      continue;
    }
    const wanted = ALIASES[name] ?? name;
    let found: { row: Row; source: string } | null = null;
    for (const how of ['exact', 'word order'] as const) {
      for (const t of tables) {
        for (const [key, row] of t.map) {
          const hit = how === 'exact' ? norm(key) === norm(wanted) : wordKey(key) === wordKey(wanted);
          if (hit) {
            found = { row, source: `${t.label}: ${key}${ALIASES[name] ? ' (same meaning)' : ''}` };
            break;
          }
        }
        if (found) break;
      }
      if (found) break;
    }
    if (!found) throw new Error(`no code for VISTA3D class ${id} "${name}": add it to MANUAL`);
    entries.push({ id, name, ...fixQuirks(name, found.row), source: found.source });
  }
  entries.sort((a, b) => a.id - b.id);
  const doc = {
    description: 'DICOM coded terminology for every VISTA3D class (SEG segment codes, RTSTRUCT RT ROI Identification Codes). Generated by packages/labels/scripts/build-terminology.ts.',
    sources: [
      'TotalSegmentator totalsegmentator/resources/totalsegmentator_snomed_mapping.csv @0e65a448 (Apache-2.0)',
      'SlicerTotalSegmentator TotalSegmentator/Resources/totalsegmentator_snomed_mapping.csv @6a82370b (Apache-2.0)',
      'DICOM PS3.16 context groups and SNOMED CT concepts for the classes marked "manual"',
    ],
    entries,
  };
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`${entries.length} entries → ${out}`);
}

main();
