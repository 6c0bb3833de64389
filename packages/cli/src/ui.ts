import { Presets, SingleBar } from 'cli-progress';

/** A usage problem (bad option value): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Renders rows as a plain-text table with a header line. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export interface Progress {
  update(done: number, total: number, message: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal, else one line per message change (quiet: nothing). */
export function progress(quiet = false): Progress {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (!process.stderr.isTTY) {
    let last = '';
    return {
      update(done, total, message) {
        const line = total > 0 ? `[${done}/${total}] ${message}` : message;
        if (line !== last && !/^reading headers/.test(message)) process.stderr.write(`${line}\n`);
        last = line;
      },
      stop: () => undefined,
    };
  }
  const bar = new SingleBar(
    { format: '{bar} {value}/{total} {message}', stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 30 },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, message) {
      if (!started) {
        bar.start(Math.max(total, 1), done, { message });
        started = true;
      }
      if (total > 0) bar.setTotal(total);
      bar.update(done, { message: message.slice(0, 60) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function abortOnSignals(): AbortController {
  const ac = new AbortController();
  const stop = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac;
}
