import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MESH_DEFAULTS, MESH_FORMATS } from '@vista3d/mesh';
import type { MeshFormat } from '@vista3d/mesh';
import { allLabelsPath, ctFingerprint, ctUnchanged, currentVersionNumber, findScanFile, meshesDir, saveSegmentation, swapFolder, versionLabelPath } from '@vista3d/store';
import { readNiftiHeader, writeFileAtomic } from '@vista3d/volume';
import { BackendError, isAbortError } from './backend-client.js';
import type { FrontendConfig } from './config.js';
import type { Integrations } from './integrations.js';
import { JobFailure } from './jobs.js';
import { taskStatsOf } from './task-child.js';
import type { JobContext, JobResult, JobRunner, JobType } from './jobs.js';

export const enc = encodeURIComponent;

/**
 * Mesh job defaults — the same as `vista3d mesh` (MESH_DEFAULTS): GLB (whole segmentation, for 3D
 * tools) + per-label binary STL (what the NiiVue viewer loads by URL, world mm). OBJ/PLY only on
 * request: OBJ text is large and the viewer would load every readable format of a label.
 */
export const DEFAULT_MESH_FORMATS: readonly MeshFormat[] = MESH_DEFAULTS.formats;

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
        // The CT the labels are computed from; the save is refused if the file changes meanwhile.
        const ct = await ctFingerprint(file);
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
        const stats = await saveSegmentation(root, t.patient, scan, labels, {
          signal: ctx.signal,
          provenance: { source: 'segment-job', createdBy: 'system', jobId: job.id, engine: config.vista3dServer, ...(classes?.length ? { classes } : {}), ct },
          verify: async () => {
            if (!(await ctUnchanged(file, ct))) {
              throw new JobFailure('CT_CHANGED', `the CT ${label} was replaced while it was being segmented; nothing was saved (run the job again)`);
            }
          },
        });
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
        // 'patient' layout: DICOM_FOLDER/<p>/** → OUTPUT_FOLDER/<p>/nifti/<scan>.nii.gz (+ sidecar).
        const report = await dicom.convertDicomFolder(config.dicomFolder, root, {
          layout: 'patient',
          patients: [t.patient],
          force: job.params.force,
          signal: ctx.signal,
          onProgress: (done, total, message) => ctx.progress(total > 0 ? done / total : 0, `${t.patient}: ${message}`),
        });
        // One result per series: converted / up to date ('skipped', the only honest skip) / failed,
        // each with its warnings; series that are not converted at all (localizers, SEG, …) and
        // unreadable files are named in the patient's summary.
        const output = `/api/patients/${enc(t.patient)}/scans`;
        const scanUrl = (scan: string): string => `${output}/${enc(scan)}`;
        const withWarnings = (text: string, warnings: string[]): string => (warnings.length ? `${text}; warnings: ${warnings.join('; ')}` : text);
        for (const c of report.converted) {
          ctx.addResult({ patient: t.patient, scan: c.scan, status: 'succeeded', output: scanUrl(c.scan), detail: withWarnings(`converted ${c.dims?.join('×') ?? ''}`.trim(), c.warnings) });
        }
        const notConverted: string[] = [];
        for (const s of report.skipped) {
          if (s.result) ctx.addResult({ patient: t.patient, scan: s.result.scan, status: 'skipped', output: scanUrl(s.result.scan), detail: withWarnings('up to date', s.result.warnings) });
          else notConverted.push(`series ${s.series.seriesNumber ?? '?'} ${s.series.description || s.series.modality}: ${s.reason}`.replace(/ +/g, ' '));
        }
        for (const f of report.failed) {
          ctx.addResult({ patient: t.patient, scan: `series ${f.series.seriesNumber ?? '?'} ${f.series.description}`.trim(), status: 'failed', error: { code: 'CONVERSION_FAILED', message: f.error } });
        }
        const files = report.fileErrors.length ? [`${report.fileErrors.length} unreadable file(s), e.g. ${basename(report.fileErrors[0]!.file)}: ${report.fileErrors[0]!.message}`] : [];
        const upToDate = report.skipped.filter((s) => s.result).length;
        if (report.converted.length + upToDate + report.failed.length === 0) {
          const why = [...notConverted, ...files].join('; ') || 'no files';
          ctx.addResult({ ...result, status: 'failed', error: { code: 'NOTHING_CONVERTED', message: `no CT series of ${t.patient} could be converted: ${why}` } });
        } else if (notConverted.length + files.length > 0) {
          ctx.addResult({ ...result, output, detail: `not converted: ${[...notConverted, ...files].join('; ')}` });
        }
      } catch (err) {
        if (fatal(err, ctx)) throw err;
        ctx.addResult({ ...result, status: 'failed', error: errorOf(err) });
      }
    }
  };

  const mesh: JobRunner = async (job, ctx) => {
    const meshes = integrations.mesh;
    if (!meshes) throw new JobFailure('NOT_AVAILABLE', 'mesh export is not available: @vista3d/mesh is not installed');
    const formats = (job.params.formats?.length ? job.params.formats : DEFAULT_MESH_FORMATS).filter((f): f is MeshFormat => (MESH_FORMATS as readonly string[]).includes(f));
    for (const t of job.params.targets) {
      ctx.signal.throwIfAborted();
      const scan = t.scan!;
      const result: JobResult = { patient: t.patient, scan, status: 'succeeded' };
      const output = `/api/patients/${enc(t.patient)}/scans/${enc(scan)}`;
      let staging: string | null = null;
      try {
        // the current version's own (immutable) file: a save during meshing cannot mix two versions
        const segVersion = await currentVersionNumber(root, t.patient, scan);
        const labelFile = segVersion !== null ? await versionLabelPath(root, t.patient, scan, segVersion) : allLabelsPath(root, t.patient, scan);
        const labelStat = await stat(labelFile).catch(() => null);
        if (!labelStat) throw new JobFailure('NO_SEGMENTATION', `${t.patient}/${scan} has no segmentation; run a segment job first`);
        const outDir = meshesDir(root, t.patient, scan);
        // Up to date: a manifest written after the label map (a new segmentation or an accepted edit re-meshes).
        const manifestStat = await stat(join(outDir, 'meshes.json')).catch(() => null);
        if (!job.params.force && manifestStat && manifestStat.mtimeMs >= labelStat.mtimeMs) {
          ctx.addResult({ ...result, status: 'skipped', detail: 'meshes are up to date', output });
          continue;
        }
        ctx.progress(0, `meshing ${t.patient}/${scan}`);
        // Export into a hidden staging folder, then swap it in: a failure or cancel keeps the old meshes,
        // and files of formats no longer asked for do not linger.
        await mkdir(dirname(outDir), { recursive: true });
        staging = join(dirname(outDir), `.${scan}.staging-${randomUUID().slice(0, 8)}`);
        const exported = await meshes.exportMeshes(labelFile, staging, {
          formats,
          ...(job.params.labelIds ? { labels: job.params.labelIds } : {}),
          smoothing: MESH_DEFAULTS.smoothing,
          targetTriangles: MESH_DEFAULTS.targetTriangles,
          signal: ctx.signal,
          onProgress: ({ phase, done, total, name }) =>
            ctx.progress(total > 0 ? (0.95 * done) / total : 0, `meshing ${t.patient}/${scan}: ${name} (${phase === 'start' ? done + 1 : done}/${total})`),
        });
        ctx.signal.throwIfAborted();
        if (segVersion !== null) await recordMeshVersion(join(staging, 'meshes.json'), segVersion);
        await swapFolder(staging, outDir);
        staging = null;
        const stats = taskStatsOf(exported);
        const triangles = exported.manifest.labels.reduce((n, l) => n + l.triangles, 0);
        const cost = stats ? `, ${stats.seconds} s, peak ${stats.peakRssMb} MiB` : '';
        ctx.addResult({ ...result, output, detail: `${exported.manifest.labels.length} labels, ${triangles} triangles, ${formats.join('/')}${cost}` });
      } catch (err) {
        if (fatal(err, ctx)) throw err;
        ctx.addResult({ ...result, status: 'failed', error: errorOf(err) });
      } finally {
        if (staging) await rm(staging, { recursive: true, force: true });
      }
    }
  };

  return { segment, convert, mesh };
}

/** Adds the segmentation version the meshes were made from to their manifest. */
async function recordMeshVersion(manifestPath: string, version: number): Promise<void> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(manifestPath, Buffer.from(JSON.stringify({ ...manifest, segmentationVersion: version }, null, 2)));
}

export function segUrl(patient: string, scan: string): string {
  return `/images/output/${enc(patient)}/voxels/${enc(scan)}/all.nii.gz`;
}
