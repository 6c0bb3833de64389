import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { JobFailure } from './jobs.js';

/**
 * Heavy job work (meshing, DICOM conversion) runs in a child Node process, never on the web server's
 * event loop. A child, not a worker thread: a V8 fatal error ("invalid array length", heap OOM without
 * a near-limit callback), a native crash or the kernel's OOM killer ends only that process, and the
 * job fails with a clear error while the server keeps answering.
 *
 * Protocol (IPC): parent → child `{ task, args }`; child → parent `{ type: 'progress', args }`,
 * `{ type: 'done', result }` or `{ type: 'error', code, message }`. A task is an async function whose
 * last argument is an options object; the child adds `signal` and `onProgress` to it, so library
 * functions such as `exportMeshes(labelPath, outDir, options)` run unchanged.
 */

/** The environment variable that turns a process started from a task entry into a task child. */
export const TASK_CHILD_ENV = 'VISTA3D_TASK_CHILD';

export type TaskFunction = (...args: never[]) => Promise<unknown>;
export type TaskRegistry = Record<string, TaskFunction>;

export interface IsolatedOptions {
  signal?: AbortSignal;
  /** Arguments of the task's `onProgress` calls, forwarded as they come. */
  onProgress?: (...args: unknown[]) => void;
  /** V8 heap limit of the child (--max-old-space-size), MiB. */
  heapMb?: number;
  /** Resident memory limit (heap + typed arrays), MiB: the child is killed above it (Linux /proc). */
  rssMb?: number;
  /** Called with the child's peak memory and run time when it succeeded. */
  onStats?: (stats: TaskStats) => void;
  /** Module whose top level calls `serveTasks(registry)` when `isTaskChild()`. */
  entry: string | URL;
}

type ChildMessage =
  | { type: 'progress'; args: unknown[] }
  | { type: 'done'; result: unknown; stats: TaskStats }
  | { type: 'error'; code: string; message: string };

/** What a task child reports about itself when it finishes. */
export interface TaskStats {
  /** Peak resident memory of the child process, MiB. */
  peakRssMb: number;
  seconds: number;
}

const children = new Set<ChildProcess>();

/** PIDs of the task children running now (diagnostics, crash tests). */
export function taskChildPids(): number[] {
  return [...children].map((c) => c.pid).filter((p): p is number => p !== undefined);
}

export function isTaskChild(): boolean {
  return process.env[TASK_CHILD_ENV] === '1';
}

function rssMbOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `registry[task](...args)` in a fresh child process and resolves with its result. Rejects with a
 * JobFailure: the task's own error code/message, `TASK_CRASHED` (the process died: signal or exit code
 * named), `TASK_OUT_OF_MEMORY` (heap or resident limit), or the abort reason when `signal` fires (the
 * child is killed).
 */
export function runIsolated<T>(task: string, args: unknown[], options: IsolatedOptions): Promise<T> {
  const entry = options.entry;
  options.signal?.throwIfAborted();
  const path = entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
  const execArgv = [...process.execArgv.filter((a) => !a.startsWith('--max-old-space-size')), ...(options.heapMb ? [`--max-old-space-size=${options.heapMb}`] : [])];
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let stderrTail = '';
    let killedFor: JobFailure | null = null;
    const child = fork(path, [], {
      env: { ...process.env, [TASK_CHILD_ENV]: '1' },
      execArgv,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    children.add(child);
    // The web server keeps the CPU first: a job child runs at a lower priority (nice 10).
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, 10);
      } catch {
        // not permitted here: run at normal priority
      }
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    const kill = (why: JobFailure): void => {
      if (killedFor === null) killedFor = why;
      child.kill('SIGKILL');
    };
    const onAbort = (): void => {
      const reason: unknown = options.signal?.reason;
      kill(reason instanceof JobFailure ? reason : new JobFailure('CANCELLED', 'cancelled'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const watchdog = options.rssMb
      ? setInterval(() => {
          const rss = child.pid !== undefined ? rssMbOf(child.pid) : undefined;
          if (rss !== undefined && rss > options.rssMb!) {
            kill(new JobFailure('TASK_OUT_OF_MEMORY', `the ${task} task used ${Math.round(rss)} MiB, over its limit of ${options.rssMb} MiB (JOB_MEMORY_MB); it was stopped`));
          }
        }, 250)
      : null;
    const finish = (err: Error | null, value?: unknown): void => {
      if (settled) return;
      settled = true;
      if (watchdog) clearInterval(watchdog);
      options.signal?.removeEventListener('abort', onAbort);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (err) reject(err);
      else resolve(value as T);
    };
    child.on('message', (msg: ChildMessage) => {
      if (msg.type === 'progress') options.onProgress?.(...msg.args);
      else if (msg.type === 'done') {
        options.onStats?.(msg.stats);
        finish(null, msg.result);
      }
      else if (msg.type === 'error') finish(new JobFailure(msg.code, msg.message));
    });
    child.on('error', (err) => finish(new JobFailure('TASK_CRASHED', `the ${task} task could not run: ${err.message}`)));
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (settled) return;
      if (killedFor) return finish(killedFor);
      const oom = /heap out of memory|invalid (array|size|string|table size)|Allocation failed/i.test(stderrTail);
      if (oom) {
        return finish(new JobFailure('TASK_OUT_OF_MEMORY', `the ${task} task ran out of memory${options.heapMb ? ` (heap limit ${options.heapMb} MiB)` : ''}; the server is unaffected`));
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      finish(new JobFailure('TASK_CRASHED', `the ${task} task ${how} before finishing; the server is unaffected`));
    });
    child.send({ task, args });
  });
}

/** Child side: runs the one task the parent sends, reports progress and the result, then exits. */
export function serveTasks(registry: TaskRegistry): void {
  const controller = new AbortController();
  let finished = false;
  process.on('disconnect', () => {
    if (!finished) controller.abort(new Error('parent went away'));
    process.exit(finished ? 0 : 1);
  });
  process.once('message', (msg: { task: string; args: unknown[] }) => {
    void (async () => {
      const send = (m: ChildMessage): Promise<void> => new Promise((res) => process.send!(m, undefined, {}, () => res()));
      try {
        const fn = registry[msg.task];
        if (!fn) throw new JobFailure('UNKNOWN_TASK', `no task "${msg.task}"`);
        const args = [...msg.args];
        const last = args.length > 0 && typeof args[args.length - 1] === 'object' && args[args.length - 1] !== null ? (args.pop() as Record<string, unknown>) : {};
        let lastSent = 0;
        const onProgress = (...a: unknown[]): void => {
          // Throttled: the parent persists and broadcasts each one.
          const now = Date.now();
          if (now - lastSent < 100) return;
          lastSent = now;
          process.send!({ type: 'progress', args: a } satisfies ChildMessage);
        };
        const started = performance.now();
        const result = await (fn as (...x: unknown[]) => Promise<unknown>)(...args, { ...last, signal: controller.signal, onProgress });
        const stats = { peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), seconds: Math.round(performance.now() - started) / 1000 };
        await send({ type: 'done', result, stats });
      } catch (err) {
        const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'FAILED';
        await send({ type: 'error', code, message: (err as Error)?.message ?? String(err) });
      }
      finished = true;
      process.disconnect();
    })();
  });
}
