// The label editor and measurement tools (state in use-editor.ts): tool, label (any class: a new one
// is created by painting it), size, 3D sphere, HU range, locks, undo/redo, interpolation, save.
import { useMemo, useState } from 'react';
import { rgbCss } from '../lib/colormap.js';
import type { LabelDef } from '../lib/types.js';
import { EDIT_TOOLS, MEASURE_TOOLS, type EditorState, type EditTool } from './use-editor.js';

const TOOL_NAMES: Record<EditTool, string> = {
  none: 'Off', brush: 'Brush', eraser: 'Eraser', fill: 'Fill',
  distance: 'Distance', circle: 'ROI circle', rectangle: 'ROI rectangle', sphere: 'ROI sphere',
};

const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '–');

export function EditPanel({ editor, classes, canEdit = true }: { editor: EditorState; classes: readonly LabelDef[]; canEdit?: boolean }) {
  const [comment, setComment] = useState('');
  const present = useMemo(() => [...editor.counts.keys()].sort((a, b) => a - b), [editor.counts]);
  const byId = useMemo(() => new Map(classes.map((c) => [c.id, c])), [classes]);
  const sorted = useMemo(() => [...classes].sort((a, b) => a.name.localeCompare(b.name)), [classes]);
  const m = editor.measurement;
  const toolButton = (t: EditTool) => (
    <button key={t} className={`seg-btn ${editor.tool === t ? 'on' : ''}`} aria-pressed={editor.tool === t} onClick={() => editor.setTool(editor.tool === t ? 'none' : t)}>
      {TOOL_NAMES[t]}
    </button>
  );
  const current = byId.get(editor.labelId);
  return (
    <section className="panel edit-panel" aria-label="Edit and measure">
      <div className="panel-head">
        <h3>Edit &amp; measure</h3>
        <span className="spacer" />
        {editor.tool !== 'none' && <button className="link-btn" onClick={() => editor.setTool('none')}>tools off</button>}
      </div>
      {canEdit && (
        <>
          <div className="seg-buttons" role="group" aria-label="Edit tools">{EDIT_TOOLS.map(toolButton)}</div>
          <label className="field small">Label
            <select aria-label="Edit label" value={editor.labelId} onChange={(e) => editor.setLabelId(Number(e.target.value))}>
              <optgroup label="In this segmentation">
                {present.map((id) => <option key={id} value={id}>{byId.get(id)?.name ?? `label ${id}`} ({id})</option>)}
              </optgroup>
              <optgroup label="New label">
                {sorted.filter((c) => !editor.counts.has(c.id)).map((c) => <option key={c.id} value={c.id}>{c.name} ({c.id})</option>)}
              </optgroup>
            </select>
            {current && <span className="swatch" style={{ background: rgbCss(current.color) }} />}
          </label>
          <label className="field small">Size {editor.sizeMm} mm
            <input type="range" aria-label="Brush size (mm)" min={1} max={40} step={1} value={editor.sizeMm} onChange={(e) => editor.setSizeMm(Number(e.target.value))} />
          </label>
          <label className="check small"><input type="checkbox" checked={editor.sphere} onChange={(e) => editor.setSphere(e.target.checked)} />3D sphere brush</label>
          <div className="small">
            <label className="check"><input type="checkbox" aria-label="Limit to HU range" checked={!!editor.huRange} onChange={(e) => editor.setHuRange(e.target.checked ? [-100, 300] : null)} />HU range</label>
            {editor.huRange && <>
              <input type="number" className="num-w" aria-label="HU minimum" value={editor.huRange[0]} onChange={(e) => editor.setHuRange([Number(e.target.value), editor.huRange![1]])} />
              –
              <input type="number" className="num-w" aria-label="HU maximum" value={editor.huRange[1]} onChange={(e) => editor.setHuRange([editor.huRange![0], Number(e.target.value)])} />
            </>}
          </div>
          {present.length > 0 && (
            <details className="small">
              <summary>Locked labels ({editor.locked.size})</summary>
              <div className="lock-list">
                {present.map((id) => (
                  <label key={id} className="check">
                    <input type="checkbox" aria-label={`Lock ${byId.get(id)?.name ?? id}`} checked={editor.locked.has(id)} onChange={(e) => {
                      const next = new Set(editor.locked);
                      if (e.target.checked) next.add(id); else next.delete(id);
                      editor.setLocked(next);
                    }} />
                    {byId.get(id)?.name ?? `label ${id}`}
                  </label>
                ))}
              </div>
            </details>
          )}
          <div className="tool-group">
            <button className="btn btn-small" onClick={editor.undo} disabled={!editor.canUndo} title="Ctrl+Z">Undo</button>
            <button className="btn btn-small" onClick={editor.redo} disabled={!editor.canRedo} title="Ctrl+Y / Ctrl+Shift+Z">Redo</button>
            <button className="btn btn-small" onClick={editor.interpolate} title="Fill the slices between drawn slices of this label (shape-based)">Interpolate</button>
          </div>
          <div className="tool-group">
            <input type="text" aria-label="Version comment" placeholder="comment (optional)" value={comment} onChange={(e) => setComment(e.target.value)} />
            <button className="btn btn-small btn-primary" disabled={editor.saving || editor.changes === 0} onClick={() => void editor.save(comment).then(() => setComment(''))}>
              {editor.saving ? 'Saving…' : 'Save as new version'}
            </button>
          </div>
          <div className="small muted" data-testid="edit-status">{editor.changes} unsaved edit(s){editor.viewing !== null ? ` · viewing version ${editor.viewing} (read-only)` : ''}</div>
        </>
      )}
      <div className="seg-buttons" role="group" aria-label="Measure tools">{MEASURE_TOOLS.map(toolButton)}</div>
      {m && (
        <div className="measure-result small" data-testid="measurement">
          {m.kind === 'distance' && (m.distanceMm !== undefined ? <div>Distance: <b>{fmt(m.distanceMm)} mm</b></div> : <div>Click the second point</div>)}
          {m.stats && (
            <div>
              {m.radiusMm !== undefined && m.kind !== 'rectangle' && <div>Radius {fmt(m.radiusMm)} mm</div>}
              <div>HU mean <b>{fmt(m.stats.mean)}</b> · SD {fmt(m.stats.sd)} · min {fmt(m.stats.min, 0)} · max {fmt(m.stats.max, 0)}</div>
              <div>{m.stats.voxels} voxels{m.stats.areaMm2 !== undefined ? ` · area ${fmt(m.stats.areaMm2 / 100, 2)} cm²` : ''} · volume {fmt(m.stats.volumeMl, 2)} mL</div>
            </div>
          )}
        </div>
      )}
      {editor.message && <div className="small muted">{editor.message}</div>}
      {editor.error && <div className="error-text small" role="alert">{editor.error}</div>}
    </section>
  );
}
