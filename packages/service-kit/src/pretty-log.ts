import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg', 'reqId', 'req', 'res', 'responseTime', 'v']);

/**
 * One pino JSON line as a human-readable line: `12:03:04 INFO  frontend GET /api/jobs 200 3 ms`.
 * With `pending`, Fastify's "incoming request" lines are held back (null) and their method and URL
 * join the matching "request completed" line, one line per request.
 */
export function prettyLine(line: string, pending?: Map<string, string>): string | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 19);
  const req = o.req as { method?: string; url?: string } | undefined;
  const res = o.res as { statusCode?: number } | undefined;
  const reqId = typeof o.reqId === 'string' ? o.reqId : undefined;
  if (pending && reqId && req?.method && o.msg === 'incoming request') {
    if (pending.size > 10_000) pending.clear();
    pending.set(reqId, `${req.method} ${req.url ?? ''}`);
    return null;
  }
  const parts = [time, LEVELS[Number(o.level)] ?? String(o.level), String(o.service ?? '')];
  const started = reqId ? pending?.get(reqId) : undefined;
  if (reqId && res) pending?.delete(reqId);
  if (req?.method) parts.push(`${req.method} ${req.url ?? ''}`);
  else if (started) parts.push(started);
  if (res?.statusCode) parts.push(String(res.statusCode));
  if (typeof o.responseTime === 'number') parts.push(`${Math.round(o.responseTime)} ms`);
  if (o.msg && !/^(incoming request|request completed)$/.test(String(o.msg))) parts.push(String(o.msg));
  const err = o.err as { message?: string; stack?: string } | undefined;
  const extra = Object.entries(o).filter(([k]) => !SKIP.has(k) && k !== 'err').map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (extra.length) parts.push(extra.join(' '));
  return parts.join(' ') + (err?.stack ? `\n${err.stack}` : err?.message ? ` ${err.message}` : '');
}

/** A stdout stream for pino that prints pretty lines (LOG_FORMAT=pretty, what npm start uses). */
export function prettyStream(out: NodeJS.WritableStream = process.stdout): Writable {
  let rest = '';
  const pending = new Map<string, string>();
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const pretty = l ? prettyLine(l, pending) : null;
        if (pretty !== null) out.write(`${pretty}\n`);
      }
      done();
    },
  });
}
