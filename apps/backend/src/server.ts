import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { VISTA3D_LABELS, labelById, type LabelInfo } from '@vista3d/labels';
import { SegmentationInputError, type SegmentationEngine } from '@vista3d/segmentation';
import { HttpError, badRequest, fastifyTimeoutOptions, multipartFileStream, installErrorHandler, installMetrics, loggerOptions } from '@vista3d/service-kit';
import type { Volume } from '@vista3d/volume';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pkg from '../package.json' with { type: 'json' };
import type { BackendConfig } from './config.js';
import { checkModelFiles, loadEngine, modelCardPathOf } from './engine.js';
import { checkImageUrl, fetchVolume, readVolume, type FetchPolicy, type ImageLimits } from './image-source.js';
import { createBackendMetrics, type BackendMetrics } from './metrics.js';
import { gzipNifti, outputName, saveToWorkspace, zipOne } from './output.js';
import { inferenceBodySchema, promptsSchema, resolvePrompts, toRequest, type Prompts, type ResolvedPrompts } from './prompts.js';
import { JobQueue, QueueFullError } from './queue.js';
import { watchUploadIdle } from './upload-idle.js';

export interface BuildOptions {
  /** An engine (or its promise) to serve with; default: createEngine from @vista3d/segmentation per config. */
  engine?: SegmentationEngine | Promise<SegmentationEngine>;
  /** Dispose the engine when the server closes (default: only when the server created it). */
  disposeEngine?: boolean;
}

export const ALIAS_PREFIX = '/api/vista3d';
const UPLOAD_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/x-nifti', 'application/nifti'];

type EngineState =
  | { state: 'loading' }
  | { state: 'ready'; engine: SegmentationEngine }
  | { state: 'failed'; error: Error; engine?: SegmentationEngine };

function labelRef(l: LabelInfo): { id: number; name: string } {
  return { id: l.id, name: l.name };
}

function idsToLabels(ids: readonly number[]): Array<{ id: number; name: string }> {
  return ids.map((id) => ({ id, name: labelById(id)?.name ?? `class ${id}` }));
}

/** Parses `prompts` (JSON) or `classes` (comma list) from a query string or multipart field. */
function promptsFromFields(fields: { prompts?: string; classes?: string }): Prompts | undefined {
  if (fields.prompts !== undefined && fields.prompts !== '') {
    let raw: unknown;
    try {
      raw = JSON.parse(fields.prompts);
    } catch (err) {
      throw badRequest('BAD_JSON', `"prompts" is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = promptsSchema.safeParse(raw);
    if (!parsed.success) throw badRequest('INVALID_PROMPTS', `"prompts": ${parsed.error.issues.map((i) => `${i.path.join('.') || '(prompts)'}: ${i.message}`).join('; ')}`);
    if (fields.classes) throw badRequest('INVALID_PROMPTS', 'give either "prompts" or "classes", not both');
    return parsed.data;
  }
  if (fields.classes) {
    const classes = fields.classes.split(',').map((s) => s.trim()).filter(Boolean);
    return { classes };
  }
  return undefined;
}

function wantsBareGzip(request: FastifyRequest): boolean {
  const accept = (request.headers.accept ?? '').toLowerCase();
  return /application\/(x-)?gzip/.test(accept) && !accept.includes('application/zip');
}

export function buildServer(config: BackendConfig, options: BuildOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions('backend'),
    bodyLimit: 1 << 20,
    requestIdHeader: 'x-request-id',
    // Receiving the request (not answering it: inference may take minutes) has a deadline, and an
    // upload that goes quiet is cut off sooner (see holdUploadIdleTimeout). No idle timeout on the
    // connection itself: a synchronous inference may be silent for minutes while the client waits.
    ...fastifyTimeoutOptions({ headersTimeoutMs: config.headersTimeoutMs, requestTimeoutMs: config.requestTimeoutMs, idleTimeoutMs: 0, keepAliveTimeoutMs: config.keepAliveTimeoutMs }),
  });
  installErrorHandler(app);
  const registry = installMetrics(app, 'vista3d_backend');
  const metrics: BackendMetrics = createBackendMetrics(registry);
  const queue = new JobQueue(config.inferenceConcurrency, config.inferenceQueueLimit, (running, waiting, loading) => {
    metrics.queueDepth.set({ state: 'running' }, running);
    metrics.queueDepth.set({ state: 'waiting' }, waiting);
    metrics.queueDepth.set({ state: 'loading' }, loading);
  });
  for (const state of ['running', 'waiting', 'loading']) metrics.queueDepth.set({ state }, 0);
  const limits: ImageLimits = { maxVoxels: config.maxVoxels, maxVolumeBytes: config.maxVolumeBytes, maxImageBytes: config.maxImageBytes };
  const fetchPolicy: FetchPolicy = {
    allowedHosts: config.allowedImageHosts,
    imageServer: config.imageServer,
    allowPrivateAddresses: config.allowPrivateImageAddresses,
    followRedirects: config.followImageRedirects,
    httpsOnly: config.imageHttpsOnly,
    timeoutMs: config.imageFetchTimeoutMs,
  };

  // Engine: loaded in the background; /v1/health/ready says 503 until ready() resolves. Files it
  // cannot do without are checked here, so that a wrong path stops the server at start.
  const ownsEngine = options.engine === undefined;
  if (ownsEngine) checkModelFiles(config);
  let modelCard: unknown;
  const cardPath = modelCardPathOf(config);
  if (cardPath && (config.modelCardPath || ownsEngine)) {
    try {
      modelCard = JSON.parse(readFileSync(cardPath, 'utf8'));
    } catch (err) {
      throw new Error(`VISTA3D_MODEL_CARD ${cardPath} is not readable JSON: ${(err as Error).message}`);
    }
  }
  let engineState: EngineState = { state: 'loading' };
  const disposeEngine = options.disposeEngine ?? ownsEngine;
  const enginePromise = Promise.resolve(options.engine ?? loadEngine(config));
  const readyPromise = enginePromise.then(
    async (engine) => {
      try {
        await engine.ready();
        engineState = { state: 'ready', engine };
      } catch (err) {
        engineState = { state: 'failed', error: err as Error, engine };
        app.log.error({ err }, 'engine failed to become ready');
      }
    },
    (err: unknown) => {
      engineState = { state: 'failed', error: err as Error };
      app.log.error({ err }, 'engine could not be created');
    },
  );
  app.decorate('engineReady', readyPromise);
  app.addHook('onClose', async () => {
    await readyPromise;
    const engine = engineState.state === 'loading' ? undefined : engineState.engine;
    if (engine && disposeEngine) await engine.dispose();
  });

  function readyEngine(): SegmentationEngine {
    if (engineState.state === 'ready') return engineState.engine;
    if (engineState.state === 'failed') throw new HttpError(503, 'ENGINE_FAILED', `the segmentation engine failed to start: ${engineState.error.message}`);
    throw new HttpError(503, 'NOT_READY', 'the segmentation engine is still loading; retry shortly');
  }

  // JSON with a clear 400 for malformed bodies.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(badRequest('BAD_JSON', `request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
  // Raw .nii / .nii.gz uploads: handed to the route as the unread stream (decoded while it arrives).
  app.addContentTypeParser(UPLOAD_TYPES, (_req, payload, done) => done(null, payload));
  void app.register(multipart, {
    limits: { fileSize: config.maxImageBytes, files: 1, fields: 10, fieldSize: 1 << 20, parts: 12 },
  });

  async function authorize(request: FastifyRequest): Promise<void> {
    if (!config.apiKey) return;
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = Buffer.from(m?.[1]?.trim() ?? '');
    const expected = Buffer.from(config.apiKey);
    if (!m || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'UNAUTHORIZED', m ? 'invalid API key' : 'missing "Authorization: Bearer <key>" header');
    }
  }

  function info(): Record<string, unknown> {
    const engine = readyEngine();
    const automatic = idsToLabels(engine.info.automaticClasses);
    const pointIds = engine.info.supportsPoints ? engine.info.pointClasses : [];
    const askable = new Map<number, { id: number; name: string }>();
    for (const l of automatic) askable.set(l.id, l);
    if (pointIds === 'any') for (const l of VISTA3D_LABELS) askable.set(l.id, labelRef(l));
    else for (const l of idsToLabels(pointIds)) askable.set(l.id, l);
    return {
      name: 'vista3d-backend',
      version: pkg.version,
      engine: { name: engine.info.name, version: engine.info.version, description: engine.info.description },
      ...(modelCard === undefined ? {} : { modelCard }),
      classes: [...askable.values()].sort((a, b) => a.id - b.id),
      automaticClasses: automatic,
      pointPrompts: { supported: engine.info.supportsPoints, classes: pointIds === 'any' ? 'any' : [...pointIds] },
      limits: { maxVoxels: config.maxVoxels, concurrency: config.inferenceConcurrency, queueLimit: config.inferenceQueueLimit },
    };
  }

  interface Job {
    /** Loads the CT (URL fetch, raw body or multipart) and, for multipart, the prompts. */
    load: (signal: AbortSignal) => Promise<{ volume: Volume; resolved: ResolvedPrompts; name?: string }>;
    name?: string;
  }

  /** Works out where the image and prompts come from; cheap checks happen here, before queueing. */
  function planJob(request: FastifyRequest, engine: SegmentationEngine): Job {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const query = (request.query ?? {}) as Record<string, unknown>;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined);
    const queryFields = { prompts: str(query.prompts), classes: str(query.classes) };

    if (request.isMultipart()) {
      return {
        load: async () => {
          const fields: { prompts?: string; classes?: string } = { ...queryFields };
          let volume: Volume | undefined;
          let name: string | undefined;
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'image') {
                part.file.resume();
                throw badRequest('INVALID_REQUEST', `unexpected file field "${part.fieldname}"; send the CT as field "image"`);
              }
              if (volume) throw badRequest('INVALID_REQUEST', 'send exactly one file field "image"');
              name = part.filename;
              let streamError: Error | undefined;
              part.file.on('error', (err) => (streamError = err));
              volume = await readVolume(multipartFileStream(part.file), limits, `uploaded file "${part.filename}"`, () => {
                if (part.file.truncated || (streamError as { code?: string } | undefined)?.code === 'FST_REQ_FILE_TOO_LARGE') {
                  return new HttpError(413, 'IMAGE_TOO_LARGE', `uploaded file is larger than MAX_IMAGE_BYTES (${config.maxImageBytes} bytes)`);
                }
                return streamError;
              });
            } else if (part.fieldname === 'prompts' || part.fieldname === 'classes') {
              fields[part.fieldname] = String(part.value);
            }
          }
          if (!volume) throw badRequest('MISSING_IMAGE', 'multipart body has no file field "image"');
          return { volume, resolved: resolvePrompts(promptsFromFields(fields), engine.info), name };
        },
      };
    }

    if (UPLOAD_TYPES.includes(contentType)) {
      const resolved = resolvePrompts(promptsFromFields(queryFields), engine.info);
      if (request.headers['content-length'] === '0') throw badRequest('MISSING_IMAGE', 'the request body is empty; send the CT as .nii or .nii.gz bytes');
      const stream = request.body as Readable;
      const name = str(query.name);
      return {
        name,
        load: async () => ({ volume: await readVolume(stream, limits, 'the uploaded image'), resolved, name }),
      };
    }

    if (request.body === undefined || request.body === null) {
      throw badRequest('MISSING_IMAGE', 'send JSON {"image": "<http(s) URL of a .nii/.nii.gz>", "prompts": {...}}, or upload the CT as application/gzip or multipart/form-data');
    }
    const parsed = inferenceBodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issues = parsed.error.issues;
      const missingImage = issues.some((i) => i.path[0] === 'image' && (request.body as Record<string, unknown>)?.image === undefined);
      throw badRequest(missingImage ? 'MISSING_IMAGE' : 'INVALID_REQUEST', issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), issues);
    }
    const { url } = checkImageUrl(parsed.data.image, fetchPolicy);
    const resolved = resolvePrompts(parsed.data.prompts, engine.info);
    const name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    return { name, load: async (signal) => ({ volume: await fetchVolume(url.href, fetchPolicy, limits, signal), resolved, name }) };
  }

  function outcomeOf(err: unknown): string {
    if (err instanceof QueueFullError) return 'queue_full';
    if (err instanceof HttpError) return err.statusCode === 499 ? 'aborted' : err.statusCode >= 500 ? 'server_error' : 'client_error';
    const status = (err as { statusCode?: number }).statusCode;
    return status && status < 500 ? 'client_error' : 'server_error';
  }

  async function infer(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const started = performance.now();
    const abort = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    try {
      await authorize(request);
      const engine = readyEngine();
      const job = planJob(request, engine);
      // The CT is received and decoded before the job takes an inference slot: a slow upload holds
      // only its place in the line, never the slot that ready jobs are waiting for.
      const admission = queue.admit();
      let loaded: Awaited<ReturnType<Job['load']>>;
      const idle = watchUploadIdle(request, config.uploadIdleTimeoutMs);
      try {
        loaded = await job.load(abort.signal);
      } finally {
        idle.stop();
        admission.release();
      }
      const result = await queue.run(async () => {
        const { volume, resolved, name } = loaded;
        const segRequest = toRequest(resolved, volume.dims);
        let label: Volume<Uint8Array>;
        try {
          label = await engine.segment(volume, {
            ...segRequest,
            signal: abort.signal,
            onProgress: (fraction, stage) => request.log.debug({ fraction, stage }, 'inference progress'),
          });
        } catch (err) {
          if (err instanceof SegmentationInputError || (err as Error).name === 'SegmentationInputError') {
            throw badRequest((err as SegmentationInputError).code, (err as Error).message);
          }
          if (abort.signal.aborted) throw new HttpError(499, 'CLIENT_CLOSED', 'the client went away during inference');
          metrics.engineErrors.inc();
          throw new HttpError(500, 'ENGINE_ERROR', `segmentation failed: ${(err as Error).message}`);
        }
        const n = volume.dims[0] * volume.dims[1] * volume.dims[2];
        if (!(label.data instanceof Uint8Array) || label.data.length !== n || label.dims.some((d, i) => d !== volume.dims[i])) {
          metrics.engineErrors.inc();
          throw new HttpError(500, 'ENGINE_ERROR', `engine returned a label map of ${label.dims.join('×')} (${label.datatype}) for a ${volume.dims.join('×')} CT`);
        }
        // Same grid and affine as the input, whatever the engine copied.
        label.affine = volume.affine.map((r) => [...r]) as Volume['affine'];
        label.spacing = [...volume.spacing];
        label.meta = { ...label.meta, qformCode: volume.meta.qformCode, sformCode: volume.meta.sformCode, xyztUnits: volume.meta.xyztUnits };
        metrics.voxels.inc(n);
        return { label, name: outputName(name ?? job.name), skipped: resolved.skipped };
      }, abort.signal, { admitted: true });

      let body: Readable;
      if (config.workspaceOutputsPath) {
        const saved = await saveToWorkspace(config.workspaceOutputsPath, String(request.id), result.name, result.label);
        reply.header('x-vista3d-output-path', saved.path);
        body = saved.stream;
      } else {
        body = gzipNifti(result.label);
      }
      if (result.skipped.length > 0) {
        reply.header('x-vista3d-skipped-classes', result.skipped.map((l) => l.id).join(','));
      }
      const seconds = (performance.now() - started) / 1000;
      metrics.requests.inc({ outcome: 'ok' });
      metrics.latency.observe({ outcome: 'ok' }, seconds);
      reply.header('x-vista3d-inference-seconds', seconds.toFixed(3));
      reply.header('x-vista3d-dims', result.label.dims.join(','));
      if (wantsBareGzip(request)) {
        reply.type('application/gzip').header('content-disposition', `attachment; filename="${result.name}"`);
        return reply.send(body);
      }
      const zipName = result.name.replace(/\.nii\.gz$/, '.zip');
      reply.type('application/zip').header('content-disposition', `attachment; filename="${zipName}"`);
      return reply.send(Readable.from(zipOne(result.name, body)));
    } catch (err) {
      const outcome = outcomeOf(err);
      metrics.requests.inc({ outcome });
      metrics.latency.observe({ outcome }, (performance.now() - started) / 1000);
      if (err instanceof QueueFullError) reply.header('retry-after', String(err.retryAfterSeconds));
      // An unread upload must not keep the connection (and its bytes) around.
      if (request.body instanceof Readable && !request.body.readableEnded) reply.header('connection', 'close');
      throw err;
    }
  }

  const routes = async (scope: FastifyInstance): Promise<void> => {
    scope.get('/v1/health/live', async () => ({ status: 'live' }));
    scope.get('/v1/health/ready', async (_request, reply) => {
      if (engineState.state === 'ready') return { status: 'ready' };
      reply.status(503);
      return engineState.state === 'failed'
        ? { status: 'failed', message: engineState.error.message }
        : { status: 'loading', message: 'the segmentation engine is loading' };
    });
    scope.get('/v1/vista3d/info', async (request) => {
      await authorize(request);
      return info();
    });
    scope.post('/v1/vista3d/inference', infer);
  };
  void app.register(routes);
  void app.register(routes, { prefix: ALIAS_PREFIX });
  app.get(`${ALIAS_PREFIX}/metrics`, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves once the engine is ready (or failed); tests await it. */
    engineReady: Promise<void>;
  }
}
