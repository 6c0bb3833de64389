import { createReadStream } from 'node:fs';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { NiftiError } from './errors.js';
import { NIFTI2_HEADER_BYTES, parseHeader, type NiftiHeaderInfo } from './header.js';

/** What an uploaded CT may be: the same rule on every entry point (web upload, image server, CLI). */
export interface VolumeUploadLimits {
  /** Decoded voxel bytes the header may promise (voxels × bytes of the data type). */
  maxVolumeBytes: number;
}

/** The result of a successful check: the header, and whether the bytes were gzip-compressed. */
export interface NiftiCheck {
  header: NiftiHeaderInfo;
  gzip: boolean;
}

/** Trailing bytes tolerated after the voxels a header promises (extensions, padding). */
const TRAILING_SLACK = 1 << 20;
const HEAD_BYTES = NIFTI2_HEADER_BYTES + 4;

/** A single-frame 3D volume with sane spacing whose voxels fit the byte limit; throws NiftiError otherwise. */
export function checkVolumeHeader(header: NiftiHeaderInfo, limits: VolumeUploadLimits): void {
  const shape = header.dims.join('×');
  if (header.frames !== 1) throw new NiftiError('NOT_3D', `expected a 3D volume, got ${header.frames} frames (4D)`);
  if (header.dims.some((d) => !Number.isInteger(d) || d < 2)) {
    throw new NiftiError('NOT_3D', `expected a 3D volume (every dimension at least 2), got dims ${shape} (2D)`);
  }
  if (header.spacing.some((s) => !Number.isFinite(s) || s <= 0 || s > 1000)) {
    throw new NiftiError('BAD_SPACING', `voxel spacing ${header.spacing.join('×')} mm is not a sane CT spacing`);
  }
  if (header.dataBytes > limits.maxVolumeBytes) {
    throw new NiftiError('TOO_LARGE', `the volume decodes to ${header.dataBytes} bytes (${shape}, ${header.datatype}); the limit is ${limits.maxVolumeBytes} (MAX_VOLUME_BYTES)`);
  }
}

function gunzipFailure(err: Error): NiftiError {
  if (err instanceof NiftiError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) return new NiftiError('TRUNCATED', 'gzip stream ends early: the file is truncated');
  return new NiftiError('CORRUPT_GZIP', `corrupted gzip stream: ${err.message}`);
}

/**
 * A pass-through stream that checks the NIfTI flowing through it (plain or gzip, told by magic bytes)
 * without keeping its voxels: the header must pass `checkVolumeHeader`, and the decompressed bytes must
 * be exactly what the header promises (plus a little slack). A decompression bomb fails as soon as it
 * inflates past that, so at most `voxOffset + dataBytes` bytes are ever inflated. The stream errors with
 * a NiftiError, which makes a `writeFileAtomic` through it remove its temp file.
 */
export class NiftiValidator extends Transform {
  private readonly limits: VolumeUploadLimits;
  private gunzip: Gunzip | null = null;
  private gzip: boolean | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private head = Buffer.alloc(0);
  private header: NiftiHeaderInfo | null = null;
  private inflated = 0;
  private failure: NiftiError | null = null;

  constructor(limits: VolumeUploadLimits) {
    super();
    this.limits = limits;
  }

  /** The checked header once the stream has ended without error. */
  get result(): NiftiCheck {
    if (!this.header || this.gzip === null || this.failure) throw this.failure ?? new NiftiError('TRUNCATED', 'the NIfTI stream has not ended');
    return { header: this.header, gzip: this.gzip };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.push(chunk);
    if (this.gzip === null) {
      // The magic bytes may arrive split across chunks.
      this.pending.push(chunk);
      this.pendingBytes += chunk.byteLength;
      if (this.pendingBytes < 2) return cb();
      const first = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.gzip = first[0] === 0x1f && first[1] === 0x8b;
      if (this.gzip) this.startGunzip();
      chunk = first;
    }
    this.feed(chunk).then(
      () => cb(this.failure),
      (err: unknown) => cb(err as Error),
    );
  }

  override _flush(cb: TransformCallback): void {
    const finish = (): void => {
      try {
        if (this.failure) throw this.failure;
        this.finishChecks();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    };
    if (this.gzip === null) {
      this.gzip = false;
      const first = Buffer.concat(this.pending, this.pendingBytes);
      if (first.byteLength > 0) this.decoded(first);
      return finish();
    }
    const gz = this.gunzip;
    if (!gz || gz.destroyed) return finish();
    const done = (): void => {
      gz.off('end', done);
      gz.off('close', done);
      finish();
    };
    gz.once('end', done);
    gz.once('close', done);
    gz.end();
  }

  private startGunzip(): void {
    const gz = createGunzip({ chunkSize: 1 << 20 });
    gz.on('data', (d: Buffer) => this.decoded(d));
    gz.on('error', (err) => this.fail(gunzipFailure(err)));
    this.gunzip = gz;
  }

  private feed(chunk: Buffer): Promise<void> {
    if (this.failure) return Promise.resolve();
    const gz = this.gunzip;
    if (!gz) {
      this.decoded(chunk);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      if (gz.destroyed) return resolve();
      // The write callback may never come once a bomb destroyed the gunzip: 'close' settles it too.
      const done = (): void => {
        gz.off('close', done);
        resolve();
      };
      gz.once('close', done);
      gz.write(chunk, done);
    });
  }

  private fail(err: NiftiError): void {
    if (this.failure) return;
    this.failure = err;
    this.gunzip?.destroy();
  }

  /** Counts decompressed bytes; parses the header from the first of them. */
  private decoded(bytes: Buffer): void {
    if (this.failure) return;
    this.inflated += bytes.byteLength;
    try {
      if (!this.header) {
        if (this.head.byteLength < HEAD_BYTES) this.head = Buffer.concat([this.head, bytes.subarray(0, HEAD_BYTES - this.head.byteLength)]);
        if (this.head.byteLength >= HEAD_BYTES) this.parse();
      }
      if (this.header) {
        const needed = this.header.voxOffset + this.header.dataBytes;
        if (this.inflated > needed + TRAILING_SLACK) {
          const h = this.header;
          throw new NiftiError('INFLATED_SIZE_MISMATCH', `the file inflates beyond the ${needed} bytes its header promises (${h.dims.join('×')}, ${h.datatype}): refused as a decompression bomb`);
        }
      }
    } catch (err) {
      this.fail(err as NiftiError);
    }
  }

  private parse(): void {
    const header = parseHeader(this.head);
    checkVolumeHeader(header, this.limits);
    this.header = header;
  }

  private finishChecks(): void {
    if (!this.header) {
      if (this.inflated === 0) throw new NiftiError('TRUNCATED', 'empty file: no bytes received');
      this.parse();
    }
    const needed = this.header!.voxOffset + this.header!.dataBytes;
    if (this.inflated < needed) throw new NiftiError('TRUNCATED', `NIfTI truncated: ${this.inflated} bytes, the header needs ${needed}`);
  }
}

/**
 * How an HTTP entry point answers a NIfTI that fails these checks, so that every service says the same:
 * 413 for a volume over the byte limit, 422 with the specific code or INVALID_NIFTI otherwise.
 */
export function uploadRefusal(err: NiftiError): { status: 413 | 422; code: string; message: string } {
  if (err.code === 'TOO_LARGE') return { status: 413, code: 'VOLUME_TOO_LARGE', message: err.message };
  if (err.code === 'NOT_3D' || err.code === 'BAD_SPACING' || err.code === 'INFLATED_SIZE_MISMATCH') return { status: 422, code: err.code, message: err.message };
  return { status: 422, code: 'INVALID_NIFTI', message: `not a readable NIfTI file: ${err.message}` };
}

/** Whether a file name says NIfTI (`.nii`, `.nii.gz`), the names every entry point checks as volumes. */
export function isNiftiName(name: string): boolean {
  return /\.nii(\.gz)?$/i.test(name);
}

/** Checks a file on disk with `NiftiValidator` (reads it once, keeps nothing but the header). */
export async function validateNiftiFile(path: string, limits: VolumeUploadLimits): Promise<NiftiCheck> {
  const validator = new NiftiValidator(limits);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), validator, sink);
  } finally {
    sink.destroy();
  }
  return validator.result;
}
