import table from '../data/vista3d_terminology.json' with { type: 'json' };

/** A DICOM code triple (Coding Scheme Designator, Code Value, Code Meaning). */
export interface CodedConcept {
  readonly scheme: string;
  readonly value: string;
  readonly meaning: string;
}

/**
 * Coded terminology of one class, as DICOM SEG (Segment Sequence) and RTSTRUCT (RT ROI Identification
 * Code Sequence) need it. `source` says which table (or manual look-up) each entry comes from.
 */
export interface LabelTerminology {
  readonly id: number;
  readonly name: string;
  readonly category: CodedConcept;
  readonly type: CodedConcept;
  /** Laterality of the structure itself (SCT 7771000 Left / 24028007 Right). */
  readonly typeModifier?: CodedConcept;
  /** Where a lesion or generic type sits (e.g. Neoplasm in Liver). */
  readonly region?: CodedConcept;
  readonly regionModifier?: CodedConcept;
  readonly source: string;
}

/** The sources the table was built from (see packages/labels/scripts/build-terminology.ts). */
export const TERMINOLOGY_SOURCES: readonly string[] = table.sources;
export const TERMINOLOGY: readonly LabelTerminology[] = Object.freeze(table.entries as LabelTerminology[]);
const byId = new Map(TERMINOLOGY.map((t) => [t.id, t]));

/** The coded terminology of a class id; undefined for ids the platform does not know. */
export function labelTerminology(id: number): LabelTerminology | undefined {
  return byId.get(id);
}
