type GrowableArray = Float32Array | Uint32Array;

/** Append-only typed-array buffer that doubles when full (used while building meshes). */
class Growable<T extends GrowableArray> {
  data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T, capacity: number) {
    this.data = make(capacity);
  }
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) this.grow();
    const d = this.data;
    d[this.length++] = a;
    d[this.length++] = b;
    d[this.length++] = c;
  }
  private grow(): void {
    const next = this.make(Math.max(16, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}

export class GrowableF32 extends Growable<Float32Array> {
  constructor(capacity = 1024) {
    super((n) => new Float32Array(n), capacity);
  }
}

export class GrowableU32 extends Growable<Uint32Array> {
  constructor(capacity = 1024) {
    super((n) => new Uint32Array(n), capacity);
  }
}
