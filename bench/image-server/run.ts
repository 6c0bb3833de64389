/**
 * Image-server throughput on loopback: a 50 MB file (a large CT volume) and a small 4 KiB JSON file,
 * each driven by a pool of 32 concurrent fetch workers for a bounded time and request count.
 * Run: `npx tsx bench/image-server/run.ts` (env: BENCH_SECONDS, BENCH_CONCURRENCY).
 * Also reports 1 MiB Range reads of the large file (how NiiVue and partial readers fetch).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildServer } from '../../apps/image-server/src/server.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const BIG_BYTES = 50 * 1024 * 1024;

interface Result {
  name: string;
  requests: number;
  bytes: number;
  seconds: number;
  errors: number;
}

/** A worker pool: each worker issues requests back to back until the time or request budget runs out. */
async function drive(name: string, url: string, maxRequests: number, headers: Record<string, string> = {}): Promise<Result> {
  let issued = 0;
  let requests = 0;
  let bytes = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < deadline && issued < maxRequests) {
      issued++;
      try {
        const res = await fetch(url, { headers });
        // Consume the body as a stream so 50 MB responses are not held whole per worker.
        const reader = res.body!.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.byteLength;
        if (res.ok) requests++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { name, requests, bytes, errors, seconds: (performance.now() - started) / 1000 };
}

function report(r: Result): string {
  const rps = r.requests / r.seconds;
  const mbs = r.bytes / r.seconds / 1e6;
  return `| ${r.name} | ${r.requests} | ${r.seconds.toFixed(1)} | ${rps.toFixed(0)} | ${mbs.toFixed(1)} | ${r.errors} |`;
}

const dir = await mkdtemp(join(tmpdir(), 'image-server-bench-'));
try {
  await writeFile(join(dir, 'big.nii.gz'), randomBytes(BIG_BYTES));
  await writeFile(join(dir, 'small.json'), JSON.stringify({ pad: 'x'.repeat(4096 - 12) }));
  process.env.LOG_LEVEL ??= 'silent';
  const app = buildServer({ port: 0, host: '127.0.0.1', outputFolder: dir, dicomFolder: dir, corsOrigins: ['*'], maxUploadBytes: 1 << 30, readOnly: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/output`;

  // Peak RSS while serving: streaming means it should not grow with file size × concurrency (50 MB × 32).
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  // Warm up JIT and the page cache.
  await drive('warm-up', `${base}/small.json`, 200);
  const results = [
    await drive('50 MB file (.nii.gz), full GET', `${base}/big.nii.gz`, 2000),
    await drive('50 MB file, 1 MiB Range GETs', `${base}/big.nii.gz`, 200_000, { range: 'bytes=10485760-11534335' }),
    await drive('4 KiB JSON, identity', `${base}/small.json`, 200_000, { 'accept-encoding': 'identity' }),
    await drive('4 KiB JSON, gzip on the fly', `${base}/small.json`, 200_000, { 'accept-encoding': 'gzip' }),
  ];
  await app.close();
  clearInterval(sampler);

  console.log(`image-server bench: Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), concurrency ${CONCURRENCY}, ≤${SECONDS} s per case, client and server in one process on loopback`);
  console.log('| case | requests | seconds | req/s | MB/s (body) | errors |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) console.log(report(r));
  console.log(`peak RSS of the process (server + client): ${(peakRss / 1e6).toFixed(0)} MB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
