import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { defaultConfig, type BackendConfig } from '../src/config.js';
import { isPublicAddress } from '../src/image-fetch-policy.js';
import { buildServer } from '../src/server.js';
import { postJson, startHarness, startRawServer, ThresholdEngine, type Harness } from './helpers.js';

interface ErrorJson {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

async function error(res: Response): Promise<{ status: number } & ErrorJson> {
  const body = (await res.json()) as ErrorJson;
  return { status: res.status, ...body };
}

/** A backend with production fetch settings (no harness leniency), on loopback. */
async function strictBackend(overrides: Partial<BackendConfig>): Promise<{ base: string; app: FastifyInstance }> {
  const app = buildServer(defaultConfig({ host: '127.0.0.1', port: 0, ...overrides }), { engine: new ThresholdEngine() });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await app.engineReady;
  return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app };
}

describe('backend image fetching: no SSRF (loopback targets only)', () => {
  let h: Harness;
  let open: { base: string; app: FastifyInstance };
  let own: { base: string; app: FastifyInstance };
  let port: string;
  let closedPort: string;
  before(async () => {
    h = await startHarness();
    port = new URL(h.imageBase).port;
    const dead = await startRawServer(() => {});
    closedPort = new URL(dead.base).port;
    await dead.close();
    // No IMAGE_SERVER, no allow-list: any public host, nothing private.
    open = await strictBackend({});
    // The embedded/production default: IMAGE_SERVER set, so it is the only source.
    own = await strictBackend({ imageServer: h.imageBase });
  });
  after(async () => {
    await open.app.close();
    await own.app.close();
    await h.close();
  });

  test('loopback, private and link-local targets are refused in every spelling, before any connection', async () => {
    const targets = [
      `http://127.0.0.1:${port}/output/p1/nifti/ct.nii.gz`,
      `http://2130706433:${port}/output/p1/nifti/ct.nii.gz`,
      `http://0x7f000001:${port}/output/p1/nifti/ct.nii.gz`,
      `http://0177.0.0.1:${port}/output/p1/nifti/ct.nii.gz`,
      `http://127.1:${port}/x`,
      `http://[::1]:${port}/x`,
      `http://[::ffff:127.0.0.1]:${port}/x`,
      `http://0.0.0.0:${port}/x`,
      `http://localhost:${port}/output/p1/nifti/ct.nii.gz`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/ct.nii.gz',
      'http://192.168.1.1/ct.nii.gz',
    ];
    for (const image of targets) {
      const e = await error(await postJson(open.base, { image }));
      assert.equal(e.status, 403, `${image}: ${e.message}`);
      assert.equal(e.code, 'IMAGE_ADDRESS_NOT_ALLOWED', image);
    }
  });

  test('open and closed ports look the same to the caller', async () => {
    const a = await error(await postJson(open.base, { image: `http://127.0.0.1:${port}/output/p1/nifti/ct.nii.gz` }));
    const b = await error(await postJson(open.base, { image: `http://127.0.0.1:${closedPort}/output/p1/nifti/ct.nii.gz` }));
    assert.deepEqual([a.status, a.code], [b.status, b.code]);
    assert.equal(a.message.replace(port, 'P'), b.message.replace(closedPort, 'P'));
    assert.doesNotMatch(b.message, /ECONNREFUSED|refused/);
  });

  test('with IMAGE_SERVER set, only that host and port are fetched; other ports of the same host are refused', async () => {
    const ok = await postJson(own.base, { image: `${h.imageBase}/output/p1/nifti/ct.nii.gz`, prompts: { classes: ['bone'] } });
    assert.equal(ok.status, 200);
    await ok.arrayBuffer();
    for (const image of [`http://127.0.0.1:${closedPort}/ct.nii.gz`, `http://localhost:${port}/output/p1/nifti/ct.nii.gz`, 'http://example.com/ct.nii.gz']) {
      const e = await error(await postJson(own.base, { image }));
      assert.equal(e.status, 403, image);
      assert.equal(e.code, 'IMAGE_HOST_NOT_ALLOWED', image);
    }
    // Metrics and health of the image server are not images either, but the path is the image
    // server's business: what matters is that no other service on the host is reachable.
  });

  test('redirects are not followed unless enabled, and each hop is re-checked when they are', async () => {
    const redirect = await startRawServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${closedPort}/ct.nii.gz` });
      res.end();
    });
    const rport = new URL(redirect.base).port;
    const noFollow = await strictBackend({ allowedImageHosts: [`127.0.0.1:${rport}`] });
    const follow = await strictBackend({ allowedImageHosts: [`127.0.0.1:${rport}`], followImageRedirects: true });
    try {
      const e = await error(await postJson(noFollow.base, { image: `${redirect.base}/ct.nii.gz` }));
      assert.deepEqual([e.status, e.code], [400, 'IMAGE_FETCH_FAILED']);
      assert.match(e.message, /redirect/);
      const hop = await error(await postJson(follow.base, { image: `${redirect.base}/ct.nii.gz` }));
      assert.deepEqual([hop.status, hop.code], [403, 'IMAGE_HOST_NOT_ALLOWED'], hop.message);
    } finally {
      await noFollow.app.close();
      await follow.app.close();
      await redirect.close();
    }
  });

  test('an allow-list entry without a port means the default port only; host:* opts in to every port', async () => {
    const byName = await strictBackend({ allowedImageHosts: ['127.0.0.1'] });
    const anyPort = await strictBackend({ allowedImageHosts: ['127.0.0.1:*'] });
    try {
      const e = await error(await postJson(byName.base, { image: `${h.imageBase}/output/p1/nifti/ct.nii.gz` }));
      assert.deepEqual([e.status, e.code], [403, 'IMAGE_HOST_NOT_ALLOWED']);
      const ok = await postJson(anyPort.base, { image: `${h.imageBase}/output/p1/nifti/ct.nii.gz`, prompts: { classes: ['bone'] } });
      assert.equal(ok.status, 200);
      await ok.arrayBuffer();
    } finally {
      await byName.app.close();
      await anyPort.app.close();
    }
  });

  test('HTTPS-only and URLs with credentials are refused as bad URLs', async () => {
    const https = await strictBackend({ imageHttpsOnly: true });
    try {
      const e = await error(await postJson(https.base, { image: 'http://example.com/ct.nii.gz' }));
      assert.deepEqual([e.status, e.code], [400, 'BAD_IMAGE_URL']);
      const c = await error(await postJson(open.base, { image: 'http://user:pw@example.com/ct.nii.gz' }));
      assert.deepEqual([c.status, c.code], [400, 'BAD_IMAGE_URL']);
    } finally {
      await https.app.close();
    }
  });

  test('isPublicAddress', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.0.10', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '224.0.0.1']) {
      assert.equal(isPublicAddress(a), false, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.4.4']) assert.equal(isPublicAddress(a), true, a);
  });
});
