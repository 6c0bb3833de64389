/** Milliseconds per named stage, summed over calls (the benchmark's per-stage figures). */
export class Timer {
  readonly ms: Record<string, number> = {};

  add(stage: string, ms: number): void {
    this.ms[stage] = (this.ms[stage] ?? 0) + ms;
  }

  time<T>(stage: string, f: () => T): T {
    const t0 = performance.now();
    const r = f();
    if (r instanceof Promise) return r.finally(() => this.add(stage, performance.now() - t0)) as T;
    this.add(stage, performance.now() - t0);
    return r;
  }
}
