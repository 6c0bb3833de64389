export type Rgb = readonly [number, number, number];

export interface LabelInfo {
  /** VISTA3D class id (1–150), or an extension id (>= 200) for classes VISTA3D does not have. */
  readonly id: number;
  /** Canonical VISTA3D class name, e.g. "left kidney". */
  readonly name: string;
  readonly color: Rgb;
  /** Anatomical group used by the built-in label sets and the viewer's label list. */
  readonly group: LabelGroup;
  /** True for ids outside the VISTA3D dictionary (our own extensions). */
  readonly extension: boolean;
}

export type LabelGroup =
  | 'organ'
  | 'vessel'
  | 'bone'
  | 'lung'
  | 'muscle'
  | 'lesion'
  | 'other';
