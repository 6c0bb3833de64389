// Dev only: screenshots of every page against a running server: `npx tsx .../dev-shots.ts URL OUTDIR`.
import { launchBrowser } from './browser.js';

const [url, out = '/tmp/v3d-shots'] = process.argv.slice(2);
const b = await launchBrowser();
b.page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log('console:', m.type(), m.text()); });
b.page.on('pageerror', (e) => console.log('pageerror:', e.message));
for (const [name, hash, wait] of [
  ['dashboard', '#/dashboard', 1500], ['data', '#/data/sample_patient', 1500], ['jobs', '#/jobs', 800],
  ['viewer', '#/viewer/sample_patient/totalseg_example_ct', 6000], ['export', '#/export/sample_patient/totalseg_example_ct', 1000],
] as const) {
  await b.page.goto(`${url}/${hash}`);
  await b.page.waitForTimeout(wait);
  await b.page.screenshot({ path: `${out}/${name}.png` });
  console.log('shot', name);
}
await b.close();
