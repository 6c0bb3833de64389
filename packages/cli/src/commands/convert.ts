import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
// subpath imports: the CLI bundle then loads no DICOMweb client at start-up
import { convertDicomFolder } from '@vista3d/dicom/convert';
import type { ConversionReport } from '@vista3d/dicom/convert';
import { checkId } from '../inputs.js';
import { intOption, parseOptions } from '../options.js';
import { abortOnSignals, progress, table } from '../ui.js';

const Options = z.object({
  dicom: z.string().min(1),
  output: z.string().min(1),
  patient: z.array(z.string().min(1)).optional(),
  force: z.boolean().default(false),
  minSlices: intOption(1).default(3),
  rawGeometry: z.boolean().default(false),
  allModalities: z.boolean().default(false),
  json: z.boolean().default(false),
  quiet: z.boolean().default(false),
});

/** Exit codes of `vista3d convert` (docs/cli.md). */
export const EXIT = { OK: 0, SERIES_FAILED: 1, USAGE: 2, NOTHING_CONVERTED: 3 } as const;

/**
 * 1 when any series failed (even if others converted); 3 when no series was converted and none is
 * up to date (nothing usable came out); else 0.
 */
export function convertExitCode(report: ConversionReport): number {
  if (report.failed.length > 0) return EXIT.SERIES_FAILED;
  const upToDate = report.skipped.filter((s) => s.result).length;
  if (report.converted.length + upToDate === 0) return EXIT.NOTHING_CONVERTED;
  return EXIT.OK;
}

function fmtSeries(s: { seriesNumber: number | null; description: string }): string {
  return `${s.seriesNumber ?? '-'} ${s.description}`.trim();
}

export function printReport(report: ConversionReport): void {
  const rows: Array<Array<string | number>> = [];
  for (const c of report.converted) {
    rows.push([c.patient, c.scan, 'converted', c.dims?.join('×') ?? '', c.spacing?.map((v) => v.toFixed(3)).join('×') ?? '', c.huRange?.join('…') ?? '', c.seconds.toFixed(1)]);
  }
  for (const s of report.skipped) {
    const r = s.result;
    rows.push([s.series.patient, r?.scan ?? fmtSeries(s.series), `skipped: ${s.reason}`, r?.dims?.join('×') ?? '', '', '', '']);
  }
  for (const f of report.failed) rows.push([f.series.patient, fmtSeries(f.series), `FAILED: ${f.error}`, '', '', '', '']);
  process.stdout.write(`${table(['patient', 'scan', 'status', 'dims', 'spacing mm', 'HU', 's'], rows)}\n`);
  for (const w of report.warnings) process.stdout.write(`warning: ${w}\n`);
  for (const e of report.fileErrors) process.stdout.write(`file error: ${e.file}: ${e.message}\n`);
  for (const e of report.ignoredFiles) process.stdout.write(`ignored: ${e.file}: ${e.message}\n`);
  process.stdout.write(
    `${report.converted.length} converted, ${report.skipped.length} skipped, ${report.failed.length} failed, ` +
      `${report.fileErrors.length} unreadable file(s), ${report.ignoredFiles.length} ignored in ${report.seconds.toFixed(1)} s\n`,
  );
}

export function register(program: Command): void {
  program
    .command('convert')
    .description('convert every CT series under a DICOM folder to OUTPUT/<patient>/nifti/<scan>.nii.gz with dcm2niix')
    .requiredOption('--dicom <dir>', 'DICOM folder (DICOM_FOLDER/<patient>/...)', process.env.DICOM_FOLDER)
    .requiredOption('--output <dir>', 'output folder (OUTPUT_FOLDER)', process.env.OUTPUT_FOLDER)
    .option('--patient <id...>', 'only these patients (first folder under --dicom)')
    .option('--force', 'reconvert up-to-date outputs')
    .option('--min-slices <n>', 'skip series with fewer slices', '3')
    .option('--raw-geometry', 'keep the acquired stack: no gantry-tilt correction, no resampling of uneven slice gaps (research)')
    .option('--all-modalities', 'also convert non-CT image series')
    .option('--json', 'print the report as JSON')
    .option('--quiet', 'no progress output')
    .action(async (raw: unknown) => {
      const o = parseOptions(Options, raw);
      for (const p of o.patient ?? []) checkId(p, '--patient');
      const ac = abortOnSignals();
      const bar = progress(o.quiet || o.json);
      let report: ConversionReport;
      try {
        report = await convertDicomFolder(resolve(o.dicom), resolve(o.output), {
          layout: 'patient',
          patients: o.patient,
          force: o.force,
          minSlices: o.minSlices,
          geometry: o.rawGeometry ? 'raw' : 'corrected',
          allModalities: o.allModalities,
          signal: ac.signal,
          onProgress: (d, t, m) => bar.update(d, t, m),
        });
      } finally {
        bar.stop();
      }
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
      process.exitCode = convertExitCode(report);
      if (process.exitCode === EXIT.NOTHING_CONVERTED && !o.json) {
        process.stderr.write('vista3d convert: nothing converted — no eligible series found (see the skipped series and file errors above)\n');
      }
    });
}
