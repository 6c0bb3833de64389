import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { prettyLine, prettyStream } from '../src/index.js';

describe('pretty logs (LOG_FORMAT=pretty)', () => {
  it('turns a pino request line into one readable line without headers', () => {
    const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5), service: 'frontend', reqId: 'req-1', res: { statusCode: 200 }, req: { method: 'GET', url: '/api/patients/p1/scans' }, responseTime: 3.4, msg: 'request completed' });
    assert.equal(prettyLine(line), '03:04:05 INFO  frontend GET /api/patients/p1/scans 200 3 ms');
    assert.equal(prettyLine('not json'), 'not json');
    assert.match(prettyLine(JSON.stringify({ level: 50, time: 0, service: 'x', msg: 'boom', err: { message: 'bad', stack: 'Error: bad\n  at y' } })) ?? '', /ERROR x boom\nError: bad/);
  });

  it('is a pino destination for Fastify', async () => {
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const app = Fastify({ logger: { level: 'info', base: { service: 't' }, stream: prettyStream(out) } });
    app.get('/x', async () => 'ok');
    await app.inject('/x');
    await app.close();
    assert.ok(lines.some((l) => /INFO {2}t GET \/x 200 \d+ ms\n$/.test(l)), lines.join(''));
  });
});
