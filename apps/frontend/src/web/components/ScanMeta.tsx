// Study/series facts of a scan (from its conversion sidecar) and its conversion warnings.
import type { ScanInfo } from '../lib/types.js';

/** Label/value rows of what is known; none for a scan without a sidecar. */
export function metadataRows(scan: Pick<ScanInfo, 'metadata'>): Array<[string, string]> {
  const m = scan.metadata ?? {};
  const rows: Array<[string, string | undefined]> = [
    ['Modality', m.modality],
    ['Date', m.studyDate],
    ['Study', m.studyDescription],
    ['Series', [m.seriesNumber !== undefined ? `#${m.seriesNumber}` : '', m.seriesDescription ?? ''].filter(Boolean).join(' ') || undefined],
    ['Protocol', m.protocolName],
    ['Body part', m.bodyPart],
    ['Slice thickness', m.sliceThickness !== undefined ? `${m.sliceThickness} mm` : undefined],
    ['Kernel', m.kernel],
    ['Scanner', [m.manufacturer, m.model].filter(Boolean).join(' ') || undefined],
    ['kVp', m.kvp !== undefined ? String(m.kvp) : undefined],
    ['Converted with', m.convertedWith],
  ];
  return rows.filter((r): r is [string, string] => !!r[1]);
}

export function ScanMeta({ scan, compact = false }: { scan: Pick<ScanInfo, 'metadata' | 'warnings'>; compact?: boolean }) {
  const rows = metadataRows(scan).filter(([k]) => !compact || ['Modality', 'Date', 'Series', 'Slice thickness', 'Kernel'].includes(k));
  const warnings = scan.warnings ?? [];
  return (
    <div className="series-meta" data-testid="series-meta">
      {rows.length === 0 ? <div className="small muted">No study/series information (no conversion sidecar).</div> : (
        <dl className="meta-list">
          {rows.map(([k, v]) => <div key={k}><dt>{k}</dt><dd data-meta={k}>{v}</dd></div>)}
        </dl>
      )}
      {warnings.length > 0 && (
        <ul className="meta-warnings" aria-label="Conversion warnings">
          {warnings.map((w) => <li key={w}>⚠ {w}</li>)}
        </ul>
      )}
    </div>
  );
}
