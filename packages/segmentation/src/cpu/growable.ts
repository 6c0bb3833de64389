/** An append-only Int32 list backed by a doubling typed array (no per-element objects). */
export class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  /** A view of the filled part (no copy). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
