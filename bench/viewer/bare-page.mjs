/* global location, requestAnimationFrame, URLSearchParams */
// A bare NiiVue page: the same NiiVue build our viewer bundles, one canvas the size of the viewer's,
// `?url=<ct>&view=axial|multiplanar`. Marks `vista3d-first-draw` on the first frame with the CT, like
// the viewer does, so bench/viewer can compare the two first draws in the same browser. NiiVue's
// documented sequence: attach to the canvas (compiles the shaders), then load the volume.
import { Niivue, SHOW_RENDER, SLICE_TYPE } from '@niivue/niivue';

const q = new URLSearchParams(location.search);
if (!q.get('url')) throw new Error('bare NiiVue page: no ?url= (used only to reach this origin)');
const canvas = document.getElementById('gl');
// NiiVue sizes its canvas to the parent (isResizeCanvas): a box the size of the viewer's canvas area
const box = canvas.parentElement;
document.body.style.margin = '0';
box.style.position = 'relative';
box.style.width = `${q.get('w') ?? 1080}px`;
box.style.height = `${q.get('h') ?? 728}px`;
canvas.style.position = 'absolute';
canvas.style.width = '100%';
canvas.style.height = '100%';
const nv = new Niivue({ isResizeCanvas: true, logLevel: 'warn', multiplanarShowRender: SHOW_RENDER.ALWAYS, dragAndDropEnabled: false, isColorbar: false });
window.vista3dViewer = nv;
await nv.attachToCanvas(canvas);
nv.setSliceType(q.get('view') === 'multiplanar' ? SLICE_TYPE.MULTIPLANAR : SLICE_TYPE.AXIAL);
await nv.loadVolumes([{ url: q.get('url'), colormap: 'gray' }]);
requestAnimationFrame(() => performance.mark('vista3d-first-draw'));
