import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { labelSetByName, LABEL_SETS, resolveLabel } from '@vista3d/labels';
import { findScanFile, listPatients, saveSegmentation, scanIds } from '@vista3d/store';
import { readNifti } from '@vista3d/volume';
import type { Volume } from '@vista3d/volume';
import { checkId, checkNiftiInput } from '../inputs.js';
import { parseOptions } from '../options.js';
import { abortOnSignals, table, UsageError } from '../ui.js';

const Options = z
  .object({
    output: z.string().min(1),
    patient: z.string().min(1).optional(),
    scan: z.string().min(1).optional(),
    server: z.url({ protocol: /^https?$/ }).optional(),
    token: z.string().min(1).optional(),
    engine: z.enum(['cpu']).optional(),
    classes: z.string().optional(),
    labelSet: z.string().optional(),
    json: z.boolean().default(false),
  })
  .refine((o) => !(o.server && o.engine), { message: 'use either --server or --engine', path: ['server'] })
  .refine((o) => !(o.token && o.engine), { message: '--token is for --server (a platform or NIM that wants one)', path: ['token'] })
  .refine((o) => !o.scan || o.patient, { message: '--scan needs --patient', path: ['scan'] });

/** VISTA3D ids from `--classes a,b` and `--label-set s` (undefined: everything the engine does). */
export function resolveClasses(classes?: string, labelSet?: string): number[] | undefined {
  const ids = new Set<number>();
  if (classes) {
    for (const name of classes.split(',').map((s) => s.trim()).filter(Boolean)) {
      const l = resolveLabel(name);
      if (!l) throw new UsageError(`unknown class ${JSON.stringify(name)}`);
      ids.add(l.id);
    }
  }
  if (labelSet) {
    const set = labelSetByName(labelSet);
    if (!set) throw new UsageError(`unknown label set ${JSON.stringify(labelSet)} (known: ${LABEL_SETS.map((s) => s.name).join(', ')})`);
    for (const l of set.labels) ids.add(l.id);
  }
  return ids.size > 0 ? [...ids].sort((a, b) => a - b) : undefined;
}

type Segmenter = { run(path: string, signal: AbortSignal): Promise<Volume<Uint8Array>>; close(): Promise<void> };

/** Refuses classes the engine cannot segment without clicks, before any scan is sent. */
export function checkAutomatic(classes: number[] | undefined, automatic: ReadonlyArray<{ id: number; name?: string }> | undefined, engineName: string): void {
  if (!classes || !automatic) return;
  const can = new Set(automatic.map((a) => a.id));
  const cannot = classes.filter((id) => !can.has(id));
  if (cannot.length === 0) return;
  const name = (id: number): string => resolveLabel(id)?.name ?? String(id);
  throw new UsageError(
    `${engineName} cannot segment ${cannot.slice(0, 10).map(name).join(', ')}${cannot.length > 10 ? ` and ${cannot.length - 10} more` : ''} automatically; ` +
      `it segments ${automatic.map((a) => a.name ?? name(a.id)).join(', ')} without prompts — ask for those, or segment the others with clicks in the web viewer`,
  );
}

async function segmenter(server: string | undefined, token: string | undefined, classes: number[] | undefined): Promise<Segmenter> {
  if (server) {
    // loaded on use: the CLI starts fast for the commands that do not segment
    const { createNimClient } = await import('@vista3d/nim-client');
    // A platform's /api/vista3d takes a personal API token; a NIM its API key (both as Bearer).
    const client = createNimClient({ baseUrl: server, ...(token ? { apiKey: token } : {}) });
    // A NIM that does not list its automatic classes is left to answer for itself.
    const info = classes ? await client.info().catch(() => undefined) : undefined;
    checkAutomatic(classes, info?.automaticClasses, `the backend at ${server}`);
    return {
      run: (path, signal) => client.inferFromFile(path, classes ? { classes } : {}, { signal }),
      close: async () => undefined,
    };
  }
  const { createEngine } = await import('@vista3d/segmentation');
  const engine = await createEngine({ kind: 'cpu' });
  checkAutomatic(classes, engine.info.automaticClasses.map((id) => ({ id })), `the ${engine.info.name} engine`);
  return {
    run: async (path, signal) => engine.segment(await readNifti(path), { classes, signal }),
    close: () => engine.dispose(),
  };
}

export function register(program: Command): void {
  program
    .command('segment')
    .description('segment converted CT volumes (OUTPUT/<patient>/nifti/<scan>.nii.gz) and save OUTPUT/<patient>/voxels/<scan>/')
    .requiredOption('--output <dir>', 'output folder (OUTPUT_FOLDER)', process.env.OUTPUT_FOLDER)
    .option('--patient <id>', 'one patient (default: all)')
    .option('--scan <id>', 'one scan of --patient (default: all)')
    .option('--server <url>', 'VISTA3D/NIM backend base URL, e.g. http://localhost:8000', process.env.VISTA3D_SERVER)
    .option('--token <token>', 'Bearer token for --server: a personal API token of the platform (https://host/api/vista3d) or a NIM API key', process.env.VISTA3D_TOKEN || undefined)
    .option('--engine <kind>', 'run in-process instead of a server: cpu')
    .option('--classes <names>', 'comma-separated class names or ids, e.g. liver,spleen')
    .option('--label-set <name>', 'a predefined label set, e.g. lungs')
    .option('--json', 'print the label statistics as JSON')
    .action(async (raw: unknown) => {
      const o = parseOptions(Options, raw);
      checkId(o.patient, '--patient');
      checkId(o.scan, '--scan');
      const root = resolve(o.output);
      const classes = resolveClasses(o.classes, o.labelSet);
      const server = o.engine ? undefined : o.server;
      if (!server && !o.engine) throw new UsageError('give --server <url> (or VISTA3D_SERVER) or --engine cpu');
      const patients = o.patient ? [o.patient] : (await listPatients(root)).map((p) => p.id);
      const jobs: Array<{ patient: string; scan: string; path: string }> = [];
      for (const patient of patients) {
        for (const scan of o.scan ? [o.scan] : await scanIds(root, patient)) {
          const path = await findScanFile(root, patient, scan);
          if (!path) throw new UsageError(`no CT volume ${patient}/${scan} under ${root}`);
          jobs.push({ patient, scan, path });
        }
      }
      if (jobs.length === 0) throw new UsageError(`no CT volumes under ${root}`);
      const results: Array<{ patient: string; scan: string; labels?: unknown; error?: string }> = [];
      const rows: Array<Array<string | number>> = [];
      // Every CT is checked before the engine starts: a bad one is reported and skipped, never sent.
      const valid: typeof jobs = [];
      for (const job of jobs) {
        try {
          await checkNiftiInput(job.path, `CT ${job.patient}/${job.scan}`);
          valid.push(job);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          process.stderr.write(`vista3d: ${msg}\n`);
          results.push({ patient: job.patient, scan: job.scan, error: msg });
          rows.push([job.patient, job.scan, '-', `FAILED: ${msg}`, '', '']);
        }
      }
      const print = (): void => {
        if (o.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        else process.stdout.write(`${table(['patient', 'scan', 'id', 'label', 'voxels', 'ml'], rows)}\n`);
        if (results.some((r) => r.error)) process.exitCode = 1;
      };
      if (valid.length === 0) return print();
      const ac = abortOnSignals();
      const seg = await segmenter(server, o.engine ? undefined : o.token, classes);
      try {
        for (const job of valid) {
          process.stderr.write(`segmenting ${job.patient}/${job.scan}\n`);
          try {
            const labels = await seg.run(job.path, ac.signal);
            const stats = await saveSegmentation(root, job.patient, job.scan, labels, {
              provenance: { source: 'cli', createdBy: process.env.USER ?? 'cli', engine: server, ...(classes?.length ? { classes } : {}) },
            });
            results.push({ patient: job.patient, scan: job.scan, labels: stats });
            for (const s of stats) rows.push([job.patient, job.scan, s.id, s.name, s.voxels, s.volumeMl.toFixed(1)]);
            if (stats.length === 0) rows.push([job.patient, job.scan, '-', '(nothing found)', 0, '0']);
          } catch (e) {
            if (ac.signal.aborted) throw e;
            const msg = e instanceof Error ? e.message : String(e);
            results.push({ patient: job.patient, scan: job.scan, error: msg });
            rows.push([job.patient, job.scan, '-', `FAILED: ${msg}`, '', '']);
          }
        }
      } finally {
        await seg.close();
      }
      print();
    });
}
