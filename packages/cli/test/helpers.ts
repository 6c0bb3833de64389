// Shared by the CLI tests: where the bin and the shared data are, building the bundle the bin runs,
// and running the bin as a child process.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const BIN = resolve(here, '../bin/vista3d.mjs');
export const SHARED = process.env.VISTA3D_SHARED_DATA ?? resolve(here, '../../../../shared/data');
export const DICOM = join(SHARED, 'dicom');

/** The bin runs the compiled bundle: build it from the current sources. */
export function buildCli(): void {
  const built = spawnSync(process.execPath, [resolve(here, '../../../scripts/build-cli.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `vista3d args…`; `env` is added to this process's environment. The child is killed after
 * `killAfterMs` (2 min by default; 0 = never, for runs whose own test timeout is the bound).
 */
export function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; killAfterMs?: number } = {}): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killAfterMs = options.killAfterMs ?? 120_000;
    const timer = killAfterMs > 0 ? setTimeout(() => child.kill('SIGKILL'), killAfterMs) : undefined;
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? 1, stdout, stderr });
    });
  });
}
