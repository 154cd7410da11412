import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../db/client.ts';
import { grantApplicationRole } from '../db/grants.ts';
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

/**
 * When set (CI does), the suite's app connections on PostgreSQL use this least-privilege role, as
 * production does: SELECT/INSERT only on the append-only tables, no DDL, not the owner.
 */
export const TEST_APP_ROLE = process.env['TEST_APP_ROLE'] || undefined;

/**
 * A fresh database with every migration applied. `database` is what the app uses (the application
 * role when TEST_APP_ROLE is set); `superuser` is for tests that play an attacker with full rights.
 */
export async function migratedDatabase(): Promise<{
  database: Database;
  superuser: Database;
  cleanup: () => Promise<void>;
}> {
  const fresh = await freshDatabase();
  const superuser = await fresh.open();
  await migrate(superuser);
  let database = superuser;
  if (fresh.url && TEST_APP_ROLE) {
    await superuser.withSession((s) => grantApplicationRole(s, TEST_APP_ROLE));
    const url = new URL(fresh.url);
    url.username = TEST_APP_ROLE;
    url.password = '';
    database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 5 });
  }
  return {
    database,
    superuser,
    cleanup: async () => {
      if (database !== superuser) await database.close();
      await superuser.close();
      await fresh.drop();
    },
  };
}
