// The viewer's Cursor panel: label and HU under the last click, voxel and world coordinates.
import { rgbCss } from '../lib/colormap.js';
import { formatDims, formatSpacing } from '../lib/format.js';
import type { Rgb, ScanInfo } from '../lib/types.js';
import { patientSide } from './orientation.js';

export interface Readout {
  hu: number | null;
  labelId: number;
  vox: [number, number, number];
  mm: [number, number, number];
}

export function CursorPanel({ readout, label, scan }: {
  readout: Readout | null;
  /** The label under the cursor; undefined on background. */
  label?: { name: string; color: Rgb };
  scan: ScanInfo | null;
}) {
  return (
    <section className="panel" aria-label="Cursor">
      <h3>Cursor</h3>
      {readout ? (
        <div className="readout" data-testid="readout">
          <div className="readout-label">
            {label ? <><span className="swatch" style={{ background: rgbCss(label.color) }} /><b data-testid="cursor-label">{label.name}</b></> : <span className="muted" data-testid="cursor-label">background</span>}
          </div>
          <div><span className="muted">HU</span> <b data-testid="cursor-hu">{readout.hu === null ? '–' : Math.round(readout.hu)}</b></div>
          <div className="small" data-testid="cursor-side">{readout.mm.map((v, i) => patientSide(i as 0 | 1 | 2, v)).join(' · ')} mm</div>
          <div className="small muted" data-testid="cursor-coords">voxel {readout.vox.map((v) => Math.round(v)).join(', ')} · RAS {readout.mm.map((v) => v.toFixed(1)).join(', ')} mm</div>
        </div>
      ) : <div className="muted small">Click the image to read HU and label.</div>}
      {scan && <div className="small muted">{formatDims(scan.dims)} · {formatSpacing(scan.spacing)} · {scan.orientation}</div>}
    </section>
  );
}
