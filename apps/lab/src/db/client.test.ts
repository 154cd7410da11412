import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { freshDatabase, onPostgres } from '../testing/test-database.ts';
import { type Database, openDatabase, queryRows } from './client.ts';

/** Another process takes the advisory lock `key` (waiting for it if need be) and reports when it got it. */
function timeLockAcquiredInAnotherProcess(url: string, key: number): Promise<number> {
  const script = `
    const pg = require('pg');
    const c = new pg.Client({ connectionString: process.env.LOCK_URL });
    c.connect()
      .then(() => c.query('SELECT pg_advisory_lock($1)', [Number(process.env.LOCK_KEY)]))
      .then(() => { process.stdout.write(String(Date.now())); return c.end(); });`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, LOCK_URL: url, LOCK_KEY: String(key) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(Number(out)) : reject(new Error(`lock child exited ${code}`)),
    ),
  );
}

describe.skipIf(!onPostgres)('PostgreSQL pool: repeated statements are prepared once per connection', () => {
  it('names each parameterised statement text once and reuses the name; plain statements stay unnamed', async () => {
    const fresh = await freshDatabase();
    // One connection, so every query below runs on the session whose prepared statements we read.
    const database = await openDatabase({ kind: 'postgres', url: fresh.url!, poolMax: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const [row] = await queryRows<{ n: number }>(database.db, sql`SELECT ${i}::int + 1 AS n`);
        expect(row!.n).toBe(i + 1);
        await database.db.transaction(async (tx) => {
          await tx.execute(sql`SELECT ${'x'}::text || ${i}::text AS t`);
        });
      }
      await database.db.execute(sql`SELECT 42 AS unparameterised`);
      const statements = await queryRows<{ name: string; statement: string }>(
        database.db,
        sql`SELECT name, statement FROM pg_prepared_statements ORDER BY name`,
      );
      // The query reading pg_prepared_statements has no parameters, so it is not among them either.
      expect(statements.map((s) => s.statement)).toEqual([
        'SELECT $1::int + 1 AS n',
        'SELECT $1::text || $2::text AS t',
      ]);
      expect(new Set(statements.map((s) => s.name)).size).toBe(2);
    } finally {
      await database.close();
      await fresh.drop();
    }
  });
});

describe('Database.transaction: the work, its final statements and COMMIT', () => {
  async function withDatabase(fn: (database: Database, url: string | undefined) => Promise<void>) {
    const fresh = await freshDatabase();
    // One connection on PostgreSQL: a connection left in a broken state would fail the next statement.
    const database = fresh.url
      ? await openDatabase({ kind: 'postgres', url: fresh.url, poolMax: 1 })
      : await fresh.open();
    try {
      await database.db.execute(sql`CREATE TABLE t (n int PRIMARY KEY)`);
      await fn(database, fresh.url);
    } finally {
      await database.close();
      await fresh.drop();
    }
  }
  const count = async (database: Database) =>
    (await queryRows<{ c: number }>(database.db, sql`SELECT count(*)::int AS c FROM t`))[0]!.c;

  it('runs the final statements after the work, inside the transaction, and returns their rows in order', async () => {
    await withDatabase(async (database) => {
      const outcome = await database.transaction(
        async (tx) => {
          await tx.execute(sql`INSERT INTO t VALUES (1)`);
          return 'done';
        },
        () => [
          sql`INSERT INTO t VALUES (${2}) RETURNING n`,
          sql`SELECT count(*)::int AS c, txid_current_if_assigned() IS NOT NULL AS in_tx FROM t`,
        ],
      );
      expect(outcome.value).toBe('done');
      expect(outcome.finalRows).toEqual([[{ n: 2 }], [{ c: 2, in_tx: true }]]);
      expect(await count(database)).toBe(2);
    });
  });

  it('a failing final statement rolls the whole transaction back, and the connection stays usable', async () => {
    await withDatabase(async (database) => {
      await expect(
        database.transaction(
          async (tx) => {
            await tx.execute(sql`INSERT INTO t VALUES (1)`);
          },
          () => [sql`INSERT INTO t VALUES (${2})`, sql`INSERT INTO t VALUES (${1})`, sql`SELECT 1 AS one`],
        ),
      ).rejects.toSatisfy((e: Error) => /duplicate key/.test(`${e.message} ${(e.cause as Error)?.message}`));
      expect(await count(database)).toBe(0);
      await database.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO t VALUES (3)`);
      });
      expect(await count(database)).toBe(1);
    });
  });

  it('an error in the work rolls back, and the final statements never run', async () => {
    await withDatabase(async (database) => {
      let asked = false;
      await expect(
        database.transaction(
          async (tx) => {
            await tx.execute(sql`INSERT INTO t VALUES (1)`);
            throw new Error('business rule');
          },
          () => {
            asked = true;
            return [sql`INSERT INTO t VALUES (${2})`];
          },
        ),
      ).rejects.toThrow('business rule');
      expect(asked).toBe(false);
      expect(await count(database)).toBe(0);
    });
  });

  it.skipIf(!onPostgres)(
    'COMMIT reaches the server with the final statements, so a lock is released while this event loop is blocked',
    async () => {
      await withDatabase(async (database, url) => {
        const LOCK = 90_210_001;
        const BLOCK_MS = 3_000;
        let blockedUntil = 0;
        let acquiredAt: Promise<number> | undefined;
        await database.transaction(
          async (tx) => {
            await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK})`);
            acquiredAt = timeLockAcquiredInAnotherProcess(url!, LOCK);
            // Wait until the other process queues behind our lock.
            for (let waiting = 0; waiting === 0; ) {
              await new Promise((r) => setTimeout(r, 20));
              const rows = await queryRows<{ waiting: number }>(
                tx,
                sql`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
              );
              waiting = rows[0]!.waiting;
            }
          },
          () => {
            // Runs just before the final statements and COMMIT are written; once they are, this process
            // stays busy for 3 s and cannot send anything else.
            queueMicrotask(() => {
              blockedUntil = Date.now() + BLOCK_MS;
              while (Date.now() < blockedUntil);
            });
            return [sql`SELECT ${1}::int AS one`];
          },
        );
        // The server committed, and released the lock, before this process could have sent COMMIT: an
        // order of events, not a time limit.
        expect(await acquiredAt!).toBeLessThan(blockedUntil);
      });
    },
  );
});
