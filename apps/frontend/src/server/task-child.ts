import { convertDicomFolder } from '@vista3d/dicom';
import { exportMeshes } from '@vista3d/mesh';
import { isTaskChild, runIsolated, serveTasks } from './isolated-task.js';
import type { IsolatedOptions } from './isolated-task.js';

/**
 * The frontend's heavy tasks, run in a child process by `runIsolated` (this module is the child's
 * entry; in the esbuild bundle the entry is the bundle itself, whose main module then does not listen).
 * Each isolated function has the library function's signature, so runners call it the same way.
 */
const TASKS = { exportMeshes, convertDicomFolder };

export const TASK_ENTRY = import.meta.url;

if (isTaskChild()) serveTasks(TASKS);

export type IsolationLimits = Pick<IsolatedOptions, 'heapMb' | 'rssMb'>;

type Hooks = { signal?: AbortSignal; onProgress?: (...args: never[]) => void };

function isolate<K extends keyof typeof TASKS>(task: K, limits: IsolationLimits): (typeof TASKS)[K] {
  return (async (...args: unknown[]) => {
    const last = (args.at(-1) ?? {}) as Hooks & Record<string, unknown>;
    const { signal, onProgress, ...plain } = last;
    return runIsolated(task, [...args.slice(0, -1), plain], {
      entry: TASK_ENTRY,
      ...limits,
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress: onProgress as (...a: unknown[]) => void } : {}),
    });
  }) as unknown as (typeof TASKS)[K];
}

/** `exportMeshes` in a child process (same arguments and result). */
export function isolatedExportMeshes(limits: IsolationLimits = {}): typeof exportMeshes {
  return isolate('exportMeshes', limits);
}

/** `convertDicomFolder` in a child process (same arguments and result). */
export function isolatedConvertDicomFolder(limits: IsolationLimits = {}): typeof convertDicomFolder {
  return isolate('convertDicomFolder', limits);
}
