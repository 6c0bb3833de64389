#!/usr/bin/env node
// Compiles the command-line tools to JavaScript so they start without TypeScript compilation:
//   packages/cli/src/entry.ts      -> packages/cli/dist/vista3d.mjs      (the `vista3d` bin)
//   packages/phantom/src/cli.ts    -> packages/phantom/dist/phantom.mjs  (demo study for `npm start`)
// Run by scripts/setup.sh and scripts/start.mjs (the services are built by scripts/build.mjs).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOOLS = {
  'packages/cli/dist': { vista3d: 'packages/cli/src/entry.ts' },
  'packages/phantom/dist': { phantom: 'packages/phantom/src/cli.ts' },
};
const started = Date.now();
// stale chunks of earlier builds would pile up next to the new ones
for (const outdir of Object.keys(TOOLS)) rmSync(join(root, outdir), { recursive: true, force: true });
await Promise.all(
  Object.entries(TOOLS).map(([outdir, entries]) =>
    build({
      entryPoints: Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, join(root, entry)])),
      outdir: join(root, outdir),
      outExtension: { '.js': '.mjs' },
      // commands load their heavy libraries (ONNX runtime, mesh, DICOMweb) on use: separate chunks
      splitting: true,
      minify: true,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: true,
      // native addon: loaded from node_modules at run time
      external: ['onnxruntime-node', 'onnxruntime-common'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'warning',
    }),
  ),
);
console.log(`build-cli: ${Object.keys(TOOLS).join(', ')} (${Date.now() - started} ms)`);
