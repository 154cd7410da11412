// The Parquet file read by an independent reader, DuckDB: every column has the type the schema asks
// for, and every value equals the JSONL of the same run (times as UTC instants, flags as booleans;
// label_available_at is written as UTC text, timestamp as IST wall clock).
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import type { ColType } from './schema.ts';
import { TXN_COLUMNS } from './schema.ts';
import { generate, readAll } from './test-helpers.ts';

const DUCKDB_TYPE: Record<ColType, string> = {
  string: 'VARCHAR',
  category: 'VARCHAR',
  json: 'VARCHAR',
  int: 'INTEGER',
  float: 'DOUBLE',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** IST wall clock `YYYY-MM-DD HH:MM:SS` -> the UTC instant as epoch ms. */
const istToMs = (s: string) => Date.parse(`${s.replace(' ', 'T')}+05:30`);

describe('Parquet read by DuckDB', () => {
  it('has the schema types and the values of the JSONL of the same run', async () => {
    const opts = { shardRows: 4_000, fraudRate: 0.05, seed: 11 };
    const pq = await generate(10_000, 'parquet', opts);
    const js = await generate(10_000, 'jsonl', opts);
    dirs.push(pq.dir, js.dir);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const file = pq.file.replaceAll("'", "''");
    const desc = (
      await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)
    ).getRowObjectsJS();
    expect(desc.map((r) => [r.column_name, r.column_type])).toEqual(
      TXN_COLUMNS.map((c) => [c.name, DUCKDB_TYPE[c.type]]),
    );
    // times as epoch ms so that the comparison does not depend on DuckDB's session time zone
    const select = TXN_COLUMNS.map((c) =>
      c.type === 'timestamp' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`,
    ).join(', ');
    const got = (await con.runAndReadAll(`SELECT ${select} FROM read_parquet('${file}')`)).getRowObjectsJS();
    con.closeSync();
    const want = await readAll(js.file);
    expect(got.length).toBe(want.length);
    const bad: string[] = [];
    for (let i = 0; i < want.length; i++) {
      for (const c of TXN_COLUMNS) {
        const w = want[i]![c.name] ?? null;
        let g: unknown = got[i]![c.name];
        if (typeof g === 'bigint') g = Number(g);
        const exp =
          w === null
            ? null
            : c.type === 'bool'
              ? w === 1
              : c.type !== 'timestamp'
                ? w
                : c.time === 'utc'
                  ? Date.parse(String(w))
                  : istToMs(String(w));
        if (g !== exp && bad.length < 5) bad.push(`row ${i} ${c.name}: ${String(g)} != ${String(exp)}`);
      }
    }
    expect(bad).toEqual([]);
    // booleans are both values, and some flags are true
    expect(got.some((r) => r.is_fraud === true) && got.some((r) => r.is_fraud === false)).toBe(true);
  });
});
