import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { freshDatabase, onPostgres } from '../testing/test-database.ts';
import { openDatabase, queryRows } from './client.ts';

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
