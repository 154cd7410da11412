import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';

/** Set by .ci/run to run the same suite against real PostgreSQL instead of embedded PGlite. */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;

export interface TestDatabase {
  /** postgres:// URL of the fresh database; undefined on PGlite. */
  url: string | undefined;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/** A fresh, empty database: an in-memory PGlite, or a new database on the TEST_DATABASE_URL server. */
export async function freshDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    return {
      url: undefined,
      open: () => openDatabase({ kind: 'pglite', dataDir: 'memory://' }),
      drop: async () => {},
    };
  }
  const name = `lab_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    open: () => openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 5 }),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh database with every migration applied; `cleanup` closes and drops it. */
export async function migratedDatabase(): Promise<{ database: Database; cleanup: () => Promise<void> }> {
  const fresh = await freshDatabase();
  const database = await fresh.open();
  await migrate(database);
  return {
    database,
    cleanup: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}
