// Applies the platform's schema migrations to DATABASE_URL and exits (the chart's hook Job runs this
// from the worker image: `node migrate.mjs`).
import { createPool, migrate } from '@vista3d/db';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('migrate: DATABASE_URL is not set');
  process.exit(2);
}
const pool = createPool(url, { max: 1, applicationName: 'vista3d-migrate' });
try {
  const applied = await migrate(pool);
  console.log(applied.length ? `migrate: applied ${applied.join(', ')}` : 'migrate: schema is up to date');
} catch (err) {
  console.error(`migrate: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
