import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, badRequest, multipartFileStream } from '@vista3d/service-kit';
import { archiveScanDerivatives, nameProblem, niftiDir, niftiPath, scanIdFromFile, scanInfo, voxelsDir, withScanLock } from '@vista3d/store';
import { writeFileAtomic } from '@vista3d/volume';
import type { FrontendConfig } from '../config.js';
import { validateNiftiFile } from '../nifti-upload.js';
import { extractZipEntry, readZipDirectory } from '../zip-stream.js';
import { checkName, scanJson } from './data.js';

interface SavedFile {
  field: string;
  filename: string;
  path: string;
  bytes: number;
}

const tooLarge = (limit: number): HttpError =>
  new HttpError(413, 'PAYLOAD_TOO_LARGE', `upload exceeds the limit of ${limit} bytes (MAX_UPLOAD_BYTES)`);

/**
 * Reads a multipart request: fields into a record, every file streamed into `tmpDir`
 * (total size capped at `limit`). Nothing is kept in memory.
 */
async function receive(request: FastifyRequest, tmpDir: string, limit: number): Promise<{ fields: Record<string, string>; files: SavedFile[] }> {
  if (!request.isMultipart()) throw badRequest('NOT_MULTIPART', 'expected a multipart/form-data upload');
  await mkdir(tmpDir, { recursive: true });
  const fields: Record<string, string> = {};
  const files: SavedFile[] = [];
  let total = 0;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    const path = join(tmpDir, `${files.length}.part`);
    let bytes = 0;
    try {
      await pipeline(
        multipartFileStream(part.file),
        async function* (src: AsyncIterable<Buffer>) {
          for await (const chunk of src) {
            bytes += chunk.byteLength;
            if (total + bytes > limit) throw tooLarge(limit);
            yield chunk;
          }
        },
        createWriteStream(path),
      );
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(limit);
      if (code === 'ERR_STREAM_PREMATURE_CLOSE') throw badRequest('INCOMPLETE_MULTIPART', 'the multipart body ended before its closing boundary (truncated upload)');
      throw err;
    }
    if (part.file.truncated) throw tooLarge(limit);
    total += bytes;
    files.push({ field: part.fieldname, filename: part.filename ?? '', path, bytes });
  }
  return { fields, files };
}

/**
 * Why a file is not DICOM (null: it is). Part 10 files carry "DICM" at byte 128; a raw data set
 * without the preamble starts with a group 0x0002 or 0x0008 element; DICOMDIR is an index, kept.
 */
export function notDicomReason(name: string, head: Uint8Array): string | null {
  if (baseName(name).toUpperCase() === 'DICOMDIR') return null;
  if (head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d) return null;
  if (head.length >= 8 && (head[0] === 0x08 || head[0] === 0x02) && head[1] === 0x00 && head[3] === 0x00) return null;
  return head.length < 132 ? `too small to be DICOM (${head.length} bytes)` : 'not a DICOM file (no "DICM" marker)';
}

async function fileHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(132);
    const { bytesRead } = await fh.read(buf, 0, 132, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function baseName(filename: string): string {
  return filename.split(/[\\/]/).pop() ?? '';
}

/** Safe relative path for a ZIP entry, null for entries to skip, or throws 400 (zip-slip). */
export function zipEntryPath(name: string): string | null {
  if (name.endsWith('/')) return null;
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw badRequest('ZIP_SLIP', `ZIP entry ${JSON.stringify(name)} has an absolute or unsafe path`);
  }
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw badRequest('ZIP_SLIP', `ZIP entry ${JSON.stringify(name)} points outside the upload folder`);
  if (segments[0] === '__MACOSX' || segments.some((s) => s.startsWith('.'))) return null;
  for (const s of segments) if (nameProblem(s)) throw badRequest('BAD_ZIP_ENTRY', `ZIP entry ${JSON.stringify(name)}: ${nameProblem(s)}`);
  return segments.length ? segments.join('/') : null;
}

/**
 * Uploads in progress per user (the logged-in user's id, else the client address): a client over
 * MAX_CONCURRENT_UPLOADS_PER_USER gets 429 before its body is read.
 */
export class UploadSlots {
  private readonly active = new Map<string, number>();
  constructor(private readonly max: number) {}

  static key(request: FastifyRequest): string {
    const identity = request.identity;
    return identity && identity.via !== 'off' ? `user:${identity.user.id}` : `ip:${request.ip}`;
  }

  /** Takes a slot for the request (throws 429), and returns the function that gives it back. */
  acquire(request: FastifyRequest, reply: FastifyReply): () => void {
    const key = UploadSlots.key(request);
    const n = this.active.get(key) ?? 0;
    if (n >= this.max) {
      reply.header('retry-after', '5');
      // the body is not read: close the connection after answering instead of draining it
      reply.header('connection', 'close');
      throw new HttpError(429, 'TOO_MANY_UPLOADS', `at most ${this.max} uploads at a time per user (MAX_CONCURRENT_UPLOADS_PER_USER); retry when one has finished`);
    }
    this.active.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(key) ?? 1) - 1;
      if (left <= 0) this.active.delete(key);
      else this.active.set(key, left);
    };
  }
}

export async function uploadRoutes(app: FastifyInstance, opts: { config: FrontendConfig }): Promise<void> {
  const { config } = opts;
  const root = config.outputFolder;
  const slots = new UploadSlots(config.maxConcurrentUploadsPerUser);
  // a slot is held from the start of the handler until the response is done (or the client is gone)
  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.url?.includes('/upload/')) return;
    reply.raw.once('close', slots.acquire(request, reply));
  });

  app.post('/api/upload/nifti', { config: { role: 'annotator' } }, async (request, reply) => {
    const tmpDir = join(root, '.uploads', randomUUID());
    try {
      const { fields, files } = await receive(request, tmpDir, config.maxUploadBytes);
      const patient = checkName(fields.patient ?? '', 'patient');
      const file = files.find((f) => f.field === 'file') ?? files[0];
      if (!file) throw badRequest('NO_FILE', 'no file uploaded: send the NIfTI in the multipart field "file"');
      if (files.length > 1) throw badRequest('TOO_MANY_FILES', 'upload one NIfTI file at a time');
      const original = baseName(file.filename);
      const fromName = scanIdFromFile(original);
      if (!fromName && !fields.scan) throw badRequest('NOT_NIFTI', `"${original}" is not a .nii or .nii.gz file`);
      const scan = checkName(fields.scan || fromName!, 'scan');
      const { header, gzip } = await validateNiftiFile(file.path, config);
      const target = niftiPath(root, patient, scan);
      const exists = await stat(target).then(
        () => true,
        () => false,
      );
      if (exists && !/^(1|true|yes)$/i.test(fields.overwrite ?? '')) {
        throw new HttpError(409, 'SCAN_EXISTS', `scan "${patient}/${scan}" already exists; send overwrite=true to replace it`);
      }
      await mkdir(niftiDir(root, patient), { recursive: true });
      // Under the scan's lock (segment saves take it too): the old CT's labels, meshes and versions go
      // to <patient>/archive/<scan>-<time>/ first, so none is ever listed on the new CT.
      const archived = await withScanLock(voxelsDir(root, patient, scan), async () => {
        const dest = exists ? await archiveScanDerivatives(root, patient, scan) : null;
        if (gzip) await writeFileAtomic(target, createReadStream(file.path));
        else await writeFileAtomic(target, createReadStream(file.path), [createGzip({ level: 6 })]);
        return dest;
      });
      if (archived) request.log.info({ patient, scan, archive: archived }, 'CT overwritten: its segmentation, meshes and versions were archived');
      reply.code(201);
      const info = await scanInfo(root, patient, scan);
      return { patient, scan: scanJson(patient, info), dims: header.dims };
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
    }
  });

  app.post('/api/upload/dicom', { config: { role: 'annotator' } }, async (request, reply) => {
    const tmpDir = join(root, '.uploads', randomUUID());
    let staging: string | null = null;
    let createdPatientDir: string | null = null;
    try {
      const { fields, files } = await receive(request, tmpDir, config.maxUploadBytes);
      const patient = checkName(fields.patient ?? '', 'patient');
      if (files.length === 0) throw badRequest('NO_FILE', 'no files uploaded: send a .zip or .dcm files');
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
      const folder = `upload-${stamp}-${randomUUID().slice(0, 6)}`;
      const patientDir = join(config.dicomFolder, patient);
      staging = join(patientDir, `.${folder}.partial`);
      if (!(await stat(patientDir).catch(() => null))) createdPatientDir = patientDir;
      await mkdir(staging, { recursive: true });
      let count = 0;
      const skipped: Array<{ file: string; reason: string }> = [];
      const used = new Set<string>();
      const place = (rel: string): string => {
        let name = rel;
        for (let i = 1; used.has(name.toLowerCase()); i++) name = rel.replace(/(\.[^./]*)?$/, `_${i}$1`);
        used.add(name.toLowerCase());
        return join(staging!, name);
      };
      for (const f of files) {
        const name = baseName(f.filename);
        if (/\.zip$/i.test(name)) {
          const limits = { maxEntries: config.zipMaxEntries, maxInflatedBytes: config.zipMaxInflatedBytes, maxRatio: config.zipMaxRatio };
          const entries = await readZipDirectory(f.path, limits, name);
          // every path is checked before anything is inflated
          const rels = entries.map((e) => zipEntryPath(e.name));
          const scratch = join(tmpDir, 'entry');
          for (const [i, entry] of entries.entries()) {
            const rel = rels[i];
            if (rel == null) continue;
            await extractZipEntry(f.path, entry, scratch, name);
            const why = notDicomReason(rel, await fileHead(scratch));
            if (why) {
              skipped.push({ file: `${name}/${rel}`, reason: why });
              await rm(scratch, { force: true });
              continue;
            }
            const dest = place(rel);
            await mkdir(dirname(dest), { recursive: true });
            await rename(scratch, dest);
            count++;
          }
        } else {
          const why = nameProblem(name);
          if (why) throw badRequest('INVALID_FILE_NAME', `file name ${JSON.stringify(name)}: ${why}`);
          const notDicom = notDicomReason(name, await fileHead(f.path));
          if (notDicom) {
            skipped.push({ file: name, reason: notDicom });
            continue;
          }
          await rename(f.path, place(name));
          count++;
        }
      }
      if (count === 0 && skipped.length > 0) {
        const list = skipped.slice(0, 5).map((s) => `${s.file}: ${s.reason}`).join('; ');
        throw badRequest('NOT_DICOM', `no DICOM files in the upload (${skipped.length} file(s) left out: ${list}${skipped.length > 5 ? '; …' : ''})`);
      }
      if (count === 0) throw badRequest('NO_FILES_IN_UPLOAD', 'the upload held no files (empty ZIP?)');
      const final = join(patientDir, folder);
      await rename(staging, final);
      staging = null;
      createdPatientDir = null;
      reply.code(201);
      return { patient, folder, path: final, files: count, skipped };
    } finally {
      await rm(tmpDir, { recursive: true, force: true });
      if (staging) await rm(staging, { recursive: true, force: true });
      // a refused upload must not leave an empty patient behind (it would be listed as a patient)
      if (createdPatientDir && (await readdir(createdPatientDir).catch(() => ['?'])).length === 0) await rm(createdPatientDir, { recursive: true, force: true });
    }
  });
}
