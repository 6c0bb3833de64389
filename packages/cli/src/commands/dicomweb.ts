import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { checkId } from '../inputs.js';
import { intOption, parseOptions } from '../options.js';
import { abortOnSignals, progress, table } from '../ui.js';

const ImportOptions = z.object({
  url: z.url({ protocol: /^https?$/ }),
  study: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a DICOM UID (digits and dots)'),
  dicom: z.string().min(1),
  patient: z.string().min(1).regex(/^[^/\\.][^/\\]*$/, 'must be a plain folder name'),
  concurrency: intOption(1).default(4),
  overwrite: z.boolean().default(false),
  quiet: z.boolean().default(false),
});

const SearchOptions = z.object({
  url: z.url({ protocol: /^https?$/ }),
  query: z.array(z.string().regex(/^[^=]+=.*$/, 'must be KEY=VALUE')).default([]),
  json: z.boolean().default(false),
});

export function register(program: Command): void {
  const dw = program.command('dicomweb').description('DICOMweb (QIDO-RS / WADO-RS) source, e.g. Orthanc or dcm4chee');
  dw.command('search')
    .description('search studies (QIDO-RS)')
    .requiredOption('--url <url>', 'DICOMweb root', process.env.DICOMWEB_URL)
    .option('--query <key=value...>', 'QIDO query parameters, e.g. PatientID=123 StudyDate=20200101-')
    .option('--json', 'print JSON')
    .action(async (raw: unknown) => {
      const o = parseOptions(SearchOptions, raw);
      const query = Object.fromEntries(o.query.map((q) => [q.slice(0, q.indexOf('=')), q.slice(q.indexOf('=') + 1)]));
      const { searchStudies } = await import('@vista3d/dicom/dicomweb');
      const studies = await searchStudies(o.url, query);
      if (o.json) process.stdout.write(`${JSON.stringify(studies, null, 2)}\n`);
      else {
        const rows = studies.map((s) => [s.patientId, s.patientName, s.studyDate, s.studyDescription, s.modalities.join(','), s.seriesCount ?? '', s.studyUid]);
        process.stdout.write(`${table(['patient id', 'name', 'date', 'description', 'modalities', 'series', 'study uid'], rows)}\n`);
      }
    });
  dw.command('import')
    .description('retrieve one study (WADO-RS) into DICOM_FOLDER/<patient>/<study>/<series>/<sop>.dcm')
    .requiredOption('--url <url>', 'DICOMweb root, e.g. http://localhost:8042/dicom-web', process.env.DICOMWEB_URL)
    .requiredOption('--study <uid>', 'StudyInstanceUID')
    .requiredOption('--dicom <dir>', 'DICOM folder', process.env.DICOM_FOLDER)
    .requiredOption('--patient <id>', 'patient folder to write into')
    .option('--concurrency <n>', 'parallel retrievals', '4')
    .option('--overwrite', 'download instances already on disk again')
    .option('--quiet', 'no progress output')
    .action(async (raw: unknown) => {
      const o = parseOptions(ImportOptions, raw);
      checkId(o.patient, '--patient');
      const ac = abortOnSignals();
      const bar = progress(o.quiet);
      let res;
      try {
        const { importStudy } = await import('@vista3d/dicom/dicomweb');
        res = await importStudy(o.url, o.study, resolve(o.dicom), {
          patient: o.patient,
          concurrency: o.concurrency,
          overwrite: o.overwrite,
          signal: ac.signal,
          onProgress: (d, t, m) => bar.update(d, t, m),
        });
      } finally {
        bar.stop();
      }
      const rows = res.series.map((s) => [s.seriesUid, s.instances, s.dir]);
      process.stdout.write(`${table(['series uid', 'instances', 'folder'], rows)}\n`);
      for (const e of res.errors) process.stdout.write(`error: ${e.file}: ${e.message}\n`);
      process.stdout.write(`${res.written} written, ${res.existing} already present, ${res.errors.length} failed in ${res.seconds.toFixed(1)} s\n`);
      if (res.errors.length > 0) process.exitCode = 1;
    });
}
