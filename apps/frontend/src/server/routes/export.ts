import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest } from '@vista3d/service-kit';
import { EXPORT_FORMATS, retrieveInstance, stowInstances } from '@vista3d/dicom-export';
import type { ExportedFile, ImportResult } from '@vista3d/dicom-export';
import { resolveLabel } from '@vista3d/labels';
import type { FrontendConfig } from '../config.js';
import { JobFailure } from '../jobs.js';
import { isolatedExportScan, isolatedImportSeg } from '../task-child.js';
import { checkName } from './data.js';
import { actorOf } from '../auth/identity.js';

/**
 * Results back into the clinical world: download a scan's segmentation as DICOM SEG / RTSTRUCT /
 * statistics, send SEG/RTSTRUCT to the configured PACS (STOW-RS, per scan or per patient), import a
 * DICOM SEG (upload or from the PACS) as the scan's segmentation. Heavy work runs in a child process.
 */
const formatParams = z.object({ patient: z.string(), scan: z.string(), format: z.enum(EXPORT_FORMATS) });
const scanParams = z.object({ patient: z.string(), scan: z.string() });
const patientParams = z.object({ patient: z.string() });
const exportQuery = z.object({ classes: z.string().max(2000).optional(), version: z.string().max(32).optional() });
const sendBody = z.object({ formats: z.array(z.enum(['seg', 'rtstruct', 'sr'])).min(1).max(3).default(['seg']) }).strict();
const uid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a DICOM UID').max(64);
const pacsSegBody = z.object({ study: uid, series: uid, sop: uid }).strict();

const STATUS: Record<string, number> = { BAD_INPUT: 404, NO_SOURCE: 409, GRID: 409, EMPTY: 422, UNKNOWN_LABEL: 422 };

function httpOf(e: unknown): unknown {
  if (e instanceof JobFailure && STATUS[e.code]) return new HttpError(STATUS[e.code]!, e.code, e.message);
  return e;
}

function parse<T extends z.ZodType>(schema: T, v: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw badRequest('INVALID_REQUEST', `${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

function labelIds(classes: string | undefined): number[] | undefined {
  if (!classes) return undefined;
  return classes.split(',').map((c) => {
    const l = resolveLabel(c.trim());
    if (!l) throw badRequest('UNKNOWN_CLASS', `unknown class ${JSON.stringify(c.trim())}`);
    return l.id;
  });
}

export async function exportRoutes(app: FastifyInstance, opts: { config: FrontendConfig }): Promise<void> {
  const { config } = opts;
  const limits = { heapMb: config.jobMemoryMb, rssMb: config.jobMemoryMb };
  const exportScan = isolatedExportScan(limits);
  const importSeg = isolatedImportSeg(limits);
  const ref = (patient: string, scan: string) => ({ root: config.outputFolder, patient: checkName(patient, 'patient'), scan: checkName(scan, 'scan'), dicomFolder: config.dicomFolder });
  const pacs = (): string => {
    if (!config.dicomwebUrl) throw new HttpError(409, 'NO_PACS', 'no DICOMweb server configured (set DICOMWEB_URL)');
    return config.dicomwebUrl;
  };

  async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'vista3d-export-'));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function exportOne(patient: string, scan: string, format: (typeof EXPORT_FORMATS)[number], dir: string, q: z.infer<typeof exportQuery> = {}): Promise<ExportedFile> {
    const r = ref(patient, scan);
    // answered here, without starting a child process
    if (!existsSync(join(r.root, r.patient, 'voxels', r.scan, 'all.nii.gz'))) throw new HttpError(404, 'NO_SEGMENTATION', `no segmentation for ${r.patient}/${r.scan}`);
    try {
      return await exportScan(ref(patient, scan), format, join(dir, `${format}.out`), {
        labelIds: labelIds(q.classes),
        ...(q.version ? { provenance: { version: q.version } } : {}),
      });
    } catch (e) {
      throw httpOf(e);
    }
  }

  app.get('/api/patients/:patient/scans/:scan/export/:format', { config: { role: 'viewer' } }, async (req, reply: FastifyReply) => {
    const p = parse(formatParams, req.params, 'path');
    const q = parse(exportQuery, req.query, 'query');
    const dir = await mkdtemp(join(tmpdir(), 'vista3d-export-'));
    try {
      const out = await exportOne(p.patient, p.scan, p.format, dir, q);
      const stream = createReadStream(out.file);
      stream.on('close', () => void rm(dir, { recursive: true, force: true }));
      return reply
        .header('content-type', out.contentType)
        .header('content-length', String(out.bytes))
        .header('content-disposition', `attachment; filename="${out.fileName}"`)
        .header('cache-control', 'no-store')
        .send(stream);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  });

  async function send(patient: string, scan: string, formats: Array<'seg' | 'rtstruct' | 'sr'>): Promise<Array<Record<string, unknown>>> {
    const url = pacs();
    return withTemp(async (dir) => {
      const sent: Array<Record<string, unknown>> = [];
      for (const format of formats) {
        const out = await exportOne(patient, scan, format, dir);
        await stowInstances(url, [new Uint8Array(await readFile(out.file))]).catch((e: unknown) => {
          throw new HttpError(502, 'STOW_FAILED', (e as Error).message);
        });
        sent.push({ scan, format, sopInstanceUid: out.summary.sopInstanceUid, seriesInstanceUid: out.summary.seriesInstanceUid, bytes: out.bytes });
      }
      return sent;
    });
  }

  app.post('/api/patients/:patient/scans/:scan/export/send', { config: { role: 'annotator' } }, async (req) => {
    const p = parse(scanParams, req.params, 'path');
    const b = parse(sendBody, req.body, 'body');
    return { sent: await send(p.patient, p.scan, b.formats) };
  });

  app.post('/api/patients/:patient/export/send', { config: { role: 'annotator' } }, async (req) => {
    const p = parse(patientParams, req.params, 'path');
    const b = parse(sendBody, req.body, 'body');
    pacs();
    const patient = checkName(p.patient, 'patient');
    const scans = await readdir(join(config.outputFolder, patient, 'voxels')).catch(() => [] as string[]);
    const sent: Array<Record<string, unknown>> = [];
    const failed: Array<{ scan: string; error: string }> = [];
    for (const scan of scans.sort()) {
      try {
        sent.push(...(await send(patient, scan, b.formats)));
      } catch (e) {
        failed.push({ scan, error: (e as Error).message });
      }
    }
    if (sent.length === 0) throw new HttpError(failed.length ? 422 : 404, 'NOTHING_SENT', failed.length ? `nothing sent: ${failed.map((f) => `${f.scan}: ${f.error}`).join('; ')}` : `patient ${patient} has no segmentation`);
    return { sent, failed };
  });

  async function importBytes(patient: string, scan: string, bytes: Uint8Array, createdBy: string): Promise<ImportResult> {
    return withTemp(async (dir) => {
      const file = join(dir, 'in.seg.dcm');
      await writeFile(file, bytes);
      try {
        return await importSeg(ref(patient, scan), file, { createdBy });
      } catch (e) {
        if (e instanceof JobFailure && e.code === 'BAD_INPUT') throw new HttpError(422, 'INVALID_SEG', e.message);
        throw httpOf(e);
      }
    });
  }

  app.post('/api/patients/:patient/scans/:scan/import-seg', { config: { role: 'annotator' } }, async (req) => {
    const p = parse(scanParams, req.params, 'path');
    if (!req.isMultipart()) throw badRequest('INVALID_REQUEST', 'send the SEG file as multipart/form-data (field "file")');
    const file = await req.file();
    if (!file) throw badRequest('INVALID_REQUEST', 'no file in the upload');
    const bytes = new Uint8Array(await file.toBuffer());
    return importBytes(p.patient, p.scan, bytes, actorOf(req));
  });

  app.post('/api/patients/:patient/scans/:scan/import-seg/pacs', { config: { role: 'annotator' } }, async (req) => {
    const p = parse(scanParams, req.params, 'path');
    const b = parse(pacsSegBody, req.body, 'body');
    const bytes = await retrieveInstance(pacs(), b.study, b.series, b.sop).catch((e: unknown) => {
      throw new HttpError(502, 'WADO_FAILED', (e as Error).message);
    });
    return importBytes(p.patient, p.scan, bytes, actorOf(req));
  });
}
