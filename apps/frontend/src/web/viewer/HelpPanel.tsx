// The "?" panel: every keyboard shortcut of the viewer.
import { SHORTCUTS } from './shortcuts.js';

export function HelpPanel({ onClose }: { onClose: () => void }) {
  return (
    <div className="help-panel" role="dialog" aria-label="Keyboard shortcuts">
      <div className="panel-head"><h3>Keyboard shortcuts</h3><span className="spacer" /><button className="link-btn" onClick={onClose} aria-label="Close shortcuts">✕</button></div>
      <table className="shortcut-table">
        <tbody>
          {SHORTCUTS.map((s) => <tr key={s.keys}><td><kbd>{s.keys}</kbd></td><td>{s.action}</td></tr>)}
        </tbody>
      </table>
      <div className="small muted">Mouse: click moves the crosshair (in interactive mode it adds a prompt; shift-click an exclude prompt; click a prompt marker to remove it), scroll changes the slice, right-drag sets the window.</div>
    </div>
  );
}
