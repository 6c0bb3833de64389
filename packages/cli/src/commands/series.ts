import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { discoverDicom } from '@vista3d/dicom/discover';
import { parseOptions } from '../options.js';
import { table } from '../ui.js';

const Options = z.object({
  dicom: z.string().min(1),
  json: z.boolean().default(false),
});

export function register(program: Command): void {
  program
    .command('series')
    .description('list the DICOM series under a folder (headers only)')
    .requiredOption('--dicom <dir>', 'DICOM folder', process.env.DICOM_FOLDER)
    .option('--json', 'print JSON instead of a table')
    .action(async (raw: unknown) => {
      const o = parseOptions(Options, raw);
      const found = await discoverDicom(resolve(o.dicom));
      if (o.json) {
        const series = found.series.map(({ instances: _i, ...s }) => s);
        process.stdout.write(`${JSON.stringify({ series, errors: found.errors, fileCount: found.fileCount }, null, 2)}\n`);
        return;
      }
      const rows = found.series.map((s) => [
        s.patient,
        s.seriesNumber ?? '-',
        s.modality,
        s.description || '-',
        s.isImage ? s.sliceCount : `(${s.sopClassName})`,
        s.isImage ? `${s.columns}×${s.rows}` : '',
        s.pixelSpacing ? `${s.pixelSpacing.map((v) => v.toFixed(3)).join('×')}` : '',
        s.spacing ? `${s.spacing.median}${s.spacing.uniform ? '' : ' (irregular)'}` : '',
        s.isLocalizer ? 'localizer' : '',
        s.errors.length || '',
        s.seriesUid,
      ]);
      process.stdout.write(
        `${table(['patient', '#', 'mod', 'description', 'slices', 'size', 'pixel mm', 'gap mm', 'flags', 'errors', 'series uid'], rows)}\n`,
      );
      for (const e of found.errors) process.stdout.write(`file error: ${e.file}: ${e.message}\n`);
      process.stdout.write(`${found.series.length} series, ${found.fileCount} files, ${found.errors.length} unreadable\n`);
    });
}
