import { convertDicomFolder } from '@vista3d/dicom';
import { exportScanToFile, importSegFile } from '@vista3d/dicom-export';
import { exportMeshes } from '@vista3d/mesh';
import { compareVersions, saveEditedVersion, versionStatistics } from '@vista3d/store';
import type { SaveEditedOptions, VersionProvenanceInput } from '@vista3d/store';
import { isTaskChild, runIsolated, serveTasks } from './isolated-task.js';
import type { IsolatedOptions, TaskStats } from './isolated-task.js';

/**
 * The frontend's heavy tasks, run in a child process by `runIsolated` (this module is the child's
 * entry; in the esbuild bundle the entry is the bundle itself, whose main module then does not listen).
 * Each isolated function has the library function's signature, so runners call it the same way.
 */
const TASKS = {
  exportMeshes,
  convertDicomFolder,
  exportScanToFile,
  importSegFile,
  // segmentation versions: a 512×512×300 label map is ~80 MB decoded; parse, validate and compare off the event loop
  // (the trailing options object is what `isolate` expects last)
  saveEditedVersion: (root: string, patient: string, scan: string, file: string, provenance: VersionProvenanceInput, options: SaveEditedOptions = {}) =>
    saveEditedVersion(root, patient, scan, file, provenance, options),
  compareVersions: (root: string, patient: string, scan: string, a: number, b: number, _options: object = {}) => compareVersions(root, patient, scan, a, b),
  versionStatistics: (root: string, patient: string, scan: string, version: number, _options: object = {}) => versionStatistics(root, patient, scan, version),
};

export const TASK_ENTRY = import.meta.url;

if (isTaskChild()) serveTasks(TASKS);

export type IsolationLimits = Pick<IsolatedOptions, 'heapMb' | 'rssMb'>;

type Hooks = { signal?: AbortSignal; onProgress?: (...args: never[]) => void };

function isolate<K extends keyof typeof TASKS>(task: K, limits: IsolationLimits): (typeof TASKS)[K] {
  return (async (...args: unknown[]) => {
    const last = (args.at(-1) ?? {}) as Hooks & Record<string, unknown>;
    const { signal, onProgress, ...plain } = last;
    let stats: TaskStats | undefined;
    const result = await runIsolated(task, [...args.slice(0, -1), plain], {
      entry: TASK_ENTRY,
      ...limits,
      onStats: (s) => (stats = s),
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress: onProgress as (...a: unknown[]) => void } : {}),
    });
    // peak memory and time of the child travel with the result (job details, logs)
    if (result && typeof result === 'object' && stats) Object.defineProperty(result, 'taskStats', { value: stats, enumerable: false });
    return result;
  }) as unknown as (typeof TASKS)[K];
}

/** Peak memory and time of the child that produced `result`, when it ran isolated. */
export function taskStatsOf(result: unknown): TaskStats | undefined {
  return result && typeof result === 'object' ? (result as { taskStats?: TaskStats }).taskStats : undefined;
}

/** `exportMeshes` in a child process (same arguments and result). */
export function isolatedExportMeshes(limits: IsolationLimits = {}): typeof exportMeshes {
  return isolate('exportMeshes', limits);
}

/** `convertDicomFolder` in a child process (same arguments and result). */
export function isolatedConvertDicomFolder(limits: IsolationLimits = {}): typeof convertDicomFolder {
  return isolate('convertDicomFolder', limits);
}

/** The segmentation-version operations in child processes (same arguments, plus a trailing options object). */
export function isolatedVersionOps(limits: IsolationLimits = {}): {
  saveEditedVersion: (typeof TASKS)['saveEditedVersion'];
  compareVersions: (typeof TASKS)['compareVersions'];
  versionStatistics: (typeof TASKS)['versionStatistics'];
} {
  return {
    saveEditedVersion: isolate('saveEditedVersion', limits),
    compareVersions: isolate('compareVersions', limits),
    versionStatistics: isolate('versionStatistics', limits),
  };
}

/** `exportScanToFile` (SEG/RTSTRUCT/statistics) in a child process. */
export function isolatedExportScan(limits: IsolationLimits = {}): typeof exportScanToFile {
  return isolate('exportScanToFile', limits);
}

/** `importSegFile` (DICOM SEG → the scan's segmentation) in a child process. */
export function isolatedImportSeg(limits: IsolationLimits = {}): typeof importSegFile {
  return isolate('importSegFile', limits);
}
