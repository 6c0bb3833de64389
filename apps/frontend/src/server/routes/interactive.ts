import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest } from '@vista3d/service-kit';
import { labelFileStem, resolveLabel } from '@vista3d/labels';
import { ctFingerprint, ctUnchanged, findScanFile, interactivePath, mergeLabelMask } from '@vista3d/store';
import type { CtFingerprint, VersionPrompt } from '@vista3d/store';
import { createVolumeLike, readNifti, readNiftiHeader, voxelVolumeMl, writeNifti } from '@vista3d/volume';
import type { Vec3 } from '@vista3d/volume';
import type { FrontendConfig } from '../config.js';
import type { Integrations } from '../integrations.js';
import { enc, imageUrlFor, segUrl } from '../runners.js';
import { checkName } from './data.js';
import { actorOf } from '../auth/identity.js';

const point = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
export const interactiveSchema = z.object({
  patient: z.string(),
  scan: z.string(),
  class: z.union([z.string().min(1), z.number().int()]),
  points: z.array(point).min(1).max(100),
  pointLabels: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
});
export const acceptSchema = z.object({ patient: z.string(), scan: z.string(), class: z.union([z.string().min(1), z.number().int()]) });

/** What is kept beside a pending interactive result until it is accepted: its prompt and the CT it was computed from. */
type PendingResult = VersionPrompt & { ct?: CtFingerprint };

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw badRequest('INVALID_REQUEST', r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), r.error.issues);
  return r.data;
}

function label(c: string | number): { id: number; name: string } {
  const l = resolveLabel(c);
  if (!l) throw badRequest('UNKNOWN_CLASS', `unknown class ${JSON.stringify(c)}; GET /api/labels lists them`);
  return l;
}

export async function interactiveRoutes(app: FastifyInstance, opts: { config: FrontendConfig; integrations: Integrations }): Promise<void> {
  const { config, integrations } = opts;
  const root = config.outputFolder;

  app.post('/api/segment/interactive', { config: { role: 'annotator' } }, async (request) => {
    const body = parse(interactiveSchema, request.body);
    const patient = checkName(body.patient, 'patient');
    const scan = checkName(body.scan, 'scan');
    const cls = label(body.class);
    if (body.pointLabels && body.pointLabels.length !== body.points.length) {
      throw badRequest('POINT_LABELS_MISMATCH', `${body.points.length} points but ${body.pointLabels.length} pointLabels`);
    }
    const file = await findScanFile(root, patient, scan);
    if (!file) throw new HttpError(404, 'SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
    const header = await readNiftiHeader(file);
    body.points.forEach((p, i) => {
      if (p.some((v, a) => !Number.isInteger(v) || v < 0 || v >= header.dims[a])) {
        throw badRequest('POINT_OUTSIDE', `point ${i} [${p.join(', ')}] is not an integer voxel inside the volume ${header.dims.join('×')}`);
      }
    });
    // The CT the result is computed from: accepting it later is refused if the scan's CT changed.
    const ct = await ctFingerprint(file);
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    request.raw.socket.once('close', abort);
    let labels;
    try {
      labels = await integrations.backend.inferFromUrl(
        imageUrlFor(config, patient, basename(file)),
        { classes: [cls.name], points: body.points as Vec3[], pointLabels: body.pointLabels ?? body.points.map(() => 1 as const) },
        { signal: controller.signal },
      );
    } finally {
      request.raw.socket.off('close', abort);
    }
    if (!labels.dims.every((v, i) => v === header.dims[i])) {
      throw new HttpError(502, 'BAD_BACKEND_RESPONSE', `backend label map ${labels.dims.join('×')} does not match the CT grid ${header.dims.join('×')}`);
    }
    const n = labels.data.length;
    let hasClass = false;
    for (let i = 0; i < n && !hasClass; i++) if (labels.data[i] === cls.id) hasClass = true;
    const mask = createVolumeLike(labels, 'uint8', undefined, cls.name.slice(0, 79));
    let voxels = 0;
    for (let i = 0; i < n; i++) {
      const v = labels.data[i];
      if (hasClass ? v === cls.id : v !== 0) {
        mask.data[i] = 1;
        voxels++;
      }
    }
    const out = interactivePath(root, patient, scan, cls.name);
    await writeNifti(out, mask, { level: 1 });
    // the prompts travel to the version's provenance when the result is accepted
    const pending: PendingResult = { class: cls.name, points: body.points, pointLabels: body.pointLabels ?? body.points.map(() => 1), ct };
    await writeFile(out.replace(/\.nii\.gz$/, '.json'), JSON.stringify(pending));
    return {
      url: `/images/output/${enc(patient)}/voxels/${enc(scan)}/${enc(basename(out))}`,
      labelId: cls.id,
      name: cls.name,
      voxels,
      volumeMl: Math.round(voxels * voxelVolumeMl(mask) * 1000) / 1000,
    };
  });

  app.post('/api/segment/interactive/accept', { config: { role: 'annotator' } }, async (request) => {
    const body = parse(acceptSchema, request.body);
    const patient = checkName(body.patient, 'patient');
    const scan = checkName(body.scan, 'scan');
    const cls = label(body.class);
    const pending = interactivePath(root, patient, scan, cls.name);
    let mask;
    try {
      mask = await readNifti(pending);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new HttpError(404, 'NO_INTERACTIVE_RESULT', `no pending interactive result for "${cls.name}" on ${patient}/${scan}; POST /api/segment/interactive first`);
      }
      throw err;
    }
    const promptFile = pending.replace(/\.nii\.gz$/, '.json');
    const saved = await readFile(promptFile, 'utf8').then((t) => JSON.parse(t) as PendingResult, () => null);
    const ct = saved?.ct;
    // The version records the prompt only, not the CT it was checked against (that is `ct` of its provenance).
    const prompt: VersionPrompt | null = saved ? { class: saved.class, points: saved.points, pointLabels: saved.pointLabels } : null;
    const ctFile = await findScanFile(root, patient, scan);
    if (!ctFile) throw new HttpError(404, 'SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
    const stats = await mergeLabelMask(root, patient, scan, mask, cls.id, {
      provenance: {
        source: 'interactive',
        createdBy: actorOf(request),
        engine: config.vista3dServer,
        classes: [cls.name],
        ...(prompt ? { prompts: [prompt] } : {}),
        ...(ct ? { ct } : {}),
      },
      // Under the scan's lock, as segment jobs do: a CT replaced since the click, or during the save, is caught.
      verify: async () => {
        if (ct && !(await ctUnchanged(ctFile, ct))) {
          throw new HttpError(409, 'CT_CHANGED', `the CT of ${patient}/${scan} was replaced after this result was computed; nothing was saved — click again on the new CT`);
        }
      },
    });
    await rm(pending, { force: true });
    await rm(promptFile, { force: true });
    const stat = stats.find((s) => s.id === cls.id);
    return {
      url: segUrl(patient, scan),
      labelId: cls.id,
      labelUrl: `/images/output/${enc(patient)}/voxels/${enc(scan)}/${enc(`${labelFileStem(cls.name)}.nii.gz`)}`,
      voxels: stat?.voxels ?? 0,
      volumeMl: stat?.volumeMl ?? 0,
      labels: stats,
    };
  });
}
