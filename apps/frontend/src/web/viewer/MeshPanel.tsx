// The viewer's Meshes panel: one row per mesh with show/hide, colour, name, format and opacity.
import { ErrorBox, Pill } from '../components/ui.js';
import { rgbCss } from '../lib/colormap.js';
import type { LabelDef, ScanInfo } from '../lib/types.js';
import type { ViewerMeshes } from './use-viewer-meshes.js';

export function MeshPanel({ scan, meshes, labelById, stale = false, onShow3D }: {
  scan: ScanInfo;
  meshes: ViewerMeshes;
  labelById: ReadonlyMap<number, LabelDef>;
  /** The segmentation changed after these meshes were made. */
  stale?: boolean;
  /** Set when the 3D render is not the current view. */
  onShow3D?: () => void;
}) {
  const hiddenFormats = scan.meshes.length - meshes.meshes.length;
  return (
    <section className="panel" aria-label="Meshes">
      <div className="panel-head"><h3>Meshes</h3><span className="muted small">{scan.meshes.length}</span></div>
      {stale && <div className="warn-box small" role="alert" data-testid="meshes-stale">⚠ The segmentation changed after these meshes were made: they show the old labels. Run <b>Meshes</b> again (Data or Jobs page).</div>}
      {meshes.error && <ErrorBox>{meshes.error}</ErrorBox>}
      {hiddenFormats > 0 && <div className="muted small">{hiddenFormats} mesh file(s) in formats the viewer cannot show (e.g. GLB) — download them on the Export page.</div>}
      <ul className="label-list mesh-list">
        {meshes.meshes.map((m) => {
          const l = m.labelId !== undefined ? labelById.get(m.labelId) : undefined;
          const name = l?.name ?? m.url.split('/').pop() ?? m.url;
          const on = meshes.visible(m.url);
          const opacity = meshes.opacity(m.url);
          return (
            <li key={m.url} className={on ? '' : 'off'}>
              <label>
                <input type="checkbox" checked={on} aria-label={`Show ${name} mesh`} data-label-id={m.labelId} onChange={(e) => meshes.setVisible(m.url, e.target.checked)} />
                <span className="swatch" style={{ background: l ? rgbCss(l.color) : '#ccc' }} />
                <span className="label-name">{name}</span>
                <Pill kind="muted">{m.format}</Pill>
              </label>
              <input type="range" className="mesh-opacity" aria-label={`${name} mesh opacity`} title={`Opacity ${Math.round(opacity * 100)}%`}
                min={0.1} max={1} step={0.05} value={opacity} disabled={!on} onChange={(e) => meshes.setOpacity(m.url, Number(e.target.value))} />
            </li>
          );
        })}
      </ul>
      {onShow3D && <button className="link-btn small" onClick={onShow3D}>Show in 3D</button>}
    </section>
  );
}
