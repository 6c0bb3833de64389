// The viewer's Interactive segmentation panel: class, clicked points, Run / Clear / Accept, result.
import { ErrorBox } from '../components/ui.js';
import { formatMl } from '../lib/format.js';
import type { InteractiveResult, LabelDef } from '../lib/types.js';
import { ClassPicker } from './ClassPicker.js';

export interface PromptPoint {
  vox: [number, number, number];
  /** Inside the structure (click) or outside it (shift-click). */
  positive: boolean;
}

export function InteractivePanel(props: {
  enabled: boolean;
  onEnabledChange: (on: boolean) => void;
  classes: readonly LabelDef[];
  /** Ids the engine segments automatically (null: the engine does not say). */
  automatic: ReadonlySet<number> | null;
  classId: number;
  onClassChange: (id: number) => void;
  points: readonly PromptPoint[];
  onRemovePoint: (index: number) => void;
  busy: boolean;
  result: InteractiveResult | null;
  error: string | null;
  onRun: () => void;
  onClear: () => void;
  onAccept: () => void;
}) {
  const { enabled, classes, classId, points, busy, result, error } = props;
  return (
    <section className="panel" aria-label="Interactive segmentation">
      <div className="panel-head">
        <h3>Interactive segmentation</h3>
        <span className="spacer" />
        <label className="switch"><input type="checkbox" checked={enabled} onChange={(e) => props.onEnabledChange(e.target.checked)} aria-label="Interactive mode" /><span /></label>
      </div>
      {enabled && (
        <div className="interactive">
          <ClassPicker classes={classes} automatic={props.automatic} value={classId} onChange={props.onClassChange} />
          <div className="points">
            {points.length === 0 ? <span className="muted small">Click inside the structure (shift-click outside) on a 2D slice; the prompts are drawn on the image.</span>
              : points.map((p, i) => (
                <span key={i} className={`point ${p.positive ? 'pos' : 'neg'}`} data-testid="prompt-point">
                  {p.positive ? '+' : '−'} {p.vox.join(',')}
                  <button className="link-btn" aria-label={`Remove ${p.positive ? 'include' : 'exclude'} point ${p.vox.join(',')}`} onClick={() => props.onRemovePoint(i)}>✕</button>
                </span>
              ))}
          </div>
          <div className="row">
            <button className="btn btn-primary btn-small" disabled={busy || points.length === 0 || !classId} onClick={props.onRun}>{busy ? 'Running…' : 'Run'}</button>
            <button className="btn btn-small" disabled={busy || (points.length === 0 && !result)} onClick={props.onClear}>Clear</button>
            {result && <button className="btn btn-small btn-success" disabled={busy} onClick={props.onAccept}>Accept</button>}
          </div>
          {result && (
            <div className="small">
              Result: <b>{classes.find((l) => l.id === classId)?.name}</b> · {result.voxels.toLocaleString()} voxels · {formatMl(result.volumeMl)}
            </div>
          )}
          {error && <ErrorBox>{error}</ErrorBox>}
        </div>
      )}
    </section>
  );
}
