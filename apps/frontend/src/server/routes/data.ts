import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest } from '@vista3d/service-kit';
import { LABELS, LABEL_SETS, labelById } from '@vista3d/labels';
import { deletePatient, deleteScan, isValidName, listPatients, listScans, meshesDir, nameProblem, patientExists, scanInfo } from '@vista3d/store';
import type { ScanInfo } from '@vista3d/store';
import type { FrontendConfig } from '../config.js';
import type { Integrations } from '../integrations.js';
import { enc } from '../runners.js';

export const patientParams = z.object({ patient: z.string() });
export const scanParams = z.object({ patient: z.string(), scan: z.string() });
const confirmQuery = z.object({ confirm: z.string().optional() });

/** Throws 400 for an unsafe patient/scan id (so it never reaches the file system). */
export function checkName(name: string, kind: 'patient' | 'scan'): string {
  const why = nameProblem(name);
  if (why) throw badRequest('INVALID_NAME', `invalid ${kind} id ${JSON.stringify(name)}: ${why}`);
  return name;
}

const rgb = z.tuple([z.number(), z.number(), z.number()]);
/** The part of @vista3d/mesh's `meshes.json` the listing uses (anything else is ignored). */
const manifestSchema = z.object({
  glb: z.string().optional(),
  obj: z.string().optional(),
  /** The segmentation version the meshes were made from (recorded by the mesh job). */
  segmentationVersion: z.number().int().optional(),
  labels: z.array(z.object({ id: z.number().int(), name: z.string(), color: rgb, files: z.record(z.string(), z.string()) })),
});
export type MeshManifestInfo = z.infer<typeof manifestSchema>;

/** `meshes/<scan>/meshes.json` of a scan, or null when absent or unreadable. */
export async function readMeshManifest(root: string, patient: string, scan: string): Promise<MeshManifestInfo | null> {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(join(meshesDir(root, patient, scan), 'meshes.json'), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Mesh files with label id, name and colour (from the manifest, else from the file name). */
function meshesJson(base: string, s: ScanInfo, manifest: MeshManifestInfo | null): Array<Record<string, unknown>> {
  const byFile = new Map<string, MeshManifestInfo['labels'][number]>();
  for (const l of manifest?.labels ?? []) for (const f of Object.values(l.files)) byFile.set(f, l);
  const combined = new Set([manifest?.glb, manifest?.obj, 'all.glb', 'all.obj'].filter((f): f is string => !!f));
  return s.meshes.map((m) => {
    const fromManifest = byFile.get(m.file);
    const labelId = fromManifest?.id ?? m.labelId;
    const known = labelId !== undefined ? labelById(labelId) : undefined;
    const name = fromManifest?.name ?? known?.name ?? (combined.has(m.file) ? 'all labels' : m.file.replace(/\.[^.]+$/, ''));
    const color = fromManifest?.color ?? known?.color;
    return {
      ...(labelId !== undefined ? { labelId } : {}),
      name,
      ...(color ? { color } : {}),
      format: m.format,
      file: m.file,
      sizeBytes: m.sizeBytes,
      url: `${base}/meshes/${enc(s.id)}/${m.file.split('/').map(enc).join('/')}`,
    };
  });
}

/** The scan as the API shows it: URLs under this origin instead of paths; `manifest` names the meshes. */
export function scanJson(patient: string, s: ScanInfo, manifest: MeshManifestInfo | null = null): Record<string, unknown> {
  const base = `/images/output/${enc(patient)}`;
  const voxels = `${base}/voxels/${enc(s.id)}`;
  return {
    id: s.id,
    file: s.file,
    sizeBytes: s.sizeBytes,
    modifiedAt: s.modifiedAt,
    dims: s.dims,
    spacing: s.spacing,
    datatype: s.datatype,
    orientation: s.orientation,
    warnings: s.warnings,
    metadata: s.metadata,
    ...(s.error ? { error: s.error } : {}),
    imageUrl: `${base}/nifti/${enc(s.file)}`,
    segmentation: s.segmentation
      ? {
          url: `${voxels}/all.nii.gz`,
          labels: s.segmentation.labels.map((l) => ({ ...l, url: `${voxels}/${enc(l.file)}` })),
          ...(s.segmentation.version !== undefined ? { version: s.segmentation.version } : {}),
        }
      : null,
    meshes: meshesJson(base, s, manifest),
    ...(manifest?.segmentationVersion !== undefined ? { meshesVersion: manifest.segmentationVersion } : {}),
  };
}

/** Patients with a DICOM folder (uploads or the mounted DICOM_FOLDER), sorted. */
export async function dicomPatients(dicomFolder: string): Promise<string[]> {
  try {
    return (await readdir(dicomFolder, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && isValidName(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function dataRoutes(
  app: FastifyInstance,
  /** patientIndex: the listing as JSON from the PostgreSQL index (replaces the folder walk). */
  opts: { config: FrontendConfig; integrations: Integrations; patientIndex?: () => Promise<Buffer> },
): Promise<void> {
  const { config, integrations, patientIndex } = opts;
  const root = config.outputFolder;

  app.get('/api/labels', { config: { role: 'viewer' } }, async () => ({
    labels: LABELS.map((l) => ({ id: l.id, name: l.name, color: l.color, group: l.group, ...(l.extension ? { extension: true } : {}) })),
    labelSets: LABEL_SETS.map((s) => ({ name: s.name, description: s.description, labelIds: s.labels.map((l) => l.id) })),
  }));

  app.get('/api/patients', { config: { role: 'viewer' } }, async (_request, reply) => {
    // With PostgreSQL: the index (it follows the file tree; POST /api/rescan), serialised once per change.
    if (patientIndex) return reply.type('application/json; charset=utf-8').send(await patientIndex());
    const [patients, dicom] = await Promise.all([listPatients(root), dicomPatients(config.dicomFolder)]);
    const dicomSet = new Set(dicom);
    const out = patients.map((p) => ({ ...p, hasDicom: dicomSet.has(p.id) }));
    for (const d of dicom) if (!patients.some((p) => p.id === d)) out.push({ id: d, scans: 0, segmentations: 0, hasDicom: true });
    return out.sort((a, b) => a.id.localeCompare(b.id));
  });

  app.get('/api/patients/:patient/scans', { config: { role: 'viewer' } }, async (request) => {
    const { patient } = patientParams.parse(request.params);
    checkName(patient, 'patient');
    // A patient that so far has only DICOM (just uploaded, not converted) has no scans yet.
    if (!(await patientExists(root, patient)) && (await isDir(join(config.dicomFolder, patient)))) return [];
    const scans = await listScans(root, patient);
    return Promise.all(scans.map(async (s) => scanJson(patient, s, s.meshes.length ? await readMeshManifest(root, patient, s.id) : null)));
  });

  app.get('/api/patients/:patient/scans/:scan', { config: { role: 'viewer' } }, async (request) => {
    const { patient, scan } = scanParams.parse(request.params);
    checkName(patient, 'patient');
    checkName(scan, 'scan');
    const info = await scanInfo(root, patient, scan);
    return scanJson(patient, info, info.meshes.length ? await readMeshManifest(root, patient, scan) : null);
  });

  app.get('/api/patients/:patient/scans/:scan/labels.csv', { config: { role: 'viewer' } }, async (request, reply) => {
    const { patient, scan } = scanParams.parse(request.params);
    checkName(patient, 'patient');
    checkName(scan, 'scan');
    const info = await scanInfo(root, patient, scan);
    if (!info.segmentation) throw new HttpError(404, 'SEGMENTATION_NOT_FOUND', `${patient}/${scan} has no segmentation yet`);
    const lines = ['id,name,voxels,volume_ml', ...info.segmentation.labels.map((l) => [l.id, l.name, l.voxels, l.volumeMl].map(csvCell).join(','))];
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${`${patient}_${scan}_labels.csv`.replace(/[^\w.-]/g, '_')}"`);
    return `${lines.join('\n')}\n`;
  });

  app.delete('/api/patients/:patient', { config: { role: 'admin' } }, async (request) => {
    const { patient } = patientParams.parse(request.params);
    checkName(patient, 'patient');
    if (confirmQuery.parse(request.query).confirm !== 'true') {
      throw badRequest('CONFIRMATION_REQUIRED', `deleting patient "${patient}" removes all its scans, segmentations, meshes and DICOM files; repeat with ?confirm=true`);
    }
    const dicomDir = join(config.dicomFolder, patient);
    const hasOutput = await patientExists(root, patient);
    const hasDicom = await isDir(dicomDir);
    if (!hasOutput && !hasDicom) throw new HttpError(404, 'PATIENT_NOT_FOUND', `no patient "${patient}"`);
    if (hasOutput) await deletePatient(root, patient);
    if (hasDicom) {
      try {
        await rm(dicomDir, { recursive: true, force: true });
      } catch (err) {
        throw new HttpError(409, 'DICOM_READ_ONLY', `the DICOM files of "${patient}" cannot be deleted (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the DICOM folder is read-only`);
      }
    }
    return { deleted: { patient, dicom: hasDicom } };
  });

  app.delete('/api/patients/:patient/scans/:scan', { config: { role: 'admin' } }, async (request) => {
    const { patient, scan } = scanParams.parse(request.params);
    checkName(patient, 'patient');
    checkName(scan, 'scan');
    if (confirmQuery.parse(request.query).confirm !== 'true') {
      throw badRequest('CONFIRMATION_REQUIRED', `deleting scan "${patient}/${scan}" removes its CT, segmentation and meshes; repeat with ?confirm=true`);
    }
    await deleteScan(root, patient, scan);
    return { deleted: { patient, scan } };
  });

  app.get('/api/dicom', { config: { role: 'viewer' } }, async () => {
    const patients = await dicomPatients(config.dicomFolder);
    return Promise.all(
      patients.map(async (patient) => {
        const dir = join(config.dicomFolder, patient);
        if (!integrations.dicom) {
          const files = await countFiles(dir);
          return { patient, path: dir, files, series: null, error: 'series discovery unavailable: @vista3d/dicom is not installed' };
        }
        try {
          return { patient, path: dir, series: await integrations.dicom.discoverSeries(dir) };
        } catch (err) {
          return { patient, path: dir, series: [], error: (err as Error).message };
        }
      }),
    );
  });
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

async function countFiles(dir: string, depth = 0): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.name.startsWith('.')) continue;
    if (e.isFile()) n++;
    else if (e.isDirectory() && depth < 6) n += await countFiles(join(dir, e.name), depth + 1);
  }
  return n;
}

