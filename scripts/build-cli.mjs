#!/usr/bin/env node
// Compiles the command-line tools to JavaScript so they start without TypeScript compilation:
//   packages/cli/src/entry.ts      -> packages/cli/dist/vista3d.mjs      (the `vista3d` bin)
//   packages/phantom/src/cli.ts    -> packages/phantom/dist/phantom.mjs  (demo study for `npm start`)
// Run by scripts/setup.sh and scripts/start.mjs (the services are built by scripts/build.mjs).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeOutputs } from './write-outputs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOOLS = {
  'packages/cli/dist': { vista3d: 'packages/cli/src/entry.ts' },
  'packages/phantom/dist': { phantom: 'packages/phantom/src/cli.ts' },
};
const started = Date.now();
// Written atomically, stale chunks of earlier builds pruned afterwards: a test or `npm start` may be
// running the bin while another build replaces it.
await Promise.all(
  Object.entries(TOOLS).map(async ([outdir, entries]) => {
    const result = await build({
      write: false,
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
    });
    writeOutputs(result.outputFiles, { prune: join(root, outdir) });
  }),
);
console.log(`build-cli: ${Object.keys(TOOLS).join(', ')} (${Date.now() - started} ms)`);
