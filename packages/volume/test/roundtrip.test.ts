import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  DATATYPES,
  allocate,
  createVolumeLike,
  encodeNifti,
  orientationCode,
  parseNifti,
  readNifti,
  readNiftiHeader,
  readNiftiStream,
  writeNifti,
  type Datatype,
  type Mat4,
  type Volume,
} from '../src/index.js';
import { SAMPLE_CT, SHARED_DATA, tempDir } from './helpers.js';

const LAS: Mat4 = [[-0.8, 0, 0, 100], [0, 0.8, 0, -50], [0, 0, 2.5, 30], [0, 0, 0, 1]];

function synthetic(datatype: Datatype): Volume {
  const like = createVolumeLike({ dims: [5, 4, 3], spacing: [0.8, 0.8, 2.5], affine: LAS, meta: createVolumeLike({ dims: [1, 1, 1], spacing: [1, 1, 1], affine: LAS, meta: { description: '', qformCode: 1, sformCode: 1, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 } }, 'uint8').meta }, datatype);
  const data = allocate(datatype, 60);
  for (let i = 0; i < 60; i++) data[i] = datatype.startsWith('float') ? i * 1.5 - 20 : datatype.startsWith('u') ? i * 3 : i - 30;
  return { ...like, data, scl: { slope: 1, inter: datatype === 'int16' ? -1024 : 0 } };
}

describe('NIfTI round trip', () => {
  for (const datatype of Object.keys(DATATYPES) as Datatype[]) {
    it(`writes and reads ${datatype} (.nii and .nii.gz) with geometry intact`, async () => {
      const dir = await tempDir();
      const vol = synthetic(datatype);
      for (const name of ['v.nii', 'v.nii.gz']) {
        await writeNifti(join(dir, name), vol);
        const back = await readNifti(join(dir, name));
        assert.equal(back.datatype, datatype);
        assert.deepEqual(back.dims, [5, 4, 3]);
        assert.deepEqual(Array.from(back.data), Array.from(vol.data));
        assert.equal(orientationCode(back.affine), 'LAS');
        for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(back.affine[r][c] - LAS[r][c]) < 1e-5);
        assert.deepEqual(back.scl, vol.scl);
      }
      const raw = await readFile(join(dir, 'v.nii'));
      assert.equal(raw.byteLength, 352 + 60 * DATATYPES[datatype].bytes);
      assert.equal(gunzipSync(await readFile(join(dir, 'v.nii.gz'))).compare(raw), 0);
    });
  }

  it('reads the real sample CT: dims, spacing, RAS affine, HU range', async () => {
    const ct = await readNifti(SAMPLE_CT);
    assert.deepEqual(ct.dims, [122, 101, 112]);
    assert.deepEqual(ct.spacing, [3, 3, 3]);
    assert.equal(ct.datatype, 'int32');
    assert.equal(orientationCode(ct.affine), 'RAS');
    assert.equal(ct.meta.affineSource, 'sform');
    let min = Infinity;
    let max = -Infinity;
    for (const v of ct.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, -1207);
    assert.equal(max, 3382);
  });

  it('reads a dcm2niix LAS CT with rescale intercept, from memory and from a stream alike', async () => {
    const path = join(SHARED_DATA, 'dicom_reference/philips_head_phantom_5mm_dcm2niix.nii.gz');
    const bytes = await readFile(path);
    const fromMemory = parseNifti(bytes);
    const fromStream = await readNiftiStream((async function* () {
      for (let o = 0; o < bytes.byteLength; o += 7777) yield bytes.subarray(o, o + 7777); // odd chunking
    })());
    assert.deepEqual(fromMemory.dims, [512, 512, 28]);
    assert.equal(orientationCode(fromMemory.affine), 'LAS');
    assert.ok(Math.abs(fromMemory.spacing[0] - 0.451171875) < 1e-6);
    assert.deepEqual(fromStream.dims, fromMemory.dims);
    assert.deepEqual(fromStream.affine, fromMemory.affine);
    assert.ok(Buffer.from(fromStream.data.buffer, fromStream.data.byteOffset, fromStream.data.byteLength)
      .equals(Buffer.from(fromMemory.data.buffer, fromMemory.data.byteOffset, fromMemory.data.byteLength)));
  });

  it('reads only the header cheaply', async () => {
    const h = await readNiftiHeader(SAMPLE_CT);
    assert.deepEqual(h.dims, [122, 101, 112]);
    assert.equal(h.dataBytes, 122 * 101 * 112 * 4);
  });

  it('encodes to memory identically to the file writer', async () => {
    const dir = await tempDir();
    const vol = synthetic('int16');
    await writeNifti(join(dir, 'a.nii'), vol);
    const enc = await encodeNifti(vol, { gzip: true });
    assert.equal(gunzipSync(enc).compare(await readFile(join(dir, 'a.nii'))), 0);
  });

  it('reads big-endian files', async () => {
    const vol = synthetic('int16');
    const le = await encodeNifti(vol);
    const be = Buffer.from(le);
    const dv = new DataView(be.buffer, be.byteOffset, be.byteLength);
    // Swap every header field we rely on, then the voxels.
    const swap16 = (o: number): void => dv.setInt16(o, dv.getInt16(o, true), false);
    const swap32 = (o: number): void => dv.setUint32(o, dv.getUint32(o, true), false);
    swap32(0);
    for (let i = 0; i < 8; i++) swap16(40 + 2 * i);
    for (const o of [56, 60, 64]) swap32(o);
    for (const o of [68, 70, 72, 74, 120]) swap16(o);
    for (let i = 0; i < 8; i++) swap32(76 + 4 * i);
    for (const o of [108, 112, 116, 124, 128, 132, 136, 140, 144]) swap32(o);
    for (const o of [252, 254]) swap16(o);
    for (let o = 256; o < 328; o += 4) swap32(o);
    for (let o = 352; o < be.byteLength; o += 2) swap16(o);
    const back = parseNifti(be);
    assert.deepEqual(Array.from(back.data), Array.from(vol.data));
    assert.equal(orientationCode(back.affine), 'LAS');
  });

  it('leaves no temporary files behind', async () => {
    const dir = await tempDir();
    await writeNifti(join(dir, 'x.nii.gz'), synthetic('uint8'));
    assert.deepEqual(await readdir(dir), ['x.nii.gz']);
    await writeFile(join(dir, 'marker'), '');
  });
});
