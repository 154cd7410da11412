import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readHeader } from '../transactions/read.ts';
import { TXN_COLUMNS } from './schema.ts';
import { generate, readAll } from './test-helpers.ts';

describe('Parquet output', () => {
  it('round-trips: what is read back equals what was written (compared with the JSONL of the same run)', async () => {
    const pq = await generate(25_000, 'parquet', { shardRows: 10_000, fraudRate: 0.05 });
    const js = await generate(25_000, 'jsonl', { shardRows: 10_000, fraudRate: 0.05 });
    expect(await readHeader(pq.file)).toEqual(TXN_COLUMNS.map((c) => c.name));
    const a = await readAll(pq.file);
    const b = await readAll(js.file);
    expect(a.length).toBe(25_000);
    expect(a.length).toBe(b.length);
    let mismatches = 0;
    for (let i = 0; i < a.length; i++) {
      for (const c of TXN_COLUMNS) {
        if (a[i]![c.name] !== b[i]![c.name]) {
          mismatches++;
          if (mismatches < 5)
            expect({ row: i, col: c.name, parquet: a[i]![c.name] }).toEqual({
              row: i,
              col: c.name,
              parquet: b[i]![c.name],
            });
        }
      }
    }
    expect(mismatches).toBe(0);
    // the customer and merchant tables are Parquet too and readable
    const cust = await readAll(pq.file.replace('.parquet', '.customers.parquet'));
    expect(cust.length).toBe(pq.summary.customers);
    const merch = await readAll(pq.file.replace('.parquet', '.merchants.parquet'));
    expect(merch.length).toBe(pq.summary.merchants);
    for (const d of [pq.dir, js.dir]) fs.rmSync(d, { recursive: true, force: true });
  });
});
