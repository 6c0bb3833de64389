import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { allLabelsPath, findScanFile, meshesDir, niftiDir, saveSegmentation } from '@vista3d/store';
import { readNiftiHeader } from '@vista3d/volume';
import { BackendError, isAbortError } from './backend-client.js';
import type { FrontendConfig } from './config.js';
import type { Integrations } from './integrations.js';
import { readProgress } from './integrations.js';
import { JobFailure } from './jobs.js';
import type { JobContext, JobResult, JobRunner, JobType } from './jobs.js';

export const enc = encodeURIComponent;

/** URL the backend fetches a CT from (through the image server). */
export function imageUrlFor(config: FrontendConfig, patient: string, file: string): string {
  return `${config.imageServer}/output/${enc(patient)}/nifti/${enc(file)}`;
}

function errorOf(err: unknown): { code: string; message: string } {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'FAILED';
  return { code, message: (err as Error)?.message ?? String(err) };
}

/** Rethrows aborts (the job is being cancelled) and backend outages (no point going on). */
function fatal(err: unknown, ctx: JobContext): boolean {
  if (ctx.signal.aborted || isAbortError(err)) return true;
  return err instanceof BackendError && err.code === 'BACKEND_UNAVAILABLE';
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function createRunners(config: FrontendConfig, integrations: Integrations): Record<JobType, JobRunner> {
  const root = config.outputFolder;

  const segment: JobRunner = async (job, ctx) => {
    const { targets, classes, force } = job.params;
    for (const t of targets) {
      ctx.signal.throwIfAborted();
      const scan = t.scan!;
      const label = `${t.patient}/${scan}`;
      const result: JobResult = { patient: t.patient, scan, status: 'succeeded' };
      try {
        const file = await findScanFile(root, t.patient, scan);
        if (!file) throw new JobFailure('SCAN_NOT_FOUND', `scan ${label} no longer exists`);
        if (!force && (await exists(allLabelsPath(root, t.patient, scan)))) {
          ctx.addResult({ ...result, status: 'skipped', detail: 'already segmented', output: segUrl(t.patient, scan) });
          continue;
        }
        ctx.progress(0.05, `segmenting ${label}`);
        const labels = await integrations.backend.inferFromUrl(
          imageUrlFor(config, t.patient, basename(file)),
          classes?.length ? { classes } : {},
          { signal: ctx.signal },
        );
        ctx.signal.throwIfAborted();
        const header = await readNiftiHeader(file);
        if (!header.dims.every((v, i) => v === labels.dims[i])) {
          throw new JobFailure('BAD_BACKEND_RESPONSE', `backend label map ${labels.dims.join('×')} does not match the CT grid ${header.dims.join('×')}`);
        }
        ctx.progress(0.8, `saving ${label}`);
        const stats = await saveSegmentation(root, t.patient, scan, labels, { signal: ctx.signal });
        ctx.addResult({ ...result, output: segUrl(t.patient, scan), detail: `${stats.length} labels` });
      } catch (err) {
        if (fatal(err, ctx)) throw err;
        ctx.addResult({ ...result, status: 'failed', error: errorOf(err) });
      }
    }
  };

  const convert: JobRunner = async (job, ctx) => {
    const dicom = integrations.dicom;
    if (!dicom) throw new JobFailure('NOT_AVAILABLE', 'DICOM conversion is not available: @vista3d/dicom is not installed');
    for (const t of job.params.targets) {
      ctx.signal.throwIfAborted();
      const result: JobResult = { patient: t.patient, status: 'succeeded' };
      try {
        ctx.progress(0, `converting ${t.patient}`);
        const report = await dicom.convertDicomFolder(join(config.dicomFolder, t.patient), niftiDir(root, t.patient), {
          force: job.params.force,
          signal: ctx.signal,
          onProgress: (...args: unknown[]) => {
            const p = readProgress(args);
            ctx.progress(p.fraction ?? 0, p.message ? `${t.patient}: ${p.message}` : undefined);
          },
        });
        const r = (report ?? {}) as Record<string, unknown>;
        const count = (k: string): number => (Array.isArray(r[k]) ? (r[k] as unknown[]).length : typeof r[k] === 'number' ? (r[k] as number) : 0);
        const detail = `${count('converted')} converted, ${count('skipped')} skipped, ${count('failed')} failed`;
        const status = count('failed') > 0 && count('converted') === 0 && count('skipped') === 0 ? 'failed' : 'succeeded';
        ctx.addResult({
          ...result,
          status,
          output: `/api/patients/${enc(t.patient)}/scans`,
          detail,
          ...(status === 'failed' ? { error: { code: 'CONVERSION_FAILED', message: `no series of ${t.patient} converted: ${detail}` } } : {}),
        });
      } catch (err) {
        if (fatal(err, ctx)) throw err;
        ctx.addResult({ ...result, status: 'failed', error: errorOf(err) });
      }
    }
  };

  const mesh: JobRunner = async (job, ctx) => {
    const meshes = integrations.mesh;
    if (!meshes) throw new JobFailure('NOT_AVAILABLE', 'mesh export is not available: @vista3d/mesh is not installed');
    for (const t of job.params.targets) {
      ctx.signal.throwIfAborted();
      const scan = t.scan!;
      const result: JobResult = { patient: t.patient, scan, status: 'succeeded' };
      try {
        const labelFile = allLabelsPath(root, t.patient, scan);
        if (!(await exists(labelFile))) throw new JobFailure('NO_SEGMENTATION', `${t.patient}/${scan} has no segmentation; run a segment job first`);
        const outDir = meshesDir(root, t.patient, scan);
        if (!job.params.force && (await readdir(outDir).catch(() => [])).length > 0) {
          ctx.addResult({ ...result, status: 'skipped', detail: 'meshes exist' });
          continue;
        }
        ctx.progress(0, `meshing ${t.patient}/${scan}`);
        await meshes.exportMeshes(labelFile, outDir, {
          ...(job.params.formats ? { formats: job.params.formats } : {}),
          ...(job.params.labelIds ? { labels: job.params.labelIds } : {}),
          signal: ctx.signal,
          onProgress: (...args: unknown[]) => {
            const p = readProgress(args);
            ctx.progress(p.fraction ?? 0, p.message);
          },
        });
        ctx.addResult({ ...result, output: `/api/patients/${enc(t.patient)}/scans` });
      } catch (err) {
        if (fatal(err, ctx)) throw err;
        ctx.addResult({ ...result, status: 'failed', error: errorOf(err) });
      }
    }
  };

  return { segment, convert, mesh };
}

export function segUrl(patient: string, scan: string): string {
  return `/images/output/${enc(patient)}/voxels/${enc(scan)}/all.nii.gz`;
}
