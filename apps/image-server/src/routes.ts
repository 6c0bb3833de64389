import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError, bearerToken, multipartFileStream, secretMatches } from '@vista3d/service-kit';
import { outputPathProblem } from '@vista3d/store';
import { DEFAULT_MAX_VOLUME_BYTES, type ImageServerConfig } from './config.js';
import { listDirectory, renderListingHtml, type ListingEntry } from './listing.js';
import type { FileMetrics } from './metrics.js';
import { TEMP_FILE, parseRootPath, urlFor, type RootPath } from './request-path.js';
import { mapFsError, resolveExisting, resolveWriteTarget } from './resolve.js';
import { sendFile } from './send-file.js';
import { checkDeclaredLength, checkFileName, deleteFile, detachedBody, writeUpload } from './upload.js';

/** The ingress routes `/images` here without rewriting, so every route also lives under it. */
export const PREFIXES = ['', '/images'] as const;

interface Mount {
  label: 'output' | 'dicom';
  dir: string;
  writable: boolean;
}

const querySchema = z.object({
  format: z.enum(['json', 'html']).optional(),
  name: z.string().min(1).optional(),
});

/** The raw, still-encoded path after the mount (`/output`), taken from the URL itself, not the router. */
function rawTail(request: FastifyRequest, mountUrl: string): RootPath {
  const path = request.url.split('?')[0];
  if (!path.startsWith(mountUrl)) throw new HttpError(400, 'BAD_PATH', 'path does not match its route after decoding');
  const parsed = parseRootPath(path.slice(mountUrl.length));
  // In-flight upload temp files are invisible, as if they did not exist.
  if (parsed.segments.some((s) => TEMP_FILE.test(s))) throw new HttpError(404, 'NOT_FOUND', 'not found');
  return parsed;
}

/** Under /output the store's id rule holds: a patient or scan id it would refuse is a 400 here too. */
function checkIds(mount: Mount, segments: readonly string[]): void {
  if (mount.label !== 'output') return;
  const why = outputPathProblem(segments);
  if (why) throw new HttpError(400, 'INVALID_NAME', why);
}

function wantsJson(request: FastifyRequest, format: 'json' | 'html' | undefined): boolean {
  if (format) return format === 'json';
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function sendListing(request: FastifyRequest, reply: FastifyReply, title: string, parent: string | null, entries: ListingEntry[], format: 'json' | 'html' | undefined): FastifyReply {
  reply.header('cache-control', 'no-cache').header('vary', 'Accept');
  if (wantsJson(request, format)) return reply.header('content-type', 'application/json; charset=utf-8').send(entries);
  return reply.header('content-type', 'text/html; charset=utf-8').send(renderListingHtml(title, parent, entries));
}

/**
 * Writes need the service credential and the internal path: `/images/...` is what the ingress
 * exposes to browsers, so nothing is ever written through it.
 */
function refuseWrites(request: FastifyRequest, reply: FastifyReply, mount: Mount, config: ImageServerConfig, prefix: string): void {
  if (prefix !== '') {
    reply.header('allow', 'GET, HEAD, OPTIONS');
    throw new HttpError(405, 'READ_ONLY_PATH', `${prefix}/ is the public read-only path; services write under /${mount.label}/`);
  }
  if (!mount.writable) {
    reply.header('allow', 'GET, HEAD, OPTIONS');
    throw new HttpError(405, 'READ_ONLY_ROOT', `/${mount.label} is read-only`);
  }
  if (config.readOnly) {
    reply.header('allow', 'GET, HEAD, OPTIONS');
    throw new HttpError(405, 'READ_ONLY', 'uploads are disabled on this server (READ_ONLY=true)');
  }
  if (!config.writeToken) {
    reply.header('allow', 'GET, HEAD, OPTIONS');
    throw new HttpError(405, 'READ_ONLY', 'uploads are disabled: set IMAGE_SERVER_WRITE_TOKEN to let services write');
  }
  if (!secretMatches(bearerToken(request), config.writeToken)) {
    reply.header('www-authenticate', 'Bearer');
    throw new HttpError(401, 'WRITE_AUTH_REQUIRED', 'writes need the service credential (Authorization: Bearer <IMAGE_SERVER_WRITE_TOKEN>)');
  }
}

/** 413 before reading; the connection is closed rather than drained of a body we will not store. */
function refuseDeclaredLength(request: FastifyRequest, reply: FastifyReply, maxBytes: number): void {
  try {
    checkDeclaredLength(request.headers['content-length'], maxBytes);
  } catch (err) {
    reply.header('connection', 'close');
    throw err;
  }
}

export function registerFileRoutes(app: FastifyInstance, config: ImageServerConfig, metrics: FileMetrics): void {
  const mounts: Mount[] = [
    { label: 'output', dir: config.outputFolder, writable: true },
    { label: 'dicom', dir: config.dicomFolder, writable: false },
  ];

  for (const prefix of PREFIXES) {
    const rootListing = async (request: FastifyRequest, reply: FastifyReply) => {
      const { format } = querySchema.parse(request.query);
      const entries: ListingEntry[] = [];
      for (const m of mounts) {
        const st = await stat(m.dir).catch(() => null);
        entries.push({ name: m.label, type: 'directory', size: 0, mtime: (st?.mtime ?? new Date(0)).toISOString(), url: `${prefix}/${m.label}/` });
      }
      return sendListing(request, reply, `${prefix}/`, null, entries, format);
    };
    app.route({ method: ['GET', 'HEAD'], url: `${prefix}/`, handler: rootListing });
    if (prefix !== '') app.route({ method: ['GET', 'HEAD'], url: prefix, handler: rootListing });

    for (const m of mounts) {
      const mountUrl = `${prefix}/${m.label}`;

      const serve = async (request: FastifyRequest, reply: FastifyReply) => {
        const { format } = querySchema.parse(request.query);
        const { segments, trailingSlash } = rawTail(request, mountUrl);
        checkIds(m, segments);
        const shown = `/${m.label}/${segments.join('/')}`;
        const real = await resolveExisting(m.dir, m.label, segments);
        const st = await stat(real).catch((err: unknown) => {
          throw mapFsError(err, shown);
        });
        if (st.isDirectory()) {
          const entries = await listDirectory(real, await resolveExisting(m.dir, m.label, []), mountUrl, segments).catch((err: unknown) => {
            throw mapFsError(err, shown);
          });
          const parent = segments.length === 0 ? `${prefix}/` : urlFor(mountUrl, segments.slice(0, -1), true);
          return sendListing(request, reply, urlFor(mountUrl, segments, true), parent, entries, format);
        }
        if (trailingSlash) throw new HttpError(404, 'NOT_A_DIRECTORY', `${shown} is a file, not a folder`);
        return sendFile(request, reply, real, shown, (n) => metrics.bytesServed.inc({ root: m.label }, n));
      };

      const upload = async (request: FastifyRequest, reply: FastifyReply, segments: string[], source: () => Promise<Readable>) => {
        let size: number;
        try {
          checkIds(m, segments);
          const target = await resolveWriteTarget(m.dir, m.label, segments);
          size = await writeUpload(target, await source(), config.maxUploadBytes, config.maxVolumeBytes ?? DEFAULT_MAX_VOLUME_BYTES);
        } catch (err) {
          // The body may be partly unread: close the connection after answering instead of draining it.
          reply.header('connection', 'close');
          throw err;
        }
        metrics.bytesUploaded.inc({ root: m.label }, size);
        const rel = segments.join('/');
        return reply.code(201).send({ path: rel, size, url: urlFor(mountUrl, segments, false) });
      };

      const put = async (request: FastifyRequest, reply: FastifyReply) => {
        refuseWrites(request, reply, m, config, prefix);
        const { segments, trailingSlash } = rawTail(request, mountUrl);
        if (trailingSlash || segments.length === 0) throw new HttpError(400, 'BAD_PATH', 'PUT needs a file path, not a folder (use POST to upload into a folder)');
        refuseDeclaredLength(request, reply, config.maxUploadBytes);
        return upload(request, reply, segments, async () => detachedBody(request.raw));
      };

      const post = async (request: FastifyRequest, reply: FastifyReply) => {
        refuseWrites(request, reply, m, config, prefix);
        const { name } = querySchema.parse(request.query);
        const { segments } = rawTail(request, mountUrl);
        refuseDeclaredLength(request, reply, config.maxUploadBytes);
        if (request.isMultipart()) {
          // fileSize one past the limit so our own counter, not busboy's silent truncation, decides.
          const part = await request.file({ limits: { fileSize: config.maxUploadBytes + 1, files: 1, fields: 32, fieldSize: 64 * 1024 } });
          if (!part) throw new HttpError(400, 'NO_FILE', 'the multipart body has no file part');
          const file = multipartFileStream(part.file);
          const fileName = checkFileName(name ?? part.filename);
          return upload(request, reply, [...segments, fileName], async () => file);
        }
        if (!name) throw new HttpError(400, 'NAME_REQUIRED', 'a raw (non-multipart) POST needs ?name=<file name>');
        return upload(request, reply, [...segments, checkFileName(name)], async () => detachedBody(request.raw));
      };

      const del = async (request: FastifyRequest, reply: FastifyReply) => {
        refuseWrites(request, reply, m, config, prefix);
        const { segments } = rawTail(request, mountUrl);
        if (segments.length === 0) throw new HttpError(400, 'BAD_PATH', 'cannot delete the root');
        checkIds(m, segments);
        const parent = await resolveExisting(m.dir, m.label, segments.slice(0, -1));
        await deleteFile(join(parent, segments[segments.length - 1]), `/${m.label}/${segments.join('/')}`);
        return reply.send({ deleted: segments.join('/') });
      };

      for (const url of [mountUrl, `${mountUrl}/*`]) {
        // Explicit HEAD (exposeHeadRoutes is off): Fastify's generated HEAD routes reset Content-Length.
        app.route({ method: ['GET', 'HEAD'], url, handler: serve });
        app.put(url, put);
        app.post(url, post);
        app.delete(url, del);
      }
    }
  }
}
