#!/usr/bin/env node
// vista3d command-line tool: runs the compiled bundle (no TypeScript compilation at start-up).
// Build it with `node scripts/build-cli.mjs` (scripts/setup.sh does).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/vista3d.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('vista3d: not built yet — run `node scripts/build-cli.mjs` (or `npm run setup`)\n');
  process.exit(1);
}
await import(bundle);
