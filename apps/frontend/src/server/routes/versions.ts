import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest } from '@vista3d/service-kit';
import { StoreError, findScanFile, getVersion, listVersions, versionLabelPath, versionsDir } from '@vista3d/store';
import type { StoreErrorCode } from '@vista3d/store';
import type { SegmentationVersionInfo } from '@vista3d/store';
import { readNiftiHeader } from '@vista3d/volume';
import type { FrontendConfig } from '../config.js';
import { toHttpError } from '../http-errors.js';
import { JobFailure } from '../jobs.js';
import { enc } from '../runners.js';
import { isolatedVersionOps } from '../task-child.js';
import { checkName } from './data.js';
import { actorOf } from '../auth/identity.js';

const scanParams = z.object({ patient: z.string(), scan: z.string() });
const versionParams = scanParams.extend({ version: z.coerce.number().int().min(1).max(999_999_999) });
const compareQuery = z.object({ a: z.coerce.number().int().min(1), b: z.coerce.number().int().min(1) });
const saveQuery = z.object({
  basedOn: z.coerce.number().int().min(1).optional(),
  comment: z.string().max(500).optional(),
  /** sha256 of the CT the edit was drawn on (a version's `ct.sha256`); a replaced CT → 409 CT_CHANGED. */
  ct: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the CT file\'s sha256 (64 hex digits)').optional(),
});
/** Content types a label map upload may have (NIfTI-1, gzipped or not). */
export const LABEL_MAP_TYPES = ['application/octet-stream', 'application/gzip', 'application/x-gzip'];

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw badRequest('INVALID_REQUEST', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'} ${i.message}`).join('; ')}`);
  return r.data;
}

const STORE_CODES = new Set<string>(['CT_CHANGED', 'GRID_MISMATCH', 'INVALID_LABEL_MAP', 'VERSION_NOT_FOUND', 'SCAN_NOT_FOUND', 'SEGMENTATION_NOT_FOUND']);

/** A store error raised in the child process arrives as a JobFailure: give it the store error's status again. */
async function inChild<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof JobFailure && STORE_CODES.has(err.code)) throw toHttpError(new StoreError(err.code as StoreErrorCode, err.message));
    throw err;
  }
}

function names(params: unknown): { patient: string; scan: string } {
  const p = parse(scanParams, params, 'path');
  return { patient: checkName(p.patient, 'patient'), scan: checkName(p.scan, 'scan') };
}

/** The user a request acts for ('anonymous' until login is on). */
export const userOf = actorOf;

function versionJson(patient: string, scan: string, v: SegmentationVersionInfo): Record<string, unknown> {
  return {
    ...v,
    url: `/images/output/${v.file.split('/').map(enc).join('/')}`,
    labelMapUrl: `/api/patients/${enc(patient)}/scans/${enc(scan)}/versions/${v.version}/labels.nii.gz`,
  };
}

/** Copies a request body to `file`, refusing more than `maxBytes` (413) and an empty body (400). */
async function receive(body: Readable, file: string, maxBytes: number): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes) cb(new HttpError(413, 'LABEL_MAP_TOO_LARGE', `label map upload is larger than ${maxBytes} bytes (2 bytes per CT voxel + header)`));
      else cb(null, chunk);
    },
  });
  await pipeline(body, counter, createWriteStream(file));
  if (bytes === 0) throw badRequest('EMPTY_BODY', 'send the label map (NIfTI-1, .nii or .nii.gz) as the request body');
  return bytes;
}

/**
 * Segmentation versions of a scan: list, one version's label map, save an edited label map as a new
 * version, compare two versions, per-label statistics of a version. The heavy parts (decode, validate,
 * write; Dice; HU statistics) run in a child process.
 */
export async function versionRoutes(app: FastifyInstance, opts: { config: FrontendConfig }): Promise<void> {
  const root = opts.config.outputFolder;
  const ops = isolatedVersionOps({ heapMb: opts.config.jobMemoryMb, rssMb: opts.config.jobMemoryMb });
  const base = '/api/patients/:patient/scans/:scan/versions';

  // a label map arrives as the raw body; it is streamed to a file, never buffered whole
  app.addContentTypeParser(LABEL_MAP_TYPES, (_request, payload, done) => done(null, payload));

  app.get(base, { config: { role: 'viewer' } }, async (request) => {
    const { patient, scan } = names(request.params);
    if (!(await findScanFile(root, patient, scan))) throw new HttpError(404, 'SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
    return (await listVersions(root, patient, scan)).map((v) => versionJson(patient, scan, v));
  });

  app.get(`${base}/compare`, { config: { role: 'viewer' } }, async (request) => {
    const { patient, scan } = names(request.params);
    const { a, b } = parse(compareQuery, request.query, 'query');
    await Promise.all([getVersion(root, patient, scan, a), getVersion(root, patient, scan, b)]);
    return inChild(ops.compareVersions(root, patient, scan, a, b, {}));
  });

  app.get(`${base}/:version`, { config: { role: 'viewer' } }, async (request) => {
    const { patient, scan } = names(request.params);
    const { version } = parse(versionParams, request.params, 'path');
    return versionJson(patient, scan, await getVersion(root, patient, scan, version));
  });

  app.get(`${base}/:version/labels.nii.gz`, { config: { role: 'viewer' } }, async (request, reply) => {
    const { patient, scan } = names(request.params);
    const { version } = parse(versionParams, request.params, 'path');
    const file = await versionLabelPath(root, patient, scan, version);
    // a version's file never changes: it may be cached for good
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    return reply.type('application/gzip').send(createReadStream(file));
  });

  app.get(`${base}/:version/statistics`, { config: { role: 'viewer' } }, async (request) => {
    const { patient, scan } = names(request.params);
    const { version } = parse(versionParams, request.params, 'path');
    await getVersion(root, patient, scan, version);
    return inChild(ops.versionStatistics(root, patient, scan, version, {}));
  });

  app.post(base, { config: { role: 'annotator' } }, async (request, reply) => {
    const { patient, scan } = names(request.params);
    const query = parse(saveQuery, request.query, 'query');
    const ct = await findScanFile(root, patient, scan);
    if (!ct) throw new HttpError(404, 'SCAN_NOT_FOUND', `no scan "${scan}" for patient "${patient}"`);
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!LABEL_MAP_TYPES.includes(type)) {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the label map as NIfTI bytes with Content-Type ${LABEL_MAP_TYPES.join(' or ')} (got ${type || 'none'})`);
    }
    if (query.basedOn !== undefined) await getVersion(root, patient, scan, query.basedOn);
    const header = await readNiftiHeader(ct);
    const maxBytes = 2 * header.dims[0] * header.dims[1] * header.dims[2] + (1 << 20);
    const dir = versionsDir(root, patient, scan);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.upload-${randomUUID()}.nii`);
    try {
      await receive(request.body as Readable, tmp, maxBytes);
      const saved = await inChild(ops.saveEditedVersion(root, patient, scan, tmp, {
        source: 'manual-edit',
        createdBy: userOf(request),
        ...(query.basedOn !== undefined ? { basedOn: query.basedOn } : {}),
        ...(query.comment ? { comment: query.comment } : {}),
      }, query.ct ? { expectedCtSha256: query.ct } : {}));
      reply.code(201);
      return { patient, version: versionJson(patient, scan, saved.version), labels: saved.stats };
    } finally {
      await rm(tmp, { force: true });
    }
  });
}
