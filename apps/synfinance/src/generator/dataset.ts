// A dataset folder: one sub-folder per table, each holding the parts of that table in order.
//   DIR/transactions/part-00000.csv ... part-0000{N-1}.csv
//   DIR/customers/part-00000.csv ...
//   DIR/merchants/part-00000.csv          (only part 0: the merchant table does not depend on shards)
// CSV parts after the first carry no header line, so `cat part-*` of a table gives exactly the file
// a single process writes; Parquet parts are each a complete file with the same rows in order.
import path from 'node:path';
import type { PartRef, RunTargets } from './run.ts';
import type { Format } from './task.ts';

export const TABLES = ['transactions', 'customers', 'merchants'] as const;
export type Table = (typeof TABLES)[number];

export function partFileName(index: number, ext: string): string {
  return `part-${String(index).padStart(5, '0')}.${ext}`;
}

export function partTargets(dir: string, part: PartRef, format: Format): RunTargets {
  const file = (t: Table) => path.join(dir, t, partFileName(part.index, format));
  return {
    transactions: file('transactions'),
    customers: file('customers'),
    merchants: part.index === 0 ? file('merchants') : null,
    header: part.index === 0,
  };
}

/** The largest part count: more parts than this is a mistake, not a plan. */
export const MAX_PARTS = 100_000;

/** "I/N" -> { index: I, count: N }, or a message saying what is wrong. */
export function parsePartRef(raw: string): PartRef | string {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m) return `--shard must be I/N (part I of N, counted from 0), got "${raw}"`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_PARTS) return `--shard N must be in 1..${MAX_PARTS}, got "${raw}"`;
  if (index >= count) return `--shard I must be in 0..N-1 (counted from 0), got "${raw}"`;
  return { index, count };
}
