import { createNimClient } from '@vista3d/nim-client';
import type { NimClient } from '@vista3d/nim-client';
import { BackendError } from '@vista3d/frontend/server/backend-client';
import type { BackendClient, InferencePrompts } from '@vista3d/frontend/server/backend-client';
import { wrapNimClient } from '@vista3d/frontend/server/integrations';
import type { Volume } from '@vista3d/volume';

export interface BackendState {
  url: string;
  healthy: boolean;
  inFlight: number;
  maxInFlight: number;
  /** Epoch ms until which the backend asked us to wait (429 Retry-After). */
  busyUntil: number;
  lastError?: string;
}

export interface BackendPoolOptions {
  maxInFlight: number;
  /** How long one inference waits for a free healthy backend before failing with BACKEND_UNAVAILABLE. */
  waitMs: number;
  healthIntervalMs: number;
  timeoutMs: number;
  apiKey?: string;
  /** 429 without Retry-After: wait this long (s). */
  defaultRetryAfterSeconds?: number;
}

interface Slot extends BackendState {
  nim: NimClient;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(t);
      reject(signal!.reason as Error);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Segmentation over one or more VISTA3D-compatible backends (ours or NIMs): each inference goes to the
 * healthy backend with the fewest requests in flight, never past its in-flight limit; a 429 parks that
 * backend for its Retry-After and the request moves on; an unreachable backend is marked unhealthy
 * (the health loop brings it back) and the request tries another.
 */
export class BackendPool implements BackendClient {
  private readonly slots: Slot[];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    urls: readonly string[],
    private readonly options: BackendPoolOptions,
  ) {
    if (urls.length === 0) throw new Error('BackendPool needs at least one backend URL');
    this.slots = urls.map((url) => ({
      url,
      nim: createNimClient({ baseUrl: url, timeoutMs: options.timeoutMs, ...(options.apiKey ? { apiKey: options.apiKey } : {}) }),
      healthy: true,
      inFlight: 0,
      maxInFlight: options.maxInFlight,
      busyUntil: 0,
    }));
  }

  /** Starts the health loop (first round now). */
  start(): void {
    void this.checkHealth();
    this.timer = setInterval(() => void this.checkHealth(), this.options.healthIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  state(): BackendState[] {
    return this.slots.map(({ nim: _nim, ...s }) => ({ ...s }));
  }

  private async checkHealth(): Promise<void> {
    await Promise.all(
      this.slots.map(async (s) => {
        const ok = await wrapNimClient(s.nim, s.url).ready(AbortSignal.timeout(5000));
        s.healthy = ok;
        if (ok) delete s.lastError;
        else s.lastError ??= 'not ready';
      }),
    );
  }

  private pick(now: number): Slot | null {
    let best: Slot | null = null;
    for (const s of this.slots) {
      if (!s.healthy || s.busyUntil > now || s.inFlight >= s.maxInFlight) continue;
      if (!best || s.inFlight < best.inFlight) best = s;
    }
    return best;
  }

  private summary(): string {
    return this.slots.map((s) => `${s.url}: ${s.healthy ? (s.busyUntil > Date.now() ? 'busy (429)' : `${s.inFlight}/${s.maxInFlight} in flight`) : `unhealthy (${s.lastError ?? 'not ready'})`}`).join('; ');
  }

  async inferFromUrl(imageUrl: string, prompts: InferencePrompts, options: { signal?: AbortSignal } = {}): Promise<Volume<Uint8Array>> {
    const { signal } = options;
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const slot = this.pick(now);
      if (!slot) {
        if (now >= deadline) {
          throw new BackendError('BACKEND_UNAVAILABLE', `no segmentation backend could take the request within ${Math.round(this.options.waitMs / 1000)} s: ${this.summary()}`);
        }
        // Unhealthy backends are re-probed here too, so a recovered one is used without waiting for the loop.
        if (this.slots.every((s) => !s.healthy)) void this.checkHealth();
        const nextFree = Math.min(...this.slots.map((s) => (s.busyUntil > now ? s.busyUntil - now : 250)));
        await sleep(Math.max(50, Math.min(nextFree, 1000, deadline - now)), signal);
        continue;
      }
      slot.inFlight++;
      let raw: unknown;
      const nim: NimClient = {
        ...slot.nim,
        inferFromUrl: (...args: Parameters<NimClient['inferFromUrl']>) =>
          slot.nim.inferFromUrl(...args).catch((err: unknown) => {
            raw = err;
            throw err;
          }),
      };
      try {
        return await wrapNimClient(nim, slot.url).inferFromUrl(imageUrl, prompts, options);
      } catch (err) {
        if (signal?.aborted) throw err;
        const status = (raw as { status?: number } | undefined)?.status;
        if (status === 429) {
          const after = (raw as { retryAfterSeconds?: number }).retryAfterSeconds ?? this.options.defaultRetryAfterSeconds ?? 5;
          slot.busyUntil = Date.now() + after * 1000;
          continue;
        }
        if (err instanceof BackendError && err.code === 'BACKEND_UNAVAILABLE') {
          slot.healthy = false;
          slot.lastError = err.message;
          continue;
        }
        throw err;
      } finally {
        slot.inFlight--;
      }
    }
  }

  async live(signal?: AbortSignal): Promise<boolean> {
    const all = await Promise.all(this.slots.map((s) => wrapNimClient(s.nim, s.url).live(signal)));
    return all.some(Boolean);
  }

  async ready(signal?: AbortSignal): Promise<boolean> {
    const all = await Promise.all(this.slots.map((s) => wrapNimClient(s.nim, s.url).ready(signal)));
    return all.some(Boolean);
  }

  async info(signal?: AbortSignal): Promise<Record<string, unknown>> {
    const s = this.slots.find((x) => x.healthy) ?? this.slots[0]!;
    return wrapNimClient(s.nim, s.url).info(signal);
  }
}
