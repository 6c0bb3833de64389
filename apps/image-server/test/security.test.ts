import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUTH, raw, startServer, type TestServer } from './helpers.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

/**
 * Every hostile path must answer 400/403/404 with a JSON error and must never leak the content of a
 * file outside the served roots. Paths are sent raw (node:http), so `..` and `%2e` reach the server.
 */
describe('image server: hostile paths', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
    await writeFile(join(s.outsideDir, 'secret.txt'), SECRET);
    await writeFile(join(s.tmp, 'secret.txt'), SECRET);
    // Links inside the root that point outside it: to a file and to a folder.
    await symlink(join(s.outsideDir, 'secret.txt'), join(s.outputDir, 'p1/link-to-secret.txt'));
    await symlink(s.outsideDir, join(s.outputDir, 'p1/link-to-outside'));
    await symlink('/etc', join(s.outputDir, 'etc-link'));
    // A sibling whose name starts with the root's name must not count as "inside".
    await mkdir(`${s.outputDir}-evil`, { recursive: true });
    await writeFile(`${s.outputDir}-evil/secret.txt`, SECRET);
    // A link that stays inside the root is fine.
    await symlink(join(s.outputDir, 'p1/nifti'), join(s.outputDir, 'p1/inside-link'));
  });
  after(() => s.close());

  const hostile = [
    '/output/..',
    '/output/../secret.txt',
    '/output/../../etc/passwd',
    '/output/../outside/secret.txt',
    '/output/p1/../../outside/secret.txt',
    '/output/%2e%2e/outside/secret.txt',
    '/output/%2E%2E%2Foutside%2Fsecret.txt',
    '/output/p1/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt',
    '/output/%252e%252e/outside/secret.txt',
    '/output/%252e%252e%252foutside%252fsecret.txt',
    '/output/..%5c..%5coutside%5csecret.txt',
    '/output/..\\..\\outside\\secret.txt',
    '/output/%2fetc%2fpasswd',
    '/output//etc/passwd',
    '/output///../outside/secret.txt',
    '/output/C:%5cWindows%5cwin.ini',
    '/output/p1/nifti/ct.nii.gz%00.txt',
    '/output/%00',
    '/output/p1/link-to-secret.txt',
    '/output/p1/link-to-outside/secret.txt',
    '/output/p1/link-to-outside/',
    '/output/etc-link/passwd',
    '/output/etc-link/',
    '/output-evil/secret.txt',
    '/output/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/dicom/../output/p1/nifti/ct.nii.gz',
    '/dicom/%2e%2e/outside/secret.txt',
    '/images/output/../../outside/secret.txt',
    '/images/../outside/secret.txt',
    '/images/output/%2e%2e/outside/secret.txt',
    '//etc/passwd',
    '/output/%',
    '/output/%zz',
    `/output/${'a'.repeat(300)}`,
  ];

  for (const path of hostile) {
    test(`GET ${path.length > 60 ? `${path.slice(0, 57)}...` : path}`, async () => {
      for (const method of ['GET', 'HEAD']) {
        const res = await raw(s.base, method, path);
        assert.ok([400, 403, 404].includes(res.status), `${method} ${path} → ${res.status}`);
        if (method === 'GET') {
          assert.match(String(res.headers['content-type']), /application\/json/, path);
          const body = JSON.parse(res.body.toString()) as { statusCode: number; message: string };
          assert.equal(body.statusCode, res.status);
          assert.ok(!res.body.toString().includes(SECRET), 'no secret content');
          assert.doesNotMatch(res.body.toString(), /root:x:0:0/);
        }
      }
    });
  }

  test('listings never advertise links that leave the root', async () => {
    const res = await raw(s.base, 'GET', '/output/p1/?format=json');
    const names = (JSON.parse(res.body.toString()) as Array<{ name: string }>).map((e) => e.name);
    assert.ok(names.includes('inside-link'));
    assert.ok(!names.includes('link-to-secret.txt'));
    assert.ok(!names.includes('link-to-outside'));
  });

  test('a symlink that stays inside the root is served', async () => {
    const res = await raw(s.base, 'GET', '/output/p1/inside-link/ct.nii.gz', { range: 'bytes=0-1' });
    assert.equal(res.status, 206);
    assert.deepEqual([...res.body], [0x1f, 0x8b]);
  });

  test('uploads cannot escape either: through links, dot segments or names', async () => {
    const attempts: Array<[string, string]> = [
      ['PUT', '/output/p1/link-to-outside/pwned.txt'],
      ['PUT', '/output/../outside/pwned.txt'],
      ['PUT', '/output/%2e%2e/outside/pwned.txt'],
      ['PUT', '/output/etc-link/pwned'],
      ['POST', '/output/p1/link-to-outside/?name=pwned.txt'],
      ['POST', '/output/p1/?name=..%2f..%2foutside%2fpwned.txt'],
      ['POST', '/output/p1/?name=..'],
      ['POST', '/output/p1/?name=.x.tmp'],
      ['PUT', '/output/p1/.pwned.tmp'],
      ['DELETE', '/output/p1/link-to-outside/secret.txt'],
      ['DELETE', '/output/../outside/secret.txt'],
    ];
    for (const [method, path] of attempts) {
      const res = await raw(s.base, method, path, { ...AUTH, 'content-type': 'application/octet-stream' }, Buffer.from('pwned'));
      assert.ok([400, 403, 404].includes(res.status), `${method} ${path} → ${res.status}`);
      assert.match(String(res.headers['content-type']), /application\/json/);
    }
    assert.deepEqual(await readdir(s.outsideDir), ['secret.txt']);
  });
});
