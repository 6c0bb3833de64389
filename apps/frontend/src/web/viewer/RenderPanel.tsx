// The 3D panel: the volume render on/off (it steps aside by itself while a mesh is shown) and a clip plane.

/** NiiVue clip planes as [depth, azimuth, elevation]: the half of the volume on the named side is cut away. */
export const CLIP_PRESETS: ReadonlyArray<{ id: string; name: string; azimuth: number; elevation: number }> = [
  { id: 'off', name: 'No clip plane', azimuth: 0, elevation: 0 },
  { id: 'left', name: 'Clip: left', azimuth: 270, elevation: 0 },
  { id: 'right', name: 'Clip: right', azimuth: 90, elevation: 0 },
  { id: 'posterior', name: 'Clip: posterior', azimuth: 0, elevation: 0 },
  { id: 'anterior', name: 'Clip: anterior', azimuth: 180, elevation: 0 },
  { id: 'inferior', name: 'Clip: inferior', azimuth: 0, elevation: -90 },
  { id: 'superior', name: 'Clip: superior', azimuth: 0, elevation: 90 },
];

export function RenderPanel({ volumeRender, auto, meshShown, onVolumeRender, clip, onClip }: {
  volumeRender: boolean;
  /** The volume render follows the meshes (no explicit choice yet). */
  auto: boolean;
  meshShown: boolean;
  onVolumeRender: (on: boolean | null) => void;
  clip: { preset: string; depth: number };
  onClip: (c: { preset: string; depth: number }) => void;
}) {
  return (
    <section className="panel" aria-label="3D">
      <h3>3D</h3>
      <label className="check"><input type="checkbox" checked={volumeRender} onChange={(e) => onVolumeRender(e.target.checked)} />Volume render</label>
      {auto && meshShown && <div className="small muted">Hidden while meshes are shown, so they are not buried in the CT.</div>}
      {!auto && <button className="link-btn small" onClick={() => onVolumeRender(null)}>automatic</button>}
      <div className="row">
        <select aria-label="Clip plane" value={clip.preset} onChange={(e) => onClip({ ...clip, preset: e.target.value })}>
          {CLIP_PRESETS.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
        <input type="range" aria-label="Clip depth" min={-0.9} max={0.9} step={0.05} value={clip.depth} disabled={clip.preset === 'off'} onChange={(e) => onClip({ ...clip, depth: Number(e.target.value) })} />
      </div>
    </section>
  );
}
