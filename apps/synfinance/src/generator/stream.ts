// In-process streaming generation (used by the HTTP API): yields the transaction file as byte
// chunks, shard by shard, in the same order and with the same bytes as the file writer. Stops as
// soon as the signal aborts; nothing is buffered beyond one shard.

import type { ColumnSource, Writer } from 'hyparquet-writer';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import { planShards } from './plan.ts';
import { TXN_COLUMNS } from './schema.ts';
import { csvHeader } from './serialize.ts';
import { type Format, TaskRunner } from './task.ts';
import type { GenParams, ShardStats } from './types.ts';

export interface StreamChunk {
  bytes: Uint8Array;
  /** stats of the shard that produced this chunk (absent for header/footer chunks) */
  stats?: ShardStats;
}

const PARQUET_TYPE = { string: 'STRING', json: 'STRING', int: 'INT32', float: 'DOUBLE' } as const;

/** A hyparquet Writer that hands out what has been written so far. */
function memoryWriter(): Writer & { drain(): Uint8Array } {
  const w = new ByteWriter() as unknown as Writer & { index: number; drain(): Uint8Array };
  w.drain = () => {
    const out = new Uint8Array(w.buffer, 0, w.index).slice();
    w.index = 0;
    return out;
  };
  w.flush = () => {};
  w.finish = () => {};
  return w;
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
  let pq: { writer: ParquetWriter; out: ReturnType<typeof memoryWriter> } | null = null;
  const sources = (data: unknown[][]): ColumnSource[] =>
    TXN_COLUMNS.map((c, i) => ({
      name: c.name,
      data: data[i]! as never,
      type: PARQUET_TYPE[c.type],
      nullable: c.nullable,
    }));
  if (format === 'csv') yield { bytes: enc.encode(csvHeader(TXN_COLUMNS)) };
  if (format === 'parquet') {
    const out = memoryWriter();
    const schema = schemaFromColumnData({ columnData: sources(TXN_COLUMNS.map(() => [])) });
    pq = { writer: new ParquetWriter({ writer: out, schema, createdBy: 'synfinance' }), out };
  }
  for (let i = 0; i < specs.length; i++) {
    if (signal?.aborted) return;
    const res = runner.run(i, [specs[i]!]);
    if (pq) {
      for (const cols of res.txnColumns ?? [])
        void pq.writer.write({ columnData: sources(cols), rowGroupSize: cols[0]!.length });
      yield { bytes: pq.out.drain(), stats: res.stats };
    } else {
      yield { bytes: res.txnText!, stats: res.stats };
    }
    // let the event loop breathe (client disconnects, other requests) between shards
    await new Promise((r) => setImmediate(r));
  }
  if (pq && !signal?.aborted) {
    void pq.writer.finish();
    yield { bytes: pq.out.drain() };
  }
}
