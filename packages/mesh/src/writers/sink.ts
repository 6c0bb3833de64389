import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Chunk size of the streaming writers: memory per open file stays at about this much. */
export const CHUNK_BYTES = 1 << 20;

/**
 * A file written in chunks to a hidden temporary name beside its final path; `commit()` renames it
 * into place, `discard()` removes it. Nothing half-written ever carries the final name.
 */
export class FileSink {
  bytes = 0;
  private constructor(readonly path: string, readonly tmp: string, private readonly fh: FileHandle) {}

  static async create(path: string): Promise<FileSink> {
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomUUID().slice(0, 8)}`);
    return new FileSink(path, tmp, await open(tmp, 'w'));
  }

  async write(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
    this.bytes += chunk.length;
  }

  async writeAll(chunks: Iterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    for (const c of chunks) {
      signal?.throwIfAborted();
      await this.write(c);
    }
  }

  /** Flushes and closes; the file keeps its temporary name until `commit`. */
  async close(): Promise<void> {
    await this.fh.sync().catch(() => undefined);
    await this.fh.close();
  }

  async commit(): Promise<void> {
    await rename(this.tmp, this.path);
  }

  async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

/** Joins chunks (small meshes, tests). */
export function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const list = [...chunks];
  const out = new Uint8Array(list.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of list) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Text → UTF-8 chunks of about CHUNK_BYTES: collects lines and encodes them a chunk at a time. */
export class TextChunker {
  private parts: string[] = [];
  private size = 0;
  private readonly enc = new TextEncoder();

  /** Adds text; returns a chunk when enough has accumulated. */
  add(text: string): Uint8Array | undefined {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= CHUNK_BYTES ? this.flush() : undefined;
  }

  flush(): Uint8Array | undefined {
    if (this.size === 0) return undefined;
    const out = this.enc.encode(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    return out;
  }
}
