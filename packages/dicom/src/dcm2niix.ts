import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Dcm2niixRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

let cached: string | null | undefined;

/**
 * Path of the native dcm2niix binary: `$DCM2NIIX_PATH`, else the first `dcm2niix` on `$PATH`
 * (`/usr/bin/dcm2niix` on Debian). Null when there is none.
 */
export function findDcm2niix(): string | null {
  const fromEnv = process.env.DCM2NIIX_PATH;
  if (fromEnv) return fromEnv;
  if (cached === undefined) cached = findOnPath('dcm2niix');
  return cached;
}

/** First executable `name` on `$PATH`, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // keep looking
    }
  }
  return null;
}

/** Version line of the binary ("v1.0.20220720"), or null. */
export function dcm2niixVersion(bin = findDcm2niix()): string | null {
  if (!bin) return null;
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', timeout: 10_000 });
  const m = /v\d+\.\d+\.\d+\w*/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? m[0] : null;
}

/** Runs dcm2niix with arguments; resolves with the exit code (never rejects on a non-zero code). */
export function runDcm2niix(bin: string, args: string[], signal?: AbortSignal): Promise<Dcm2niixRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 1 << 20) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 1 << 20) stderr += d;
    });
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new Error(`cannot run ${bin}: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) {
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        return;
      }
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}
