#!/usr/bin/env node
// Bundles each service into one ESM file (apps/<app>/dist/server.mjs) for container images, so the
// final image needs no TypeScript tooling. Native modules stay external and are installed as
// production dependencies. Usage: node scripts/build.mjs [backend|image-server|frontend ...]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeOutputs } from './write-outputs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = {
  backend: 'apps/backend/src/main.ts',
  'image-server': 'apps/image-server/src/main.ts',
  frontend: 'apps/frontend/src/server/main.ts',
  worker: 'apps/worker/src/main.ts',
};
// Further bundles an image ships beside server.mjs: the worker image also runs the migrations hook Job.
const EXTRA = { worker: { 'migrate.mjs': 'apps/worker/src/migrate.ts' } };
// Native addons and packages that load files relative to themselves at run time.
const EXTERNAL = ['onnxruntime-node', 'onnxruntime-common', 'pg-native', '@node-rs/argon2'];

const wanted = process.argv.slice(2);
const apps = wanted.length ? wanted : Object.keys(ENTRIES);
for (const app of apps) {
  const entry = ENTRIES[app];
  if (!entry) throw new Error(`unknown app "${app}"; expected one of ${Object.keys(ENTRIES).join(', ')}`);
  const started = Date.now();
  for (const [out, extra] of Object.entries(EXTRA[app] ?? {})) await bundle(extra, join(root, 'apps', app, 'dist', out));
  await bundle(entry, join(root, 'apps', app, 'dist', 'server.mjs'));
  console.log(`build: ${app} -> apps/${app}/dist/server.mjs (${Date.now() - started} ms)`);
  if (app === 'frontend') {
    const webBuild = join(root, 'apps/frontend/scripts/build-web.mjs');
    if (existsSync(webBuild)) {
      const res = spawnSync(process.execPath, [webBuild], { cwd: root, stdio: 'inherit' });
      if (res.status !== 0) process.exit(res.status ?? 1);
    }
  }
}

async function bundle(entry, outfile) {
  // Written atomically: tests and `npm start` may run a bundle while another build replaces it.
  const result = await build({
    write: false,
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    external: EXTERNAL,
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  writeOutputs(result.outputFiles);
}
