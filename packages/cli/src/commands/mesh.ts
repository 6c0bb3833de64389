import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { MESH_DEFAULTS, MESH_FORMATS, type ExportOptions, type MeshFormat } from '@vista3d/mesh';
import { checkId, checkNiftiInput } from '../inputs.js';

interface MeshCliOptions {
  output?: string;
  patient?: string;
  scan?: string;
  labels?: string;
  out?: string;
  formats: MeshFormat[];
  smooth: number;
  passBand: number;
  targetTriangles: number;
  blur?: number;
  only?: number[];
  maxMb: number;
}

function parseFormats(value: string): MeshFormat[] {
  const list = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const f of list) {
    if (!MESH_FORMATS.includes(f as MeshFormat)) throw new InvalidArgumentError(`unknown format "${f}" (use ${MESH_FORMATS.join(', ')})`);
  }
  return list as MeshFormat[];
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

function idList(value: string): number[] {
  return value.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`bad label id "${s}"`);
    return n;
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function subdirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

/** (label map, output folder) pairs: OUTPUT_FOLDER/<p>/voxels/<scan>/all.nii.gz → OUTPUT_FOLDER/<p>/meshes/<scan>/. */
async function jobsFromOutputFolder(output: string, patient?: string, scan?: string): Promise<{ labels: string; out: string }[]> {
  const jobs: { labels: string; out: string }[] = [];
  for (const p of patient !== undefined ? [patient] : await subdirs(output)) {
    for (const s of scan !== undefined ? [scan] : await subdirs(join(output, p, 'voxels'))) {
      const labels = join(output, p, 'voxels', s, 'all.nii.gz');
      if (await isFile(labels)) jobs.push({ labels, out: join(output, p, 'meshes', s) });
    }
  }
  return jobs;
}

export async function runMesh(opts: MeshCliOptions): Promise<number> {
  checkId(opts.patient, '--patient');
  checkId(opts.scan, '--scan');
  let jobs: { labels: string; out: string }[];
  if (opts.labels !== undefined) {
    if (opts.out === undefined) throw new InvalidArgumentError('--labels needs --out <dir>');
    jobs = [{ labels: opts.labels, out: opts.out }];
  } else if (opts.output !== undefined) {
    jobs = await jobsFromOutputFolder(opts.output, opts.patient, opts.scan);
    if (jobs.length === 0) {
      process.stderr.write(`no label maps found under ${opts.output}/<patient>/voxels/<scan>/all.nii.gz\n`);
      return 1;
    }
  } else {
    throw new InvalidArgumentError('give --output <OUTPUT_FOLDER> or --labels <file.nii.gz> --out <dir>');
  }
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    for (const job of jobs) {
      await checkNiftiInput(job.labels, 'label map');
      const started = performance.now();
      const options: ExportOptions = {
        formats: opts.formats,
        signal: ac.signal,
        maxBytes: opts.maxMb * 1024 ** 2,
        onProgress: ({ phase, done, total, labelId, name, triangles }) => {
          if (phase === 'label') process.stderr.write(`${job.labels}: ${done}/${total} label ${labelId} ${name}: ${triangles} triangles\n`);
        },
      };
      if (opts.smooth > 0) options.smoothing = { iterations: opts.smooth, passBand: opts.passBand };
      if (opts.targetTriangles > 0) options.targetTriangles = opts.targetTriangles;
      if (opts.blur !== undefined) options.blurSigma = opts.blur;
      if (opts.only !== undefined) options.labels = opts.only;
      const { exportMeshes } = await import('@vista3d/mesh');
      const { files, manifest } = await exportMeshes(job.labels, job.out, options);
      const triangles = manifest.labels.reduce((s, l) => s + l.triangles, 0);
      const peak = Math.round(process.resourceUsage().maxRSS / 1024);
      process.stdout.write(`${job.out}: ${manifest.labels.length} labels, ${triangles} triangles, ${files.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s, peak RSS ${peak} MiB\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  return 0;
}

/** `vista3d mesh`: surface meshes (GLB/OBJ/STL/PLY + meshes.json) from label maps. */
export function register(program: Command): Command {
  return program
    .command('mesh')
    .description('surface meshes from label maps: OUTPUT_FOLDER/<patient>/voxels/<scan>/all.nii.gz → OUTPUT_FOLDER/<patient>/meshes/<scan>/')
    .option('--output <folder>', 'OUTPUT_FOLDER holding <patient>/voxels/<scan>/all.nii.gz')
    .option('--patient <id>', 'only this patient (default: all)')
    .option('--scan <name>', 'only this scan (default: all)')
    .option('--labels <file>', 'a label NIfTI to mesh instead of --output (needs --out)')
    .option('--out <dir>', 'output folder for --labels')
    // defaults shared with the web app's mesh job (MESH_DEFAULTS)
    .option('--formats <list>', `comma-separated: ${MESH_FORMATS.join(',')}`, parseFormats, [...MESH_DEFAULTS.formats])
    .option('--smooth <n>', 'Taubin smoothing iterations (0 = off)', nonNegativeInt, MESH_DEFAULTS.smoothing.iterations)
    .option('--pass-band <k>', 'Taubin pass-band k_PB in (0,1)', positiveNumber, MESH_DEFAULTS.smoothing.passBand)
    .option('--target-triangles <n>', 'decimate each label to at most n triangles (0 = keep all)', nonNegativeInt, MESH_DEFAULTS.targetTriangles)
    .option('--max-mb <n>', 'refuse an export estimated (or found) to write more than n MiB', nonNegativeInt, MESH_DEFAULTS.maxBytes / 1024 ** 2)
    .option('--blur <sigma>', 'anti-aliasing Gaussian sigma in voxels (0 = raw voxel mask)', positiveNumber)
    .option('--only <ids>', 'comma-separated label ids to mesh (default: all present)', idList)
    .action(async (opts: MeshCliOptions) => {
      process.exitCode = await runMesh(opts);
    });
}
