// In-process streaming generation (used by the HTTP API): yields the transaction file as byte
// chunks, shard by shard, in the same order and with the same bytes as the file writer. Stops as
// soon as the signal aborts; nothing is buffered beyond one shard.

import { planShards } from './plan.ts';
import { TXN_COLUMNS } from './schema.ts';
import { csvHeader } from './serialize.ts';
import { type Format, TaskRunner } from './task.ts';
import type { GenParams, ShardStats } from './types.ts';
import { ParquetEncoder } from './writers.ts';

export interface StreamChunk {
  bytes: Uint8Array;
  /** stats of the shard that produced this chunk (absent for header/footer chunks) */
  stats?: ShardStats;
}

export async function* generateStream(
  params: GenParams,
  count: number,
  format: Format,
  signal?: AbortSignal,
): AsyncGenerator<StreamChunk> {
  const runner = new TaskRunner(params, format);
  const specs = planShards(count, params.days, params.shardRows);
  const enc = new TextEncoder();
  // Parquet: the encoder's output so far, handed out after each shard
  let encoded: Uint8Array[] = [];
  const drain = () => {
    const out = Buffer.concat(encoded);
    encoded = [];
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  };
  const pq = format === 'parquet' ? new ParquetEncoder(TXN_COLUMNS, (b) => encoded.push(b.slice())) : null;
  if (format === 'csv') yield { bytes: enc.encode(csvHeader(TXN_COLUMNS)) };
  for (let i = 0; i < specs.length; i++) {
    if (signal?.aborted) {
      pq?.abort();
      return;
    }
    const res = runner.run(i, [specs[i]!]);
    if (pq) {
      for (const b of res.txnBatches ?? []) pq.write(b);
      // one shard at a time: wait until the encoder has taken it
      while (pq.backlog() > 0 && !signal?.aborted) await new Promise((r) => setTimeout(r, 1));
      yield { bytes: drain(), stats: res.stats };
    } else {
      yield { bytes: res.txnText!, stats: res.stats };
    }
    // let the event loop breathe (client disconnects, other requests) between shards
    await new Promise((r) => setImmediate(r));
  }
  if (pq && signal?.aborted) pq.abort();
  else if (pq) {
    await pq.finish();
    yield { bytes: drain() };
  }
}
