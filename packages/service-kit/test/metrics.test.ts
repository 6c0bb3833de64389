import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { installErrorHandler, installMetrics } from '../src/index.js';

async function serve(token?: string): Promise<{ base: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  installMetrics(app, 'svc_test', { token });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { base: `http://127.0.0.1:${port}`, close: () => app.close() };
}

test('/metrics without METRICS_TOKEN: direct loopback only, forwarded requests refused', async () => {
  const s = await serve();
  try {
    const ok = await fetch(`${s.base}/metrics`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /svc_test_http_requests_total/);
    const proxied: Array<Record<string, string>> = [{ 'x-forwarded-for': '198.51.100.7' }, { forwarded: 'for=198.51.100.7' }];
    for (const headers of proxied) {
      const res = await fetch(`${s.base}/metrics`, { headers });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, 'METRICS_FORBIDDEN');
    }
  } finally {
    await s.close();
  }
});

test('/metrics with METRICS_TOKEN: the bearer token is required, even from loopback', async () => {
  const s = await serve('scrape-secret');
  try {
    assert.equal((await fetch(`${s.base}/metrics`)).status, 403);
    assert.equal((await fetch(`${s.base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 403);
    const ok = await fetch(`${s.base}/metrics`, { headers: { authorization: 'Bearer scrape-secret', 'x-forwarded-for': '10.1.2.3' } });
    assert.equal(ok.status, 200);
    await ok.text();
  } finally {
    await s.close();
  }
});
