import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, badRequest } from '@vista3d/service-kit';
import type { FrontendConfig } from '../config.js';
import { checkName } from './data.js';

/** The PACS import page's API: QIDO-RS study search and WADO-RS retrieval into DICOM_FOLDER/<patient>. */
const searchQuery = z
  .object({
    PatientID: z.string().max(64).optional(),
    PatientName: z.string().max(64).optional(),
    StudyDate: z.string().regex(/^[0-9-]{0,17}$/, 'YYYYMMDD or a range YYYYMMDD-YYYYMMDD').optional(),
    AccessionNumber: z.string().max(16).optional(),
    ModalitiesInStudy: z.string().max(16).optional(),
  })
  .strict();
const importBody = z.object({ study: z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'must be a DICOM UID').max(64), patient: z.string().min(1).max(128) }).strict();

export async function pacsRoutes(app: FastifyInstance, opts: { config: FrontendConfig }): Promise<void> {
  const { config } = opts;
  const pacs = (): string => {
    if (!config.dicomwebUrl) throw new HttpError(409, 'NO_PACS', 'no DICOMweb server configured (set DICOMWEB_URL)');
    return config.dicomwebUrl;
  };

  app.get('/api/pacs', { config: { role: 'viewer' } }, async () => ({ configured: !!config.dicomwebUrl, url: config.dicomwebUrl ?? null }));

  app.get('/api/pacs/studies', { config: { role: 'viewer' } }, async (req) => {
    const r = searchQuery.safeParse(req.query ?? {});
    if (!r.success) throw badRequest('INVALID_REQUEST', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const query = Object.fromEntries(Object.entries(r.data).filter(([, v]) => v));
    const { searchStudies } = await import('@vista3d/dicom/dicomweb');
    try {
      return { studies: await searchStudies(pacs(), query) };
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(502, 'QIDO_FAILED', `QIDO-RS search failed: ${(e as Error).message}`);
    }
  });

  app.post('/api/pacs/import', { config: { role: 'annotator' } }, async (req) => {
    const r = importBody.safeParse(req.body ?? {});
    if (!r.success) throw badRequest('INVALID_REQUEST', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const patient = checkName(r.data.patient, 'patient');
    const { importStudy } = await import('@vista3d/dicom/dicomweb');
    try {
      const res = await importStudy(pacs(), r.data.study, config.dicomFolder, { patient, concurrency: 4 });
      return { patient, dir: join(patient, r.data.study), written: res.written, existing: res.existing, errors: res.errors, series: res.series.length };
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(502, 'WADO_FAILED', `WADO-RS import failed: ${(e as Error).message}`);
    }
  });
}
