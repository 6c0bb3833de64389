/**
 * A map that keeps at most `budget` in the sum of its entries' sizes, the least recently used going
 * first (a Map iterates in insertion order, so a hit is moved to the end). The newest entry always
 * stays, even alone over the budget: the click that made it is about to use it.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  private used = 0;

  constructor(private readonly budget: number, private readonly sizeOf: (value: V) => number) {}

  /** The entry, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  /** The entry without counting it as used (eviction stays in insertion order). */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): void {
    this.delete(key);
    this.entries.set(key, value);
    this.used += this.sizeOf(value);
    for (const [k, v] of this.entries) {
      if (this.used <= this.budget || this.entries.size <= 1) break;
      this.entries.delete(k);
      this.used -= this.sizeOf(v);
    }
  }

  delete(key: string): void {
    const v = this.entries.get(key);
    if (v === undefined) return;
    this.used -= this.sizeOf(v);
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}
