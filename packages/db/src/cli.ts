// Embedded PostgreSQL for `npm start`: `serve --data-dir DIR` creates the cluster on first use,
// runs it on a Unix socket in DIR only (no TCP), migrates, prints `ready <DATABASE_URL>`, and stops
// PostgreSQL on SIGINT/SIGTERM. `migrate` applies migrations to DATABASE_URL (the Helm hook Job).
import { createPool } from './pool.js';
import { migrate } from './migrations.js';
import { startEmbeddedPostgres } from './cluster.js';

const [command, ...rest] = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};

async function applyMigrations(url: string): Promise<number[]> {
  const pool = createPool(url, { max: 1, applicationName: 'vista3d-migrate' });
  try {
    return await migrate(pool);
  } finally {
    await pool.end();
  }
}

if (command === 'serve') {
  const dataDir = flag('--data-dir');
  if (!dataDir) {
    console.error('usage: cli serve --data-dir DIR [--port N]');
    process.exit(2);
  }
  const port = flag('--port');
  const server = await startEmbeddedPostgres({ dataDir, ...(port ? { port: Number(port) } : {}), log: (l) => /FATAL|PANIC|ERROR/.test(l) && !/starting up/.test(l) && console.error(`postgres: ${l}`) });
  const applied = await applyMigrations(server.url);
  if (applied.length) console.error(`postgres: applied migrations ${applied.join(', ')}`);
  console.log(`ready ${server.url}`);
  server.process.once('exit', (code) => {
    console.error(`postgres exited (${code})`);
    process.exit(1);
  });
  const stop = (): void => {
    server.process.removeAllListeners('exit');
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else if (command === 'migrate') {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('migrate: DATABASE_URL is not set');
    process.exit(2);
  }
  try {
    const applied = await applyMigrations(url);
    console.log(applied.length ? `migrate: applied ${applied.join(', ')}` : 'migrate: schema is up to date');
  } catch (err) {
    console.error(`migrate: ${(err as Error).message}`);
    process.exit(1);
  }
} else {
  console.error('usage: cli serve --data-dir DIR | cli migrate   (DATABASE_URL)');
  process.exit(2);
}
