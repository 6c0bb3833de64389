import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from '../src/range.js';
import { parseRootPath, urlFor } from '../src/request-path.js';
import { etagMatches, ifRangeAllows, isNotModified, validatorsFor } from '../src/conditional.js';
import { contentTypeFor, isCompressible } from '../src/content-types.js';
import { acceptsGzip } from '../src/send-file.js';
import { configFromEnv, DEFAULT_MAX_UPLOAD_BYTES } from '../src/config.js';
import { isInside } from '../src/resolve.js';
import { HttpError } from '@vista3d/service-kit';

test('parseRange: single ranges, suffixes, clamping, 416 and ignored forms', () => {
  const cases: Array<[string | undefined, number, ReturnType<typeof parseRange>]> = [
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-9', 100, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=90-1000', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-2', 100, { kind: 'full' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
    ['bytes=-', 100, { kind: 'full' }],
  ];
  for (const [header, size, want] of cases) assert.deepEqual(parseRange(header, size), want, `${header} / ${size}`);
});

test('parseRootPath decodes once and rejects escapes', () => {
  assert.deepEqual(parseRootPath('/a/b%20c.nii.gz'), { segments: ['a', 'b c.nii.gz'], trailingSlash: false });
  assert.deepEqual(parseRootPath('//a//b/'), { segments: ['a', 'b'], trailingSlash: true });
  assert.deepEqual(parseRootPath(''), { segments: [], trailingSlash: false });
  // Double encoding decodes to a literal "%2e%2e" name, which is harmless (and absent).
  assert.deepEqual(parseRootPath('/%252e%252e').segments, ['%2e%2e']);
  for (const bad of ['/..', '/a/../b', '/%2e%2e', '/%2E%2E%2Fetc', '/a%2fb', '/a%5cb', '/a\\b', '/a%00', '/%e0%a4%a', '/.']) {
    assert.throws(() => parseRootPath(bad), (e: unknown) => e instanceof HttpError && e.statusCode === 400, bad);
  }
  assert.equal(urlFor('/output', ['a b', 'c#d'], true), '/output/a%20b/c%23d/');
  assert.equal(urlFor('/output', [], true), '/output/');
});

test('validators and conditional requests', () => {
  const v = validatorsFor(1000, 1_700_000_000_123);
  assert.match(v.etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(v.lastModified, new Date(1_700_000_000_123).toUTCString());
  assert.ok(etagMatches(`"x", ${v.etag}`, v.etag));
  assert.ok(etagMatches(v.etag.slice(2), v.etag), 'weak comparison ignores W/');
  assert.ok(etagMatches('*', v.etag));
  assert.ok(!etagMatches('"nope"', v.etag));
  assert.ok(isNotModified({ ifModifiedSince: v.lastModified }, 1_700_000_000_123, v.etag));
  assert.ok(!isNotModified({ ifModifiedSince: new Date(1_600_000_000_000).toUTCString() }, 1_700_000_000_123, v.etag));
  assert.ok(!isNotModified({ ifNoneMatch: '"other"', ifModifiedSince: v.lastModified }, 1_700_000_000_123, v.etag), 'If-None-Match wins');
  assert.ok(ifRangeAllows(undefined, v.etag, 0));
  assert.ok(ifRangeAllows(v.etag, v.etag, 0));
  assert.ok(!ifRangeAllows('"old"', v.etag, 0));
  assert.ok(ifRangeAllows(v.lastModified, v.etag, 1_700_000_000_123));
});

test('content types and compressibility', () => {
  assert.equal(contentTypeFor('a/CT.NII.GZ'), 'application/gzip');
  assert.equal(contentTypeFor('ct.nii'), 'application/octet-stream');
  assert.equal(contentTypeFor('x.dcm'), 'application/dicom');
  assert.equal(contentTypeFor('m.glb'), 'model/gltf-binary');
  assert.equal(contentTypeFor('m.obj'), 'model/obj');
  assert.equal(contentTypeFor('m.stl'), 'model/stl');
  assert.equal(contentTypeFor('s.csv'), 'text/csv; charset=utf-8');
  assert.equal(contentTypeFor('p.png'), 'image/png');
  assert.equal(contentTypeFor('noext'), 'application/octet-stream');
  assert.ok(isCompressible('application/json; charset=utf-8'));
  assert.ok(isCompressible('model/obj'));
  assert.ok(!isCompressible('application/gzip'));
  assert.ok(acceptsGzip('gzip, deflate, br'));
  assert.ok(acceptsGzip('*'));
  assert.ok(!acceptsGzip('gzip;q=0'));
  assert.ok(!acceptsGzip('identity'));
  assert.ok(!acceptsGzip(undefined));
});

test('isInside is separator-aware', () => {
  assert.ok(isInside('/srv/out', '/srv/out'));
  assert.ok(isInside('/srv/out', '/srv/out/a'));
  assert.ok(!isInside('/srv/out', '/srv/output-evil/a'));
  assert.ok(!isInside('/srv/out', '/srv'));
});

test('config from env: defaults, parsing and errors', () => {
  const d = configFromEnv({});
  assert.equal(d.port, 8888);
  assert.equal(d.host, '0.0.0.0');
  assert.deepEqual(d.corsOrigins, []);
  assert.equal(d.writeToken, undefined);
  assert.equal(d.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES);
  assert.equal(d.readOnly, false);
  assert.ok(d.outputFolder.endsWith('/output'));
  const c = configFromEnv({ IMAGE_SERVER_PORT: '9000', CORS_ORIGINS: 'http://a, http://b', MAX_UPLOAD_BYTES: '1000', READ_ONLY: 'true', OUTPUT_FOLDER: '/data/out' });
  assert.equal(c.port, 9000);
  assert.deepEqual(c.corsOrigins, ['http://a', 'http://b']);
  assert.equal(c.maxUploadBytes, 1000);
  assert.equal(c.readOnly, true);
  assert.equal(c.outputFolder, '/data/out');
  assert.throws(() => configFromEnv({ IMAGE_SERVER_PORT: 'abc' }), /IMAGE_SERVER_PORT/);
  assert.throws(() => configFromEnv({ MAX_UPLOAD_BYTES: '-1' }), /MAX_UPLOAD_BYTES/);
});
