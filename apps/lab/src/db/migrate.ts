import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './client.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
// Any constant works; it only has to be the same for every instance of the lab OS.
const MIGRATION_LOCK_KEY = 7_245_190_112;

export interface MigrationFile {
  id: string;
  sql: string;
  checksum: string;
}

export async function readMigrationFiles(dir: URL = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(new URL(name, dir), 'utf8');
      return {
        id: name.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

export class MigrationChecksumError extends Error {}

/**
 * Applies pending migrations, each in its own transaction, under a session-level advisory lock so
 * that instances starting at the same moment apply each migration exactly once.
 */
export async function migrate(
  database: Pick<Database, 'withSession'>,
  files?: MigrationFile[],
): Promise<{ applied: string[] }> {
  const migrations = files ?? (await readMigrationFiles());
  return database.withSession(async (session) => {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      // Checked first: the least-privilege role a server runs as may not create tables at all, not even
      // with IF NOT EXISTS (PostgreSQL checks the schema privilege before the name).
      const [ledger] = await session.query<{ present: boolean }>(
        "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
      );
      if (!ledger?.present)
        await session.exec(`CREATE TABLE schema_migrations (
        id text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = new Map(
        (
          await session.query<{ id: string; checksum: string }>('SELECT id, checksum FROM schema_migrations')
        ).map((r) => [r.id, r.checksum]),
      );
      const applied: string[] = [];
      for (const m of migrations) {
        const previous = done.get(m.id);
        if (previous !== undefined) {
          if (previous !== m.checksum) {
            throw new MigrationChecksumError(
              `migration ${m.id} was changed after it was applied (checksum ${previous.slice(0, 12)} != ${m.checksum.slice(0, 12)}); add a new migration instead`,
            );
          }
          continue;
        }
        await session.exec('BEGIN');
        try {
          await session.exec(m.sql);
          await session.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [
            m.id,
            m.checksum,
          ]);
          await session.exec('COMMIT');
        } catch (err) {
          await session.exec('ROLLBACK');
          throw err;
        }
        applied.push(m.id);
      }
      return { applied };
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}
