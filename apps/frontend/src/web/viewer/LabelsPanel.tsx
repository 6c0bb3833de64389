// The viewer's Labels panel: per-label show/hide with colour swatch and volume, all/none, filter.
import { useState } from 'react';
import { displayColor, rgbCss } from '../lib/colormap.js';
import { formatMl } from '../lib/format.js';
import { href } from '../lib/router.js';
import type { SegmentLabel } from '../lib/types.js';

export function LabelsPanel({ patient, segmented, labels, hidden, onHiddenChange }: {
  patient: string;
  segmented: boolean;
  labels: readonly SegmentLabel[];
  hidden: ReadonlySet<number>;
  onHiddenChange: (next: Set<number>) => void;
}) {
  const [filter, setFilter] = useState('');
  const shown = labels.filter((l) => !filter || l.name.toLowerCase().includes(filter.toLowerCase()));
  const toggle = (id: number, on: boolean) => {
    const next = new Set(hidden);
    if (on) next.delete(id); else next.add(id);
    onHiddenChange(next);
  };
  return (
    <section className="panel labels-panel" aria-label="Labels">
      <div className="panel-head">
        <h3>Labels</h3>
        <span className="muted small">{labels.length}</span>
        <span className="spacer" />
        {labels.length > 0 && <>
          <button className="link-btn" onClick={() => onHiddenChange(new Set())}>all</button>
          <button className="link-btn" onClick={() => onHiddenChange(new Set(labels.map((l) => l.id)))}>none</button>
        </>}
      </div>
      {!segmented && <div className="muted small">Not segmented yet. Start a segmentation on the <a href={href({ page: 'data', patient })}>Data</a> page.</div>}
      {labels.length > 8 && <input type="search" className="input-small" placeholder="Filter labels…" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter labels" />}
      <ul className="label-list" data-testid="label-list">
        {shown.map((l) => (
          <li key={l.id} className={hidden.has(l.id) ? 'off' : ''}>
            <label title={`${l.name} (id ${l.id}): ${l.voxels.toLocaleString()} voxels, ${formatMl(l.volumeMl)}`}>
              <input type="checkbox" checked={!hidden.has(l.id)} aria-label={`Show ${l.name}`} data-label-id={l.id} onChange={(e) => toggle(l.id, e.target.checked)} />
              <span className="swatch" style={{ background: rgbCss(displayColor(l.color)) }} />
              <span className="label-name">{l.name}</span>
              <span className="label-vol">{formatMl(l.volumeMl)}</span>
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}
