import { HttpError } from '@vista3d/service-kit';

/** Thrown when every slot is busy and the waiting line is full (→ 429 with Retry-After). */
export class QueueFullError extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(limit: number, retryAfterSeconds: number) {
    super(429, 'QUEUE_FULL', `the inference queue is full (${limit} waiting); retry in about ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Waiter {
  start: () => void;
  fail: (err: Error) => void;
}

/** A place in the line, held while a job's input is still arriving (before it may take a slot). */
export interface Admission {
  release(): void;
}

/**
 * A small FIFO job queue: at most `concurrency` jobs run, at most `limit` wait; more are refused
 * at once. A waiting job whose signal aborts leaves the line without running. Jobs whose input is
 * still being received are `admit`ted first: they count towards the line (so memory stays bounded)
 * but hold no slot, so a slow client can never stall the jobs that are ready.
 */
export class JobQueue {
  private running = 0;
  private loading = 0;
  private readonly waiting: Waiter[] = [];
  private recentSeconds = 30;

  constructor(
    readonly concurrency: number,
    readonly limit: number,
    private readonly onChange: (running: number, waiting: number, loading: number) => void = () => {},
  ) {}

  get depth(): { running: number; waiting: number; loading: number } {
    return { running: this.running, waiting: this.waiting.length, loading: this.loading };
  }

  /** Takes a place in the line for a job whose input is still arriving; QueueFullError when full. */
  admit(): Admission {
    if (this.running + this.waiting.length + this.loading >= this.concurrency + this.limit) {
      throw new QueueFullError(this.limit, this.retryAfter());
    }
    this.loading++;
    this.notify();
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.loading--;
        this.notify();
      },
    };
  }

  /** Seconds a new client should wait: a rough estimate from recent job durations. */
  retryAfter(): number {
    const estimate = Math.ceil((this.recentSeconds * (this.waiting.length + 1)) / this.concurrency);
    return Math.min(600, Math.max(1, estimate));
  }

  /**
   * Refuses immediately (QueueFullError) when full; otherwise runs `job` once a slot is free. A job
   * that was admitted (and has just released its admission) already has its place and is not refused.
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal, options: { admitted?: boolean } = {}): Promise<T> {
    if (!options.admitted && this.running + this.waiting.length + this.loading >= this.concurrency + this.limit) {
      throw new QueueFullError(this.limit, this.retryAfter());
    }
    if (this.running >= this.concurrency) {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          fail: reject,
        };
        const onAbort = (): void => {
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) this.waiting.splice(i, 1);
          this.notify();
          reject(new HttpError(499, 'CLIENT_CLOSED', 'the client went away while the job was waiting'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(waiter);
        this.notify();
      });
    } else {
      this.running++;
      this.notify();
    }
    // Here we hold a slot (taken above, or handed over by the finishing job).
    const started = performance.now();
    try {
      return await job();
    } finally {
      this.recentSeconds = 0.7 * this.recentSeconds + 0.3 * ((performance.now() - started) / 1000);
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
      this.notify();
    }
  }

  private notify(): void {
    this.onChange(this.running, this.waiting.length, this.loading);
  }
}
