#!/usr/bin/env node
// Bundles the web app (React + NiiVue) with esbuild: src/web/main.tsx → dist/web/{index.html, app.js, app.css}.
// Offline and fast (one esbuild call). `node scripts/build-web.mjs [--dev] [--outdir DIR]`.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = join(appRoot, 'dist', 'web');

/**
 * Builds the web app into `outdir` and returns the output files with their sizes.
 * @param {{ outdir?: string, minify?: boolean, sourcemap?: boolean }} [options]
 */
export async function buildWeb(options = {}) {
  const outdir = resolve(options.outdir ?? DEFAULT_OUTDIR);
  const minify = options.minify ?? true;
  const started = Date.now();
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: appRoot,
    entryPoints: { app: join(appRoot, 'src/web/main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    minify,
    sourcemap: options.sourcemap ?? !minify,
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': JSON.stringify(minify ? 'production' : 'development') },
    loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff2': 'file' },
  });
  const html = await readFile(join(appRoot, 'src/web/index.html'), 'utf8');
  await writeFile(join(outdir, 'index.html'), html);
  await copyFile(join(appRoot, 'src/web/favicon.svg'), join(outdir, 'favicon.svg'));
  const files = Object.entries(result.metafile.outputs).map(([file, info]) => ({ file, bytes: info.bytes }));
  return { outdir, files, ms: Date.now() - started };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--outdir');
  const res = await buildWeb({ minify: !args.includes('--dev'), outdir: outIdx >= 0 ? args[outIdx + 1] : undefined });
  for (const f of res.files) console.log(`${f.file.padEnd(40)} ${(f.bytes / 1024).toFixed(0).padStart(7)} KiB`);
  console.log(`web app built in ${res.ms} ms → ${res.outdir}`);
}
