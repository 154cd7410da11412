import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Database, openDatabase } from '../db/client.ts';
import { grantApplicationRole } from '../db/grants.ts';
import { migrate } from '../db/migrate.ts';
import { PGLITE_TEMPLATE_DIR_ENV } from './pglite-templates.setup.ts';

/** Set by .ci/run to run the same suite against real PostgreSQL instead of embedded PGlite. */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] || undefined;
export const onPostgres = TEST_DATABASE_URL !== undefined;

export interface TestDatabase {
  /** postgres:// URL of the fresh database; undefined on PGlite. */
  url: string | undefined;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

type PgliteTemplate = 'empty' | 'migrated';
const templates = new Map<PgliteTemplate, Promise<Blob>>();

/**
 * An image of a new PGlite cluster (`migrated`: with every migration applied). Creating a cluster runs
 * initdb inside WebAssembly, seconds on a busy machine; loading an image of one takes a fraction of
 * that and gives the same database. The image is made once per test run (shared between vitest's
 * worker processes through the directory the global set-up names) and once per process otherwise.
 */
function pgliteTemplate(kind: PgliteTemplate): Promise<Blob> {
  let template = templates.get(kind);
  if (!template) {
    template = loadOrMakeTemplate(kind);
    templates.set(kind, template);
  }
  return template;
}

async function loadOrMakeTemplate(kind: PgliteTemplate): Promise<Blob> {
  const dir = process.env[PGLITE_TEMPLATE_DIR_ENV];
  const file = dir ? join(dir, `${kind}.tar`) : undefined;
  if (file) {
    const saved = await readFile(file).catch(() => undefined);
    if (saved) return new Blob([saved]);
  }
  const image = await makeTemplate(kind);
  if (file) {
    // Written under a name of its own, then renamed: a reader never sees half an image.
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, new Uint8Array(await image.arrayBuffer()));
    await rename(partial, file);
  }
  return image;
}

async function makeTemplate(kind: PgliteTemplate): Promise<Blob> {
  const client = await PGlite.create('memory://');
  try {
    if (kind === 'migrated') {
      await migrate({
        withSession: (work) =>
          work({
            query: async <Row>(text: string, params?: unknown[]) =>
              (await client.query<Row>(text, params)).rows,
            exec: async (script) => {
              await client.exec(script);
            },
          }),
      });
    }
    return await client.dumpDataDir('none');
  } finally {
    await client.close();
  }
}

/** A fresh, empty database: an in-memory PGlite, or a new database on the TEST_DATABASE_URL server. */
export function freshDatabase(): Promise<TestDatabase> {
  return newDatabase('empty');
}

async function newDatabase(kind: PgliteTemplate): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    return {
      url: undefined,
      open: async () =>
        openDatabase({ kind: 'pglite', dataDir: 'memory://', loadDataDir: await pgliteTemplate(kind) }),
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
  const fresh = await newDatabase('migrated');
  const superuser = await fresh.open();
  // Applies nothing on PGlite, whose image is migrated already; it still checks every checksum.
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
