import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readdir } from 'node:fs/promises';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { startEnv } from '../../apps/frontend/test/api/helpers.js';
import type { Env } from '../../apps/frontend/test/api/helpers.js';

interface RawEntry {
  name: string;
  /** deflated bytes */
  data: Uint8Array;
  /** size the directory declares */
  size: number;
}

/** A ZIP written by hand, so a test can make its central directory lie (CRCs are left 0). */
function buildZip(entries: RawEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(e.data.byteLength, 18);
    lh.writeUInt32LE(e.size, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(e.data.byteLength, 20);
    ch.writeUInt32LE(e.size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, Buffer.from(e.data));
    central.push(ch, name);
    offset += 30 + name.length + e.data.byteLength;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}

async function deflateZeros(bytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  const z = createDeflateRaw({ level: 9 });
  z.on('data', (d: Buffer) => parts.push(d));
  const chunk = new Uint8Array(Math.min(bytes, 64 << 20));
  for (let done = 0; done < bytes; done += chunk.byteLength) {
    if (!z.write(chunk)) await new Promise((r) => z.once('drain', r));
  }
  await new Promise<void>((r) => z.end(r));
  return new Uint8Array(Buffer.concat(parts));
}

async function upload(env: Env, zip: Uint8Array, patient: string): Promise<{ status: number; body: Record<string, unknown>; seconds: number; growthMb: number }> {
  const form = new FormData();
  form.set('patient', patient);
  form.set('file', new Blob([zip]), 'study.zip');
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const res = await fetch(`${env.base}/api/upload/dicom`, { method: 'POST', body: form });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, seconds: (performance.now() - t0) / 1000, growthMb: (process.memoryUsage().rss - rss0) / 2 ** 20 };
}

describe('DICOM ZIP uploads: entry, size and ratio caps, streamed inflation', () => {
  let env: Env;
  let bomb: Uint8Array;
  const BOMB_BYTES = 1 << 30;
  before(async () => {
    env = await startEnv({ zipMaxEntries: 500, zipMaxInflatedBytes: 256 << 20, zipMaxRatio: 100 }, {}, { backend: 'none' });
    bomb = await deflateZeros(BOMB_BYTES);
  });
  after(() => env.close());

  it('too many entries is 413 ZIP_TOO_MANY_ENTRIES (read from the directory)', async () => {
    const tiny = deflateRawSync(new Uint8Array(10));
    const zip = buildZip(Array.from({ length: 501 }, (_, i) => ({ name: `f${i}.dcm`, data: tiny, size: 10 })));
    const res = await upload(env, zip, 'z1');
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.code, 'ZIP_TOO_MANY_ENTRIES');
  });

  it('many highly compressible entries over ZIP_MAX_INFLATED_BYTES are 413 ZIP_TOO_LARGE', async () => {
    const mb = 1 << 20;
    const data = deflateRawSync(new Uint8Array(mb), { level: 9 }); // ~1 KiB, 1 MiB each (ratio free)
    const zip = buildZip(Array.from({ length: 300 }, (_, i) => ({ name: `s/${i}.dcm`, data, size: mb })));
    const res = await upload(env, zip, 'z2');
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.code, 'ZIP_TOO_LARGE');
    assert.ok(res.seconds < 5, `${res.seconds} s`);
  });

  it('one honest huge entry (1 GiB of zeros in ~1 MB) is 413 ZIP_RATIO_TOO_HIGH', async () => {
    const res = await upload(env, buildZip([{ name: 'big.dcm', data: bomb, size: BOMB_BYTES }]), 'z3');
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.code, 'ZIP_RATIO_TOO_HIGH');
  });

  it('a lying directory (1 GiB entry declared as 64 KiB) is cut off by the byte counter: 422, bounded RSS', async () => {
    const res = await upload(env, buildZip([{ name: 'liar.dcm', data: bomb, size: 64 << 10 }]), 'z4');
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, 'ZIP_SIZE_MISMATCH');
    assert.ok(res.seconds < 5, `refused in ${res.seconds.toFixed(1)} s`);
    assert.ok(res.growthMb < 100, `RSS grew ${res.growthMb.toFixed(0)} MiB`);
    assert.deepEqual(await readdir(env.dicom), ['d1'], 'nothing is left behind');
  });

  it('zip-slip and absolute paths are refused before anything is inflated', async () => {
    const data = deflateRawSync(new Uint8Array(200));
    for (const name of ['../evil.dcm', '/etc/evil.dcm', 'C:/evil.dcm', 'a/../../evil.dcm']) {
      const res = await upload(env, buildZip([{ name: 'ok.dcm', data, size: 200 }, { name, data, size: 200 }]), 'z5');
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, 'ZIP_SLIP', name);
    }
  });
});
