#!/usr/bin/env node
// The one test command (`npm test`): lint, type-check, then every *.test.ts under packages/, apps/,
// helm/ and tests/ with Node's built-in runner (TypeScript loaded through tsx).
// `npm test -- <path-substring> ...` runs only the matching test files and skips lint/typecheck.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const ROOTS = ['packages', 'apps', 'helm', 'tests'];

function findTests(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

function run(cmd, args, label) {
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  console.log(`# ${label}: ${res.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return res.status ?? 1;
}

const files = ROOTS.flatMap((r) => findTests(join(root, r), [])).sort()
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let failed = 0;
if (filters.length === 0) {
  failed |= run('npx', ['eslint', '.'], 'eslint');
  failed |= run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], 'typecheck');
  failed |= run('npx', ['tsc', '-p', 'apps/frontend/tsconfig.web.json', '--noEmit'], 'typecheck (web UI)');
}
// Files that measure the latency of a server under its own load (a mesh job beside /health < 100 ms)
// run after the others, alone: on 2 cores a second test file's work would be measured instead.
const SOLO = ['tests/e2e/mesh-full-resolution.test.ts'];
const nodeTest = (list, concurrency, label) => run(process.execPath, [
  '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`,
  '--test-timeout=300000', ...list,
], label);
const shared = files.filter((f) => !SOLO.includes(f));
const solo = files.filter((f) => SOLO.includes(f));
if (shared.length > 0) failed |= nodeTest(shared, process.env.TEST_CONCURRENCY ?? '2', `node --test (${shared.length} files)`);
if (solo.length > 0) failed |= nodeTest(solo, '1', `node --test, alone (${solo.length} file${solo.length > 1 ? 's' : ''})`);
process.exit(failed ? 1 : 0);
