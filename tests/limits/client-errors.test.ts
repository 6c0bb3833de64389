import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer as buildImageServer } from '../../apps/image-server/src/server.js';
import { startEnv } from '../../apps/frontend/test/api/helpers.js';
import type { Env } from '../../apps/frontend/test/api/helpers.js';

/** One raw HTTP/1.1 exchange (malformed bodies that fetch would not send); resolves status + JSON. */
function exchange(port: number, head: string[], body: string): Promise<{ status: number; json: Record<string, unknown> | null; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s to ${head[0]}`));
    }, 5000);
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
      const text = out.slice(out.indexOf('\r\n\r\n') + 4);
      let json: Record<string, unknown> | null = null;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        /* not JSON */
      }
      resolve({ status, json, raw: out.slice(0, 300) });
    });
    socket.write([...head, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  });
}

const TOKEN = 'client-errors-write-token';
const part = (name: string, value: string, filename?: string): string =>
  `--XX\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;

/** The malformed bodies: each must be a 4xx JSON with a code, never a 500 or a hang. */
const CASES: Array<{ name: string; type: string; body: string; code: RegExp }> = [
  { name: 'multipart without a boundary parameter', type: 'multipart/form-data', body: '--XX\r\n', code: /^NO_MULTIPART_BOUNDARY$/ },
  {
    name: 'file part without a closing boundary',
    type: 'multipart/form-data; boundary=XX',
    body: `${part('patient', 'p9')}--XX\r\nContent-Disposition: form-data; name="image"; filename="a.nii"\r\nContent-Type: application/octet-stream\r\n\r\nabc`,
    code: /^INCOMPLETE_MULTIPART$/,
  },
  {
    name: '60 multipart fields',
    type: 'multipart/form-data; boundary=XX',
    body: Array.from({ length: 60 }, (_, i) => part(`f${i}`, 'v')).join('') + '--XX--\r\n',
    code: /^TOO_MANY_FIELDS$/,
  },
  { name: 'truncated JSON', type: 'application/json', body: '{"patient":', code: /JSON/ },
];

describe('client errors answer 4xx JSON on every service', () => {
  let env: Env;
  let writable: FastifyInstance;
  const ports: Record<string, number> = {};
  before(async () => {
    env = await startEnv({}, {}, { backend: 'real' });
    writable = buildImageServer({ port: 0, host: '127.0.0.1', outputFolder: env.output, dicomFolder: env.dicom, corsOrigins: [], maxUploadBytes: 1 << 20, readOnly: false, writeToken: TOKEN });
    await writable.listen({ port: 0, host: '127.0.0.1' });
    ports.frontend = (env.app.server.address() as AddressInfo).port;
    ports.image = (writable.server.address() as AddressInfo).port;
    ports.backend = Number(new URL(env.real!.url).port);
  });
  after(async () => {
    await writable.close();
    await env.close();
  });

  const targets: Array<[string, string, string, string[]]> = [
    ['frontend', 'POST', '/api/upload/nifti', []],
    ['frontend', 'POST', '/api/upload/dicom', []],
    ['frontend', 'POST', '/api/vista3d/v1/vista3d/inference', []],
    ['image', 'POST', '/output/p1/', [`Authorization: Bearer ${TOKEN}`]],
    ['backend', 'POST', '/v1/vista3d/inference', []],
  ];
  for (const [service, method, path, extra] of targets) {
    for (const c of CASES) {
      // JSON is not a body these upload routes take: 400/415 either way, covered below
      if (c.type === 'application/json' && (path.includes('/upload/') || service === 'image')) continue;
      it(`${service} ${method} ${path}: ${c.name}`, async () => {
        const res = await exchange(ports[service]!, [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${ports[service]}`, `Content-Type: ${c.type}`, ...extra], c.body);
        assert.ok(res.status >= 400 && res.status < 500, `expected 4xx, got ${res.status}: ${res.raw}`);
        assert.ok(res.json, `expected JSON: ${res.raw}`);
        assert.match(String(res.json.code), c.code, res.raw);
        assert.ok(String(res.json.message).length > 10, 'the message says what is wrong');
      });
    }
  }

  it('frontend JSON routes: bad JSON, wrong content type, bad percent-encoding', async () => {
    const port = ports.frontend!;
    for (const [head, body] of [
      [['POST /api/jobs HTTP/1.1', 'Content-Type: application/json'], '{"type":'],
      [['POST /api/segment/interactive HTTP/1.1', 'Content-Type: text/plain'], 'hello'],
      [['POST /api/jobs HTTP/1.1', 'Content-Type: application/x-foo'], 'x'],
      [['GET /api/patients/%zz/scans HTTP/1.1'], ''],
      [['DELETE /api/patients/p1/scans/%E0%A4%A HTTP/1.1'], ''],
    ] as Array<[string[], string]>) {
      const res = await exchange(port, [...head, `Host: 127.0.0.1:${port}`], body);
      assert.ok(res.status >= 400 && res.status < 500, `${head[0]}: ${res.raw}`);
      assert.ok(res.json?.code, res.raw);
    }
  });

  it('image server: invalid ranges and bad percent-encoding are 4xx or a full answer, never 500', async () => {
    const port = ports.image!;
    for (const extra of ['Range: bytes=999999999-', 'Range: bytes=abc', 'Range: bytes=5-1']) {
      const res = await exchange(port, [`GET /output/p1/nifti/ct.nii.gz HTTP/1.1`, `Host: 127.0.0.1:${port}`, extra], '');
      assert.ok([200, 206, 416].includes(res.status), `${extra}: ${res.raw}`);
    }
    const bad = await exchange(port, [`GET /output/%zz HTTP/1.1`, `Host: 127.0.0.1:${port}`], '');
    assert.equal(bad.status, 400, bad.raw);
  });
});
