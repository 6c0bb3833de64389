import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { startEnv } from '../../apps/frontend/test/api/helpers.js';
import type { Env } from '../../apps/frontend/test/api/helpers.js';

const BOUNDARY = 'trickle-boundary';

/** Starts a multipart DICOM upload whose body trickles (a few bytes now, never the end). */
function trickle(env: Env): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const url = new URL(`${env.base}/api/upload/dicom`);
  const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.write(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="patient"\r\n\r\nslow\r\n--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="a.dcm"\r\n\r\n`);
  req.write(Buffer.alloc(64));
  return { req, response };
}

async function dicomUpload(env: Env): Promise<Response> {
  const form = new FormData();
  form.set('patient', 'quick');
  form.set('file', new Blob([new Uint8Array(200)]), 'x.dcm');
  return fetch(`${env.base}/api/upload/dicom`, { method: 'POST', body: form });
}

describe('per-user concurrent-upload limit', () => {
  let env: Env;
  before(async () => {
    env = await startEnv({ maxConcurrentUploadsPerUser: 2 }, {}, { backend: 'none' });
  });
  after(() => env.close());

  it('a third upload while two trickle is 429 with Retry-After; a slot frees when one ends', async () => {
    const a = trickle(env);
    const b = trickle(env);
    a.response.catch(() => undefined);
    b.response.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const third = await dicomUpload(env);
    assert.equal(third.status, 429, await third.text().catch(() => ''));
    assert.equal(third.headers.get('retry-after'), '5');
    const nifti = await fetch(`${env.base}/api/upload/nifti`, { method: 'POST', body: new FormData() });
    assert.equal(nifti.status, 429, 'the limit covers every upload route');
    const body = (await dicomUpload(env).then((r) => r.json())) as { code: string };
    assert.equal(body.code, 'TOO_MANY_UPLOADS');
    // reads are not limited
    assert.equal((await fetch(`${env.base}/api/patients`)).status, 200);
    a.req.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const after = await dicomUpload(env);
    assert.notEqual(after.status, 429, 'a slot is given back when the client goes away');
    b.req.destroy();
  });
});
