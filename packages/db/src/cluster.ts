import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';

/** A private PostgreSQL cluster run by this process (npm start, tests). */
export interface EmbeddedPostgres {
  /** Connection URL of the platform database (Unix socket, or 127.0.0.1 when a port was asked for). */
  url: string;
  dataDir: string;
  /** Fast shutdown; resolves when the server has exited. */
  stop(): Promise<void>;
  readonly process: ChildProcess;
}

export interface EmbeddedPostgresOptions {
  /** Cluster folder (created by initdb on first use, reused afterwards). */
  dataDir: string;
  /** Listen on 127.0.0.1:port as well as the Unix socket; omit for the socket only. */
  port?: number;
  database?: string;
  /** Throw-away cluster (tests): no fsync, no WAL archiving of anything worth keeping. */
  ephemeral?: boolean;
  /** Server log lines (stderr of postgres) go here; default: dropped unless they are fatal. */
  log?: (line: string) => void;
}

/** Debian's PostgreSQL binaries: the newest /usr/lib/postgresql/<v>/bin, or PG_BIN. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN) return env.PG_BIN;
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(base, v, 'bin/postgres'))) return join(base, v, 'bin');
  throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/postgres); run `npm run setup` (Debian package postgresql) or set PG_BIN');
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/**
 * initdb and postgres refuse to run as root: as root we run them as an unprivileged account,
 * VISTA3D_PG_USER, else `vista3d-pg` (created by scripts/setup.sh), else `nobody`.
 */
function runAs(env: NodeJS.ProcessEnv = process.env): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  for (const name of [env.VISTA3D_PG_USER, 'vista3d-pg', 'nobody']) {
    if (!name) continue;
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (uid.status === 0 && gid.status === 0) return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root and no unprivileged account for PostgreSQL (set VISTA3D_PG_USER)');
}

/**
 * The cluster folder, created and owned by the account postgres runs as. When that account cannot
 * reach it (a checkout under /root, a 0700 temp folder), the cluster lives in /var/tmp/vista3d-pg/
 * under a name derived from the asked-for path instead, so it still persists between starts.
 */
function reachableDataDir(dataDir: string, user: RunAs | null): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!user) return dataDir;
  chownSync(dataDir, user.uid, user.gid);
  const [cmd, args] = asUser(user, 'test', ['-w', dataDir]);
  if (spawnSync(cmd, args).status === 0) return dataDir;
  const alt = join('/var/tmp/vista3d-pg', createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  mkdirSync(alt, { recursive: true, mode: 0o700 });
  chmodSync('/var/tmp/vista3d-pg', 0o755);
  chownSync(alt, user.uid, user.gid);
  console.error(`postgres: ${user.name} cannot reach ${dataDir}; the cluster lives in ${alt}`);
  return alt;
}

/** Command line that runs `bin` as `user` (setpriv execs in place, so signals reach postgres itself). */
function asUser(user: RunAs | null, bin: string, args: string[]): [string, string[]] {
  if (!user) return [bin, args];
  // --pdeathsig: a cluster whose starter died (a killed test run) shuts down instead of lingering.
  return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--pdeathsig', 'SIGINT', '--', bin, ...args]];
}

async function waitReady(config: pg.ClientConfig, child: ChildProcess, deadlineMs: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode} while starting: ${stderr().slice(-2000)}`);
    const client = new pg.Client(config);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections within ${deadlineMs} ms: ${(last as Error)?.message ?? last}; ${stderr().slice(-2000)}`);
}

/** Creates the cluster if needed, starts postgres, creates the database, and returns its URL. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = postgresBinDir();
  const database = options.database ?? 'vista3d';
  const user = runAs();
  const dataDir = reachableDataDir(resolve(options.dataDir), user);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const [cmd, args] = asUser(user, join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    const res = spawnSync(cmd, args, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`initdb failed (${res.status}): ${res.stderr || res.stdout}`);
  }
  const port = options.port ?? 5432;
  const args = [
    '-D', dataDir,
    '-k', dataDir,
    '-p', String(port),
    '-c', `listen_addresses=${options.port !== undefined ? '127.0.0.1' : ''}`,
    '-c', 'max_connections=200',
    '-c', 'unix_socket_permissions=0777',
  ];
  if (options.ephemeral) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const [cmd, cmdArgs] = asUser(user, join(bin, 'postgres'), args);
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let errText = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    errText = (errText + chunk).slice(-8000);
    if (options.log) for (const line of chunk.split('\n')) if (line.trim()) options.log(line);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const admin: pg.ClientConfig = { host: dataDir, port, user: 'postgres', database: 'postgres' };
  try {
    await waitReady(admin, child, 30_000, () => errText);
    const client = new pg.Client(admin);
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another starter
      });
    } finally {
      await client.end();
    }
  } catch (err) {
    child.kill('SIGINT');
    await exited;
    throw err;
  }
  const url =
    options.port !== undefined
      ? `postgresql://postgres@127.0.0.1:${port}/${database}`
      : `postgresql://postgres@localhost/${database}?host=${encodeURIComponent(dataDir)}&port=${port}`;
  return {
    url,
    dataDir,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** A throw-away cluster in a temp folder on a free loopback port (tests); stop() removes it. */
export async function startTestPostgres(): Promise<EmbeddedPostgres> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { createServer } = await import('node:net');
  const dir = await mkdtemp(join(tmpdir(), 'vista3d-pg-'));
  const port = await new Promise<number>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const pgServer = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, ephemeral: true });
  return {
    ...pgServer,
    async stop() {
      await pgServer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
