import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { checkId, checkNiftiInput } from '../inputs.js';
import { parseOptions } from '../options.js';
import { UsageError } from '../ui.js';

const FORMATS = ['seg', 'rtstruct', 'stats', 'stats-csv', 'sr'] as const;

const ExportOptions = z.object({
  format: z.enum(FORMATS),
  output: z.string().min(1),
  patient: z.string().min(1),
  scan: z.string().min(1),
  out: z.string().min(1).optional(),
  dicom: z.string().min(1).optional(),
  labels: z.string().min(1).optional(),
  classes: z.string().optional(),
  segVersion: z.string().max(32).optional(),
  algorithmType: z.enum(['automatic', 'semiautomatic', 'manual']).default('automatic'),
  engine: z.string().min(1).max(64).default('VISTA3D'),
  model: z.string().max(64).optional(),
  algorithmVersion: z.string().min(1).max(64).default('unspecified'),
  stow: z.url({ protocol: /^https?$/ }).optional(),
  json: z.boolean().default(false),
});

export function register(program: Command): void {
  program
    .command('export')
    .description('write a scan\'s segmentation as DICOM SEG, RTSTRUCT or a statistics report (JSON/CSV); optionally send it to a PACS (STOW-RS)')
    .requiredOption('--format <format>', `one of ${FORMATS.join(', ')}`)
    .requiredOption('--output <dir>', 'OUTPUT_FOLDER', process.env.OUTPUT_FOLDER || undefined)
    .requiredOption('--patient <id>', 'patient')
    .requiredOption('--scan <id>', 'scan (converted from DICOM for seg/rtstruct)')
    .option('--out <file>', 'file to write (default: <patient>_<scan>_<format>.<ext> in the current folder)')
    .option('--dicom <dir>', 'DICOM_FOLDER, to find the source series of a scan converted before sources were recorded', process.env.DICOM_FOLDER || undefined)
    .option('--labels <file>', 'label map to export instead of voxels/<scan>/all.nii.gz (e.g. a stored version)')
    .option('--classes <list>', 'only these VISTA3D classes (names or ids, comma-separated)')
    .option('--seg-version <id>', 'segmentation version/provenance id written into the object')
    .option('--algorithm-type <type>', 'automatic | semiautomatic | manual', 'automatic')
    .option('--engine <name>', 'engine that made the segmentation', 'VISTA3D')
    .option('--model <name>', 'model name')
    .option('--algorithm-version <v>', 'engine/model version', 'unspecified')
    .option('--stow <url>', 'also send the DICOM object to this DICOMweb root (STOW-RS)', undefined)
    .option('--json', 'print the summary as JSON')
    .action(async (raw: unknown) => {
      const o = parseOptions(ExportOptions, raw);
      checkId(o.patient, '--patient');
      checkId(o.scan, '--scan');
      if (o.labels) await checkNiftiInput(resolve(o.labels), '--labels');
      const { exportScan, stowInstances, collect } = await import('@vista3d/dicom-export');
      const { resolveLabel } = await import('@vista3d/labels');
      const { writeFileAtomic } = await import('@vista3d/volume');
      let labelIds: number[] | undefined;
      if (o.classes) {
        labelIds = o.classes.split(',').map((c) => {
          const l = resolveLabel(c.trim());
          if (!l) throw new UsageError(`--classes: unknown class "${c.trim()}"`);
          return l.id;
        });
      }
      if (o.stow && !(o.format === 'seg' || o.format === 'rtstruct' || o.format === 'sr')) throw new UsageError('--stow: only DICOM formats (seg, rtstruct, sr) can be sent');
      const out = await exportScan(
        { root: resolve(o.output), patient: o.patient, scan: o.scan, dicomFolder: o.dicom ? resolve(o.dicom) : undefined, labelsPath: o.labels ? resolve(o.labels) : undefined },
        o.format,
        {
          algorithm: { type: o.algorithmType.toUpperCase() as 'AUTOMATIC', engine: o.engine, model: o.model, version: o.algorithmVersion },
          provenance: o.segVersion ? { version: o.segVersion } : undefined,
          labelIds,
        },
      );
      const file = resolve(o.out ?? out.fileName);
      let stowed: unknown = null;
      if (o.stow) {
        const bytes = await collect(out.chunks);
        await writeFileAtomic(file, bytes);
        stowed = await stowInstances(o.stow, [bytes]);
      } else {
        await writeFileAtomic(file, out.chunks);
      }
      const summary = { file, format: o.format, ...out.summary, stow: stowed };
      if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else process.stdout.write(`${o.format} written to ${file}${o.stow ? ` and stored on ${o.stow}` : ''}\n`);
    });
}
