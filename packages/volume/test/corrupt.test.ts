import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { NiftiError, allocate, createVolumeLike, encodeNifti, identity, parseNifti, readNifti, writeFileAtomic, type Volume } from '../src/index.js';
import { SAMPLE_CT, tempDir } from './helpers.js';

const META = { description: '', qformCode: 1, sformCode: 1, affineSource: 'sform' as const, xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 };
const small = (): Volume => createVolumeLike({ dims: [4, 4, 4], spacing: [1, 1, 1], affine: identity(), meta: META }, 'int16', allocate('int16', 64));

async function expectNiftiError(run: () => unknown, code: string): Promise<void> {
  await assert.rejects(async () => run(), (err: unknown) => {
    assert.ok(err instanceof NiftiError, `expected NiftiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.length > 10);
    return true;
  });
}

describe('corrupted and inconsistent NIfTI input gives clear errors', () => {
  it('not NIfTI at all', async () => {
    await expectNiftiError(() => parseNifti(Buffer.from('<html>not found</html>'.padEnd(400, ' '))), 'BAD_MAGIC');
    await expectNiftiError(() => parseNifti(gzipSync(Buffer.alloc(600, 7))), 'BAD_MAGIC');
  });

  it('empty and tiny files', async () => {
    await expectNiftiError(() => parseNifti(new Uint8Array(0)), 'TRUNCATED');
    const dir = await tempDir();
    await writeFile(join(dir, 'empty.nii'), '');
    await expectNiftiError(() => readNifti(join(dir, 'empty.nii')), 'TRUNCATED');
  });

  it('bad magic with a valid sizeof_hdr', async () => {
    const bytes = Buffer.from(await encodeNifti(small()));
    bytes.write('xx\0', 344, 'latin1');
    await expectNiftiError(() => parseNifti(bytes), 'BAD_MAGIC');
  });

  it('voxel data shorter than dims promise (raw and gzip, memory and file)', async () => {
    const bytes = await encodeNifti(small());
    const cut = bytes.subarray(0, bytes.byteLength - 10);
    await expectNiftiError(() => parseNifti(cut), 'TRUNCATED');
    await expectNiftiError(() => parseNifti(gzipSync(cut)), 'TRUNCATED');
    const dir = await tempDir();
    await writeFile(join(dir, 'cut.nii.gz'), gzipSync(cut));
    await expectNiftiError(() => readNifti(join(dir, 'cut.nii.gz')), 'TRUNCATED');
  });

  it('a truncated gzip stream of the real CT', async () => {
    const gz = await readFile(SAMPLE_CT);
    const dir = await tempDir();
    await writeFile(join(dir, 'half.nii.gz'), gz.subarray(0, gz.byteLength >> 1));
    await expectNiftiError(() => readNifti(join(dir, 'half.nii.gz')), 'TRUNCATED');
    await expectNiftiError(() => parseNifti(gz.subarray(0, gz.byteLength >> 1)), 'TRUNCATED');
  });

  it('corrupted gzip payload', async () => {
    const gz = Buffer.from(await readFile(SAMPLE_CT));
    for (let i = 2000; i < 2100; i++) gz[i] ^= 0xff;
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.nii.gz'), gz);
    await expectNiftiError(() => readNifti(join(dir, 'bad.nii.gz')), 'CORRUPT_GZIP');
  });

  it('inconsistent header fields', async () => {
    const base = Buffer.from(await encodeNifti(small()));
    const withField = (edit: (dv: DataView) => void): Buffer => {
      const b = Buffer.from(base);
      edit(new DataView(b.buffer, b.byteOffset, b.byteLength));
      return b;
    };
    await expectNiftiError(() => parseNifti(withField((dv) => dv.setInt16(40, 0, true))), 'BAD_DIMS');
    await expectNiftiError(() => parseNifti(withField((dv) => dv.setInt16(42, -4, true))), 'BAD_DIMS');
    await expectNiftiError(() => parseNifti(withField((dv) => dv.setFloat32(108, 100, true))), 'BAD_VOX_OFFSET');
    await expectNiftiError(() => parseNifti(withField((dv) => dv.setInt16(70, 32, true))), 'UNSUPPORTED_DATATYPE');
    await expectNiftiError(() => parseNifti(withField((dv) => dv.setInt16(72, 8, true))), 'INCONSISTENT');
    await expectNiftiError(() => parseNifti(withField((dv) => dv.setInt16(46, 1000, true))), 'TRUNCATED');
  });

  it('refuses volumes over a voxel limit before allocating them', async () => {
    await expectNiftiError(() => readNifti(SAMPLE_CT, { maxVoxels: 1000 }), 'TOO_LARGE');
    await expectNiftiError(() => parseNifti(Buffer.alloc(10), { maxCompressedBytes: 5 }), 'TOO_LARGE');
  });

  it('a failed atomic write leaves neither the target nor a temp file', async () => {
    const dir = await tempDir();
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(100);
      throw new Error('source broke');
    }
    await assert.rejects(() => writeFileAtomic(join(dir, 'out.nii.gz'), failing()), /source broke/);
    assert.deepEqual(await readdir(dir), []);
  });
});
