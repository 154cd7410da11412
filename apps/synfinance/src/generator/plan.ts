// Deterministic partition of a run into customer shards. Depends only on (count, days, shardRows),
// never on the number of workers or the chunk size, so IDs and bytes never depend on them either.
import { AVG_MONTHLY_TXN } from './customers.ts';
import { SORT_SEQ_BITS } from './shard.ts';
import type { ShardSpec } from './types.ts';

export function planShards(count: number, days: number, shardRows: number): ShardSpec[] {
  if (shardRows <= 0 || shardRows >= SORT_SEQ_BITS)
    throw new Error(`shard_rows must be in 1..${SORT_SEQ_BITS - 1}`);
  const perCustomer = Math.max(1, (AVG_MONTHLY_TXN * days) / 30.4);
  const out: ShardSpec[] = [];
  let rowOffset = 0;
  let customerOffset = 0;
  for (let shard = 0; rowOffset < count; shard++) {
    const rows = Math.min(shardRows, count - rowOffset);
    const customers = Math.max(1, Math.round(rows / perCustomer));
    out.push({ shard, rows, rowOffset, customers, customerOffset });
    rowOffset += rows;
    customerOffset += customers;
  }
  return out;
}
