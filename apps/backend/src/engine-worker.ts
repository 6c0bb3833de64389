// Runs a segmentation engine in worker threads, so that its long synchronous stages (the CPU engine's
// HU analysis, the ONNX engine's resampling and argmax) never stall the server's event loop: health,
// info and metrics keep answering while a large CT is segmented.
//
// The same module is the worker's entry. Under tsx (dev, tests) the worker first registers tsx, then
// imports this file; in the esbuild bundle (container image) the worker runs the bundle itself, and
// main.ts starts the server only on the main thread.
import { Worker, isMainThread, parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import {
  SegmentationInputError,
  createEngine,
  type EngineConfig,
  type EngineInfo,
  type SegmentationEngine,
  type SegmentationRequest,
} from '@vista3d/segmentation';
import type { Volume } from '@vista3d/volume';

const MARK = 'vista3dSegmentationWorker';

interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

type ToWorker =
  | { type: 'segment'; id: number; ct: Volume; request: Pick<SegmentationRequest, 'classes' | 'points'> }
  | { type: 'abort'; id: number };

type FromWorker =
  | { type: 'ready'; info: EngineInfo }
  | { type: 'failed'; error: SerializedError }
  | { type: 'progress'; id: number; fraction: number; stage: string }
  | { type: 'done'; id: number; label: Volume<Uint8Array> }
  | { type: 'error'; id: number; error: SerializedError };

function serializeError(err: unknown): SerializedError {
  const e = err as { name?: string; message?: string; code?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

function reviveError(e: SerializedError): Error {
  if (e.name === 'SegmentationInputError') return new SegmentationInputError(e.code ?? 'INVALID_INPUT', e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** The voxel buffer, when it can be moved to the other thread instead of copied. */
function transferable(data: ArrayBufferView): TransferListItem[] {
  const buf = data.buffer;
  return buf instanceof ArrayBuffer ? [buf] : [];
}

function post(port: { postMessage: (m: unknown, t?: readonly TransferListItem[]) => void }, message: unknown, transfer: TransferListItem[]): void {
  try {
    port.postMessage(message, transfer);
  } catch (err) {
    // Buffers Node marks untransferable (its small-buffer pool) are copied instead.
    if ((err as Error).name !== 'DataCloneError' || transfer.length === 0) throw err;
    port.postMessage(message);
  }
}

// ---- worker side -----------------------------------------------------------------------------------

async function runWorker(config: EngineConfig): Promise<void> {
  const port = parentPort!;
  const jobs = new Map<number, AbortController>();
  let engine: SegmentationEngine;
  try {
    engine = await createEngine(config);
  } catch (err) {
    port.postMessage({ type: 'failed', error: serializeError(err) } satisfies FromWorker);
    return;
  }
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'abort') {
      jobs.get(msg.id)?.abort();
      return;
    }
    const abort = new AbortController();
    jobs.set(msg.id, abort);
    engine
      .segment(msg.ct, {
        ...msg.request,
        signal: abort.signal,
        onProgress: (fraction, stage) => port.postMessage({ type: 'progress', id: msg.id, fraction, stage } satisfies FromWorker),
      })
      .then(
        (label) => post(port, { type: 'done', id: msg.id, label } satisfies FromWorker, transferable(label.data)),
        (err: unknown) => port.postMessage({ type: 'error', id: msg.id, error: serializeError(err) } satisfies FromWorker),
      )
      .finally(() => jobs.delete(msg.id));
  });
  port.postMessage({ type: 'ready', info: engine.info } satisfies FromWorker);
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK]) {
  void runWorker((workerData as Record<string, EngineConfig>)[MARK]);
}

// ---- main thread side ------------------------------------------------------------------------------

interface Job {
  resolve: (label: Volume<Uint8Array>) => void;
  reject: (err: Error) => void;
  onProgress?: SegmentationRequest['onProgress'];
}

/** One worker thread with its own engine; runs one job at a time (the pool hands out idle ones). */
class EngineThread {
  readonly worker: Worker;
  readonly ready: Promise<EngineInfo>;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  exited = false;

  constructor(config: EngineConfig, onExit: (thread: EngineThread) => void) {
    const data = { [MARK]: config };
    const self = import.meta.url;
    if (self.endsWith('.ts')) {
      // Source tree under tsx: workers do not inherit tsx's loader hooks, so register it first.
      const tsx = import.meta.resolve('tsx/esm/api');
      const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); });`;
      this.worker = new Worker(boot, { eval: true, workerData: data });
    } else {
      this.worker = new Worker(new URL(self), { workerData: data });
    }
    // Jobs in flight keep their HTTP requests (and so the process) alive; an idle worker must not.
    this.worker.unref();
    let settle!: { resolve: (info: EngineInfo) => void; reject: (err: Error) => void };
    this.ready = new Promise<EngineInfo>((resolve, reject) => (settle = { resolve, reject }));
    this.ready.catch(() => {}); // observed by whoever awaits it
    this.worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') settle.resolve(msg.info);
      else if (msg.type === 'failed') settle.reject(reviveError(msg.error));
      else if (msg.type === 'progress') this.jobs.get(msg.id)?.onProgress?.(msg.fraction, msg.stage);
      else {
        const job = this.jobs.get(msg.id);
        this.jobs.delete(msg.id);
        if (msg.type === 'done') job?.resolve(msg.label);
        else job?.reject(reviveError(msg.error));
      }
    });
    const stopped = (reason: string): void => {
      if (this.exited) return;
      this.exited = true;
      const err = new Error(`the segmentation worker stopped: ${reason}`);
      settle.reject(err);
      for (const job of this.jobs.values()) job.reject(err);
      this.jobs.clear();
      onExit(this);
    };
    this.worker.on('error', (err) => stopped(err.message));
    this.worker.on('exit', (code) => stopped(`exit code ${code}`));
  }

  segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>> {
    const id = this.nextId++;
    const { signal, onProgress } = request;
    signal?.throwIfAborted();
    return new Promise<Volume<Uint8Array>>((resolve, reject) => {
      const onAbort = (): void => this.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.jobs.set(id, {
        resolve: (label) => {
          done();
          resolve(label);
        },
        reject: (err) => {
          done();
          reject(err);
        },
        onProgress,
      });
      // The CT's voxels move to the worker (no copy); the caller keeps dims, affine and meta.
      const message: ToWorker = { type: 'segment', id, ct, request: { classes: request.classes, points: request.points } };
      post(this.worker, message, transferable(ct.data));
    });
  }

  async terminate(): Promise<void> {
    this.exited = true;
    await this.worker.terminate();
  }
}

/**
 * A SegmentationEngine whose work happens in worker threads, one job per thread: a thread is started
 * for ready() and more (up to the number of jobs at once, which the server's queue bounds) on demand;
 * a thread that dies fails its job and is replaced by the next one. Note: the CT's voxel buffer is
 * moved to the worker, so `ct.data` is empty after segment() is called.
 */
export class WorkerEngine implements SegmentationEngine {
  info: EngineInfo;
  private readonly idle: EngineThread[] = [];
  private readonly all = new Set<EngineThread>();
  private first: Promise<void> | null = null;
  private disposed = false;

  constructor(private readonly config: EngineConfig) {
    this.info = { name: config.kind, version: '0', automaticClasses: [], supportsPoints: false, pointClasses: [], description: 'engine loading in a worker thread' };
  }

  private spawn(): EngineThread {
    const thread = new EngineThread(this.config, (t) => {
      this.all.delete(t);
      const i = this.idle.indexOf(t);
      if (i >= 0) this.idle.splice(i, 1);
    });
    this.all.add(thread);
    return thread;
  }

  ready(): Promise<void> {
    this.first ??= (async () => {
      const thread = this.spawn();
      this.info = await thread.ready;
      this.idle.push(thread);
    })();
    return this.first;
  }

  async segment(ct: Volume, request: SegmentationRequest): Promise<Volume<Uint8Array>> {
    if (this.disposed) throw new Error('the engine is disposed');
    await this.ready();
    let thread = this.idle.pop();
    if (!thread) {
      thread = this.spawn();
      await thread.ready;
    }
    try {
      return await thread.segment(ct, request);
    } finally {
      if (!thread.exited && !this.disposed) this.idle.push(thread);
    }
  }

  /** Threads alive (idle or busy); for tests and diagnostics. */
  get threads(): number {
    return this.all.size;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const threads = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
