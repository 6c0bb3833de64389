// The interactive segmentation's class picker: searchable, grouped by anatomy, each class marked with
// what the engine does for it (segments it automatically, or only from clicks). No "body" class.
import { useMemo, useState } from 'react';
import { rgbCss } from '../lib/colormap.js';
import type { LabelDef } from '../lib/types.js';
import { groupClasses, pickableClasses } from './class-groups.js';

export function ClassPicker({ classes, automatic, value, onChange }: {
  classes: readonly LabelDef[];
  /** Ids the engine segments without prompts; null when the engine does not say. */
  automatic: ReadonlySet<number> | null;
  value: number;
  onChange: (id: number) => void;
}) {
  const [filter, setFilter] = useState('');
  const pickable = useMemo(() => pickableClasses(classes), [classes]);
  const groups = useMemo(() => groupClasses(pickable, filter), [pickable, filter]);
  const chosen = pickable.find((l) => l.id === value);
  const autoCount = automatic ? pickable.filter((l) => automatic.has(l.id)).length : null;
  return (
    <div className="class-picker">
      <div className="small">
        {chosen ? <><span className="swatch" style={{ background: rgbCss(chosen.color) }} /> <b data-testid="chosen-class">{chosen.name}</b></> : <span className="muted" data-testid="chosen-class">No class chosen</span>}
      </div>
      <input type="search" className="input-small" placeholder="Find a class (name, group or id)…" aria-label="Find a class" value={filter} onChange={(e) => setFilter(e.target.value)} />
      {autoCount !== null && <div className="small muted" data-testid="class-engine-summary">{autoCount} of {pickable.length} classes segmented automatically by the engine; the others by clicks only.</div>}
      <div className="class-list" role="listbox" aria-label="Class">
        {groups.map((g) => (
          <div key={g.id} role="group" aria-label={g.name}>
            <div className="class-group">{g.name} <span className="muted">{g.classes.length}</span></div>
            {g.classes.map((l) => {
              const auto = automatic?.has(l.id);
              return (
                <div key={l.id} role="option" aria-selected={l.id === value} data-class-id={l.id} className={`class-option ${l.id === value ? 'on' : ''}`} onClick={() => onChange(l.id)} title={`${l.name} (id ${l.id})`}>
                  <span className="swatch" style={{ background: rgbCss(l.color) }} />
                  <span className="label-name">{l.name}</span>
                  {automatic && <span className={`engine-tag ${auto ? 'auto' : 'clicks'}`}>{auto ? 'auto + clicks' : 'clicks only'}</span>}
                </div>
              );
            })}
          </div>
        ))}
        {groups.length === 0 && <div className="muted small">No class matches “{filter}”.</div>}
      </div>
    </div>
  );
}
