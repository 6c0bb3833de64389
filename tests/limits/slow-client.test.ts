import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import { DEFAULT_TIMEOUTS } from '@vista3d/service-kit';
import { buildServer as buildImageServer } from '../../apps/image-server/src/server.js';
import { configFromEnv as imageConfigFromEnv } from '../../apps/image-server/src/config.js';
import { startEnv } from '../../apps/frontend/test/api/helpers.js';
import type { Env } from '../../apps/frontend/test/api/helpers.js';

const IDLE_MS = 1500;

describe('slow clients: timeouts on the frontend', () => {
  let env: Env;
  before(async () => {
    env = await startEnv({ timeouts: { ...DEFAULT_TIMEOUTS, idleTimeoutMs: IDLE_MS } }, {}, { backend: 'none' });
  });
  after(() => env.close());

  it('others are served promptly while one client trickles an upload; the trickler is cut off when it goes silent', async () => {
    const url = new URL(env.base);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let closedAt = 0;
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        closedAt = performance.now();
        r();
      }),
    );
    socket.on('error', () => undefined);
    const b = 'slow-boundary';
    socket.write(`POST /api/upload/dicom HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: multipart/form-data; boundary=${b}\r\ntransfer-encoding: chunked\r\n\r\n`);
    const chunk = (s: string): string => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
    socket.write(chunk(`--${b}\r\ncontent-disposition: form-data; name="patient"\r\n\r\nslow\r\n--${b}\r\ncontent-disposition: form-data; name="file"; filename="a.dcm"\r\n\r\n`));
    // trickle: a byte every 200 ms for 2 s (longer than the idle timeout, but never idle)
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      socket.write(chunk('x'));
      const t0 = performance.now();
      const res = await fetch(`${env.base}/api/patients`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(closedAt, 0, 'a trickling client that keeps sending is not cut off');
    assert.ok(Math.max(...latencies) < 1000, `others served in ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
    // now it goes silent: cut off after the idle timeout
    const silentAt = performance.now();
    await closed;
    const after = closedAt - silentAt;
    assert.ok(after >= IDLE_MS - 300 && after < IDLE_MS + 2000, `cut off ${after.toFixed(0)} ms after going silent`);
    // and its upload slot is given back
    const form = new FormData();
    form.set('patient', 'next');
    form.set('file', new Blob([new Uint8Array(10)]), 'x.dcm');
    assert.notEqual((await fetch(`${env.base}/api/upload/dicom`, { method: 'POST', body: form })).status, 429);
  });

  it('the image server takes its timeouts from the environment', async () => {
    const config = imageConfigFromEnv({ HEADERS_TIMEOUT_MS: '7000', REQUEST_TIMEOUT_MS: '90000', IDLE_TIMEOUT_MS: '11000', KEEP_ALIVE_TIMEOUT_MS: '3000', OUTPUT_FOLDER: env.output, DICOM_FOLDER: env.dicom });
    const app = buildImageServer(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      assert.equal(app.server.headersTimeout, 7000);
      assert.equal(app.server.requestTimeout, 90000);
      assert.equal(app.server.keepAliveTimeout, 3000);
      assert.equal(app.server.timeout, 11000);
    } finally {
      await app.close();
    }
  });
});
