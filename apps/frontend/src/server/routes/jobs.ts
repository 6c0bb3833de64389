import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest, notFound } from '@vista3d/service-kit';
import { labelSetByName, resolveLabel } from '@vista3d/labels';
import { allLabelsPath, isValidName, listPatients, patientExists, scanIds } from '@vista3d/store';
import type { FrontendConfig } from '../config.js';
import { JOB_TYPES } from '../jobs.js';
import type { Job, JobParams } from '../jobs.js';
import type { JobQueue } from '../job-queue.js';
import { checkName } from './data.js';

export const jobBodySchema = z.object({
  type: z.enum(JOB_TYPES, { message: `type must be one of ${JOB_TYPES.join(', ')}` }),
  patient: z.string().optional(),
  scan: z.string().optional(),
  classes: z.array(z.union([z.string().min(1), z.number().int()])).max(300).optional(),
  labelSet: z.string().optional(),
  force: z.boolean().optional(),
  formats: z.array(z.enum(['glb', 'obj', 'stl', 'ply'])).min(1).optional(),
  /** Higher runs first among queued jobs of one type (PostgreSQL queue). */
  priority: z.number().int().min(-100).max(100).optional(),
});
export type JobBody = z.infer<typeof jobBodySchema>;

const idParams = z.object({ id: z.string() });

/** Job as the API shows it (internal params left out, except what the UI may show). */
export function jobJson(job: Job): Omit<Job, 'params'> & { classes?: string[]; force: boolean } {
  const { params, ...rest } = job;
  return { ...rest, ...(params.classes ? { classes: params.classes } : {}), force: params.force };
}

/** Class names and ids from `classes` and/or `labelSet`; 400 for unknown ones. */
export function resolveClasses(body: Pick<JobBody, 'classes' | 'labelSet'>): { names?: string[]; ids?: number[] } {
  const ids = new Set<number>();
  const names: string[] = [];
  const add = (id: number, name: string): void => {
    if (!ids.has(id)) {
      ids.add(id);
      names.push(name);
    }
  };
  if (body.labelSet !== undefined) {
    const set = labelSetByName(body.labelSet);
    if (!set) throw badRequest('UNKNOWN_LABEL_SET', `unknown label set "${body.labelSet}"; GET /api/labels lists them`);
    for (const l of set.labels) add(l.id, l.name);
  }
  const unknown: Array<string | number> = [];
  for (const c of body.classes ?? []) {
    const label = resolveLabel(c);
    if (!label) unknown.push(c);
    else add(label.id, label.name);
  }
  if (unknown.length) throw badRequest('UNKNOWN_CLASS', `unknown class${unknown.length > 1 ? 'es' : ''}: ${unknown.map((u) => JSON.stringify(u)).join(', ')}; GET /api/labels lists them`);
  return ids.size ? { names, ids: [...ids] } : {};
}

/**
 * The backend's automatic classes from its /v1/vista3d/info (undefined when it does not say, e.g. a
 * NIM, or cannot be reached: the job then reports the backend's own answer).
 */
async function automaticClasses(config: FrontendConfig): Promise<Array<{ id: number; name: string }> | undefined> {
  try {
    const res = await fetch(`${config.vista3dServer}/v1/vista3d/info`, {
      headers: config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {},
      signal: AbortSignal.timeout(config.probeTimeoutMs),
    });
    if (!res.ok) return undefined;
    const list = ((await res.json()) as { automaticClasses?: unknown }).automaticClasses;
    const parsed = z.array(z.object({ id: z.number().int(), name: z.string() })).safeParse(list);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses, before a job starts, classes the running engine cannot segment without clicks. */
async function checkAutomatic(config: FrontendConfig, names: string[], ids: number[]): Promise<void> {
  const automatic = await automaticClasses(config);
  if (!automatic) return;
  const can = new Set(automatic.map((a) => a.id));
  const cannot = ids.map((id, i) => ({ id, name: names[i] })).filter((c) => !can.has(c.id));
  if (cannot.length === 0) return;
  const list = (l: Array<{ name: string }>): string => l.map((c) => c.name).join(', ');
  throw badRequest(
    'NOT_AUTOMATIC',
    `the segmentation engine cannot segment ${list(cannot.slice(0, 10))}${cannot.length > 10 ? ` and ${cannot.length - 10} more` : ''} automatically; ` +
      `it segments ${list(automatic)} without prompts — choose those, or segment the others with clicks in the viewer`,
    { notAutomatic: cannot.map((c) => c.id), automatic: automatic.map((a) => a.id) },
  );
}

async function dicomPatientIds(dicomFolder: string): Promise<string[]> {
  return (await readdir(dicomFolder, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && isValidName(e.name))
    .map((e) => e.name)
    .sort();
}

async function resolveTargets(config: FrontendConfig, body: JobBody): Promise<JobParams['targets']> {
  const root = config.outputFolder;
  if (body.patient !== undefined) checkName(body.patient, 'patient');
  if (body.scan !== undefined) {
    checkName(body.scan, 'scan');
    if (body.patient === undefined) throw badRequest('PATIENT_REQUIRED', 'a scan needs its patient');
  }
  if (body.type === 'convert') {
    if (body.scan !== undefined) throw badRequest('SCAN_NOT_ALLOWED', 'convert works on a patient\'s DICOM folder; leave out scan');
    if (body.patient !== undefined) {
      const st = await stat(join(config.dicomFolder, body.patient)).catch(() => null);
      if (!st?.isDirectory()) throw notFound('PATIENT_NOT_FOUND', `no DICOM folder for patient "${body.patient}" in DICOM_FOLDER`);
      return [{ patient: body.patient }];
    }
    return (await dicomPatientIds(config.dicomFolder)).map((patient) => ({ patient }));
  }
  let pairs: Array<{ patient: string; scan: string }> = [];
  if (body.patient !== undefined) {
    if (!(await patientExists(root, body.patient))) throw notFound('PATIENT_NOT_FOUND', `no patient "${body.patient}"`);
    const scans = await scanIds(root, body.patient);
    if (body.scan !== undefined) {
      if (!scans.includes(body.scan)) throw notFound('SCAN_NOT_FOUND', `no scan "${body.scan}" for patient "${body.patient}"`);
      pairs = [{ patient: body.patient, scan: body.scan }];
    } else pairs = scans.map((scan) => ({ patient: body.patient!, scan }));
  } else {
    for (const p of await listPatients(root)) for (const scan of await scanIds(root, p.id)) pairs.push({ patient: p.id, scan });
  }
  if (body.type === 'mesh') {
    const segmented: typeof pairs = [];
    for (const t of pairs) if (await stat(allLabelsPath(root, t.patient, t.scan)).catch(() => null)) segmented.push(t);
    if (body.scan !== undefined && segmented.length === 0) {
      throw new HttpError(409, 'NO_SEGMENTATION', `${body.patient}/${body.scan} has no segmentation; run a segment job first`);
    }
    pairs = segmented;
  }
  return pairs;
}

export async function jobRoutes(app: FastifyInstance, opts: { config: FrontendConfig; jobs: JobQueue }): Promise<void> {
  const { config, jobs } = opts;
  const streams = new Set<ServerResponse>();

  app.post('/api/jobs', { config: { role: 'annotator' } }, async (request, reply) => {
    const parsed = jobBodySchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw badRequest('INVALID_REQUEST', message, parsed.error.issues);
    }
    const body = parsed.data;
    const classes = body.type === 'convert' ? {} : resolveClasses(body);
    if (body.type === 'segment' && classes.ids && classes.names) await checkAutomatic(config, classes.names, classes.ids);
    const targets = await resolveTargets(config, body);
    const params: JobParams = {
      targets,
      force: body.force ?? false,
      ...(classes.names ? { classes: classes.names, labelIds: classes.ids } : {}),
      ...(body.labelSet ? { labelSet: body.labelSet } : {}),
      ...(body.formats ? { formats: body.formats } : {}),
    };
    const job = await jobs.create(
      body.type,
      params,
      { ...(body.patient !== undefined ? { patient: body.patient } : {}), ...(body.scan !== undefined ? { scan: body.scan } : {}) },
      { priority: body.priority ?? 0, maxAttempts: config.jobMaxAttempts },
    );
    reply.code(202).header('location', `/api/jobs/${job.id}`);
    return jobJson(job);
  });

  app.get('/api/jobs', { config: { role: 'viewer' } }, async () => (await jobs.list()).map(jobJson));

  app.get('/api/jobs/:id', { config: { role: 'viewer' } }, async (request) => {
    const { id } = idParams.parse(request.params);
    const job = await jobs.get(id);
    if (!job) throw notFound('JOB_NOT_FOUND', `no job "${id}"`);
    return jobJson(job);
  });

  app.delete('/api/jobs/:id', { config: { role: 'annotator' } }, async (request) => {
    const { id } = idParams.parse(request.params);
    const job = await jobs.cancel(id);
    if (!job) throw notFound('JOB_NOT_FOUND', `no job "${id}"`);
    return jobJson(job);
  });

  app.get('/api/events', { config: { role: 'viewer' }, exposeHeadRoute: false }, async (request, reply) => {
    const initial = await jobs.list();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (job: Job): void => {
      res.write(`event: job\nid: ${job.id}\ndata: ${JSON.stringify(jobJson(job))}\n\n`);
    };
    res.write('retry: 3000\n\n');
    for (const job of [...initial].reverse()) send(job);
    res.write(`event: snapshot\ndata: ${JSON.stringify({ jobs: initial.length })}\n\n`);
    jobs.on('job', send);
    const heartbeat = setInterval(() => res.write(`: heartbeat ${new Date().toISOString()}\n\n`), 15_000);
    streams.add(res);
    const cleanup = (): void => {
      clearInterval(heartbeat);
      jobs.off('job', send);
      streams.delete(res);
    };
    res.on('close', cleanup);
    res.on('error', cleanup);
  });

  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
}
