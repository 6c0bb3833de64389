import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { unzipSync } from 'fflate';
import { isGzip, parseNifti, type Vec3, type Volume } from '@vista3d/volume';
import { z } from 'zod';

/**
 * Prompts in the client's terms. `classes`: names (case/underscore-insensitive) or VISTA3D ids.
 * `points`: voxel coordinates [x, y, z] per class (name or id). `pointLabels`: 1 = inside,
 * 0 = outside, per class, parallel to `points[class]`; points without labels are positive.
 */
export interface NimPrompts {
  classes?: Array<string | number>;
  points?: Record<string, Vec3[]>;
  pointLabels?: Record<string, Array<0 | 1>>;
}

/** The JSON `prompts` object as it goes on the wire (NIM format). */
export interface WirePrompts {
  classes?: Array<string | number>;
  points?: Record<string, Vec3[]> | Vec3[];
  point_labels?: Array<0 | 1> | Record<string, Array<0 | 1>>;
}

export interface NimClientOptions {
  /** e.g. `http://localhost:8000` or `http://nim-host:8000` (a path prefix such as `/api/vista3d` is kept). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Per-request time limit in ms (default 10 minutes). */
  timeoutMs?: number;
}

export interface InferOptions {
  signal?: AbortSignal;
}

export interface NimHealth {
  ok: boolean;
  status: number;
  body: unknown;
}

const labelRef = z.object({ id: z.number(), name: z.string() });
/** What GET /v1/vista3d/info answers; our backend fills every field, NVIDIA's NIM may differ (extra keys kept). */
const infoSchema = z
  .object({
    name: z.string().optional(),
    version: z.string().optional(),
    engine: z.object({ name: z.string(), version: z.string(), description: z.string() }).partial().optional(),
    modelCard: z.unknown().optional(),
    classes: z.array(labelRef).optional(),
    automaticClasses: z.array(labelRef).optional(),
    pointPrompts: z.object({ supported: z.boolean(), classes: z.union([z.literal('any'), z.array(z.number())]) }).optional(),
    limits: z.object({ maxVoxels: z.number(), concurrency: z.number(), queueLimit: z.number() }).partial().optional(),
  })
  .passthrough();
export type NimInfo = z.infer<typeof infoSchema>;

const errorSchema = z
  .object({
    code: z.string().optional(),
    message: z.string().optional(),
    error: z.string().optional(),
    detail: z.unknown().optional(),
  })
  .passthrough();

/** A failed call: HTTP `status` (0 when no answer came), the server's `code` and message. */
export class NimError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body?: unknown;
  /** Seconds from a Retry-After header (429/503: the server's queue is full). */
  retryAfterSeconds?: number;
  constructor(status: number, code: string, message: string, body?: unknown) {
    super(message);
    this.name = 'NimError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export interface NimClient {
  readonly baseUrl: string;
  info(options?: InferOptions): Promise<NimInfo>;
  live(options?: InferOptions): Promise<NimHealth>;
  ready(options?: InferOptions): Promise<NimHealth>;
  /** The server fetches `imageUrl` itself (it must be reachable from the server). */
  inferFromUrl(imageUrl: string, prompts?: NimPrompts, options?: InferOptions): Promise<Volume<Uint8Array>>;
  /** Uploads a local .nii/.nii.gz (streamed). Our backend only: NVIDIA's NIM takes URLs. */
  inferFromFile(path: string, prompts?: NimPrompts, options?: InferOptions): Promise<Volume<Uint8Array>>;
}

/**
 * Client prompts → NIM wire prompts. One class with labelled points uses the NIM's flat form
 * (`points: [[x,y,z]...], point_labels: [1,0...]` plus that single class); several use per-class maps.
 */
export function encodePrompts(prompts: NimPrompts = {}): WirePrompts {
  const wire: WirePrompts = {};
  const pointClasses = Object.keys(prompts.points ?? {});
  const classes = [...(prompts.classes ?? [])];
  if (prompts.pointLabels && pointClasses.length === 1) {
    const only = pointClasses[0];
    const points = prompts.points![only];
    const labels = prompts.pointLabels[only] ?? points.map(() => 1 as const);
    const others = classes.filter((c) => String(c) !== only);
    if (others.length === 0) {
      wire.classes = [/^\d+$/.test(only) ? Number(only) : only];
      wire.points = points;
      wire.point_labels = labels;
      return wire;
    }
  }
  if (classes.length > 0) wire.classes = classes;
  if (prompts.points && pointClasses.length > 0) wire.points = prompts.points;
  if (prompts.pointLabels && Object.keys(prompts.pointLabels).length > 0) wire.point_labels = prompts.pointLabels;
  return wire;
}

function messageOf(body: z.infer<typeof errorSchema>, fallback: string): string {
  if (body.message) return body.message;
  if (typeof body.detail === 'string') return body.detail;
  if (body.detail !== undefined) return JSON.stringify(body.detail);
  return body.error ?? fallback;
}

async function errorFromResponse(res: Response): Promise<NimError> {
  const text = await res.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const body = errorSchema.safeParse(parsed);
  const fallback = text.trim().slice(0, 500) || `HTTP ${res.status} ${res.statusText}`;
  const err = body.success
    ? new NimError(res.status, body.data.code ?? `HTTP_${res.status}`, messageOf(body.data, fallback), parsed)
    : new NimError(res.status, `HTTP_${res.status}`, fallback, text);
  const retryAfter = Number(res.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0) err.retryAfterSeconds = retryAfter;
  return err;
}

/**
 * Decodes an inference response body: a ZIP holding one .nii/.nii.gz (the NIM's format), or a
 * bare .nii.gz/.nii. Label values are returned as uint8 (VISTA3D ids are 0–255).
 */
export function labelVolumeFromResponse(bytes: Uint8Array): Volume<Uint8Array> {
  let nifti: Uint8Array;
  if (bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(bytes, { filter: (f) => /\.nii(\.gz)?$/i.test(f.name) && !f.name.startsWith('__MACOSX') });
    } catch (err) {
      throw new NimError(200, 'BAD_RESPONSE', `response is not a readable ZIP: ${(err as Error).message}`);
    }
    const names = Object.keys(entries);
    if (names.length === 0) throw new NimError(200, 'BAD_RESPONSE', 'the ZIP in the response holds no .nii/.nii.gz file');
    nifti = entries[names[0]];
  } else {
    nifti = bytes;
  }
  let vol: Volume;
  try {
    vol = parseNifti(nifti);
  } catch (err) {
    throw new NimError(200, 'BAD_RESPONSE', `response label volume is not readable NIfTI: ${(err as Error).message}`);
  }
  if (vol.data instanceof Uint8Array) return vol as Volume<Uint8Array>;
  const out = new Uint8Array(vol.data.length);
  for (let i = 0; i < vol.data.length; i++) {
    const v = Number(vol.data[i]) * vol.scl.slope + vol.scl.inter;
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      throw new NimError(200, 'BAD_RESPONSE', `label volume holds ${v} at voxel ${i}, not a class id 0–255`);
    }
    out[i] = v;
  }
  return { ...vol, datatype: 'uint8', data: out, scl: { slope: 1, inter: 0 } };
}

export function createNimClient(options: NimClientOptions): NimClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  try {
    const u = new URL(base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new NimError(0, 'BAD_BASE_URL', `baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
  }
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;

  async function call(path: string, init: RequestInit & { duplex?: 'half' }, signal?: AbortSignal): Promise<Response> {
    const headers = new Headers(init.headers);
    if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await fetch(`${base}${path}`, { ...init, headers, signal: combined });
    } catch (err) {
      if (signal?.aborted) throw new NimError(0, 'ABORTED', `request to ${base}${path} was aborted`);
      if (timeout.aborted) throw new NimError(0, 'TIMEOUT', `no answer from ${base}${path} within ${timeoutMs} ms`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new NimError(0, 'UNREACHABLE', `cannot reach ${base}${path}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }

  async function health(path: string, opts?: InferOptions): Promise<NimHealth> {
    const res = await call(path, { method: 'GET' }, opts?.signal);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // plain-text health answers are fine
    }
    return { ok: res.ok, status: res.status, body };
  }

  async function readLabels(res: Response, signal?: AbortSignal): Promise<Volume<Uint8Array>> {
    if (!res.ok) throw await errorFromResponse(res);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      if (signal?.aborted) throw new NimError(0, 'ABORTED', 'inference was aborted');
      throw new NimError(res.status, 'BAD_RESPONSE', `response body broke off: ${(err as Error).message}`);
    }
    return labelVolumeFromResponse(bytes);
  }

  return {
    baseUrl: base,
    async info(opts) {
      const res = await call('/v1/vista3d/info', { method: 'GET' }, opts?.signal);
      if (!res.ok) throw await errorFromResponse(res);
      const parsed = infoSchema.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) throw new NimError(res.status, 'BAD_RESPONSE', `unexpected info body: ${parsed.error.message}`);
      return parsed.data;
    },
    live: (opts) => health('/v1/health/live', opts),
    ready: (opts) => health('/v1/health/ready', opts),
    async inferFromUrl(imageUrl, prompts, opts) {
      const body = JSON.stringify({ image: imageUrl, prompts: encodePrompts(prompts) });
      const res = await call(
        '/v1/vista3d/inference',
        { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/zip' }, body },
        opts?.signal,
      );
      return readLabels(res, opts?.signal);
    },
    async inferFromFile(path, prompts, opts) {
      const size = (await stat(path)).size;
      const query = new URLSearchParams({ prompts: JSON.stringify(encodePrompts(prompts)) });
      const stream = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
      const head = await readHead(path);
      const res = await call(
        `/v1/vista3d/inference?${query}`,
        {
          method: 'POST',
          headers: {
            'content-type': isGzip(head) ? 'application/gzip' : 'application/octet-stream',
            'content-length': String(size),
            accept: 'application/zip',
          },
          body: stream,
          duplex: 'half',
        },
        opts?.signal,
      );
      return readLabels(res, opts?.signal);
    },
  };
}

async function readHead(path: string): Promise<Uint8Array> {
  const s = createReadStream(path, { start: 0, end: 1 });
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
