import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { NiftiError, NiftiValidator, checkVolumeHeader, parseHeader, validateNiftiFile } from '../src/index.js';
import { flatNifti, gzipBomb, smallNifti } from './bad-nifti.js';
import { SAMPLE_CT } from './helpers.js';

const LIMITS = { maxVolumeBytes: 1 << 30 };
const code = (c: string) => (err: unknown) => err instanceof NiftiError && err.code === c;

/** Streams `chunks` through a validator; resolves with the bytes that came out. */
async function through(chunks: Uint8Array[], limits = LIMITS): Promise<{ out: number; validator: NiftiValidator }> {
  const validator = new NiftiValidator(limits);
  let out = 0;
  await pipeline(Readable.from(chunks), validator, new Writable({ write: (c: Buffer, _e, cb) => ((out += c.byteLength), cb()) }));
  return { out, validator };
}

describe('NIfTI upload validation (shared by every entry point)', () => {
  let dir: string;
  let small: Uint8Array;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vista3d-validate-'));
    small = await smallNifti();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a real CT passes (gzip), bytes pass through unchanged', async () => {
    const r = await validateNiftiFile(SAMPLE_CT, LIMITS);
    assert.equal(r.gzip, true);
    assert.equal(r.header.frames, 1);
    const plain = await through([small]);
    assert.equal(plain.out, small.byteLength);
    assert.equal(plain.validator.result.gzip, false);
  });

  test('a header split into 1-byte chunks (magic bytes too) is still read', async () => {
    const gz = gzipSync(small);
    const chunks = [...gz.subarray(0, 700)].map((b) => Uint8Array.of(b));
    chunks.push(gz.subarray(700));
    const r = await through(chunks);
    assert.deepEqual(r.validator.result.header.dims, [64, 64, 32]);
  });

  test('a gzip bomb is refused after inflating no more than the header promises', async () => {
    const bomb = await gzipBomb();
    assert.ok(bomb.byteLength < 3 << 20, `bomb is ${bomb.byteLength} bytes`);
    const path = join(dir, 'bomb.nii.gz');
    await writeFile(path, bomb);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    await assert.rejects(validateNiftiFile(path, LIMITS), code('INFLATED_SIZE_MISMATCH'));
    assert.ok(performance.now() - t0 < 5000, 'refused quickly');
    assert.ok(process.memoryUsage().rss - rss0 < 200 << 20, 'bounded memory');
  });

  test('2D, 4D, truncated, too large by data type and not-NIfTI are refused with their codes', async () => {
    await assert.rejects(through([await flatNifti()]), code('NOT_3D'));
    const fourD = new Uint8Array(small);
    const v = new DataView(fourD.buffer);
    v.setInt16(40, 4, true); // dim[0]
    v.setInt16(48, 2, true); // dim[4]
    await assert.rejects(through([fourD]), code('NOT_3D'));
    await assert.rejects(through([gzipSync(small.subarray(0, 50_000))]), code('TRUNCATED'));
    await assert.rejects(through([small], { maxVolumeBytes: 1000 }), code('TOO_LARGE'));
    await assert.rejects(through([Buffer.from('<html>not a volume</html>'.repeat(40))]), code('BAD_MAGIC'));
    await assert.rejects(through([Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]), code('CORRUPT_GZIP'));
    await assert.rejects(through([]), code('TRUNCATED'));
  });

  test('checkVolumeHeader: spacing must be sane', () => {
    const bad = new Uint8Array(small);
    new DataView(bad.buffer).setFloat32(80, 0, true); // pixdim[1] = 0 → read as 1 by the parser
    new DataView(bad.buffer).setFloat32(84, 5000, true); // pixdim[2]
    assert.throws(() => checkVolumeHeader(parseHeader(bad), LIMITS), code('BAD_SPACING'));
  });
});
