// One unit of work: generate a list of consecutive shards and serialise them for the chosen format.
// Runs unchanged in a worker thread or inline in the main thread.
import { arrowBatch, type IpcBatch } from './arrow-batch.ts';
import { ArrowTxnWriter } from './arrow-txn.ts';
import { ByteCsvWriter } from './csv-bytes.ts';
import { CUSTOMER_COLUMNS, TXN_COLUMNS } from './schema.ts';
import { csvLine, customerValues, jsonLine, txnValues, type Value } from './serialize.ts';
import { ShardGenerator } from './shard.ts';
import type { GenParams, ShardSpec, ShardStats } from './types.ts';
import { buildWorld, type World } from './world.ts';

export type Format = 'csv' | 'jsonl' | 'parquet';

export interface TaskResult {
  task: number;
  rows: number;
  stats: ShardStats;
  /** csv/jsonl: encoded text; parquet: column arrays per shard */
  txnText?: Uint8Array;
  /** csv with a target buffer: the transaction text is the first txnInTarget bytes of the target */
  txnInTarget?: number;
  custText?: Uint8Array;
  /** parquet: one Arrow record batch per shard (and per shard's customers) */
  txnBatches?: IpcBatch[];
  custBatches?: IpcBatch[];
}

export class TaskRunner {
  private readonly world: World;
  private readonly gen: ShardGenerator;
  private readonly csvBytes: ByteCsvWriter;
  private arrowTxns: ArrowTxnWriter | null = null;

  constructor(
    readonly params: GenParams,
    readonly format: Format,
  ) {
    this.world = buildWorld(params.seed, params.startDay, params.days);
    this.gen = new ShardGenerator(params, this.world);
    this.csvBytes = new ByteCsvWriter(this.world);
  }

  /**
   * `target` (CSV only): write the transaction text straight into this buffer (a view on a
   * SharedArrayBuffer the main thread writes to the file) instead of returning a copy; when it does
   * not fit, the result carries txnText as usual.
   */
  run(task: number, specs: ShardSpec[], target?: Uint8Array): TaskResult {
    const stats: ShardStats = {
      rows: 0,
      fraudRows: 0,
      fraudByType: {},
      fraudByTypeSeverity: {},
      anomalyByType: {},
    };
    const txnBuf = new ByteBuf(this.format === 'csv' ? 16 : 1 << 22);
    this.csvBytes.reset(target);
    const custBuf = new ByteBuf(1 << 16);
    const txnBatches: IpcBatch[] = [];
    const custBatches: IpcBatch[] = [];
    for (const spec of specs) {
      const { rows, customers, stats: s } = this.gen.generate(spec);
      mergeStats(stats, s);
      if (this.format === 'parquet') {
        this.arrowTxns ??= new ArrowTxnWriter(this.world);
        const tb = this.arrowTxns.batch(rows, spec.rowOffset);
        if (tb) txnBatches.push(tb);
        const ccols: Value[][] = CUSTOMER_COLUMNS.map(() => new Array(customers.length));
        customers.forEach((c, i) => {
          const v = customerValues(c);
          for (let j = 0; j < v.length; j++) ccols[j]![i] = v[j]!;
        });
        const cb = arrowBatch(CUSTOMER_COLUMNS, ccols);
        if (cb) custBatches.push(cb);
      } else {
        const csv = this.format === 'csv';
        if (csv) {
          const w = this.csvBytes;
          for (let i = 0; i < rows.length; i++) w.row(rows[i]!, spec.rowOffset + i);
        } else {
          for (let i = 0; i < rows.length; i++)
            txnBuf.write(jsonLine(TXN_COLUMNS, txnValues(rows[i]!, spec.rowOffset + i, this.world)));
        }
        for (const c of customers) {
          const v = customerValues(c);
          custBuf.write(csv ? csvLine(v) : jsonLine(CUSTOMER_COLUMNS, v));
        }
      }
    }
    if (this.format === 'parquet') return { task, rows: stats.rows, stats, txnBatches, custBatches };
    const res: TaskResult = { task, rows: stats.rows, stats, custText: custBuf.bytes() };
    const w = this.csvBytes;
    if (this.format !== 'csv') res.txnText = txnBuf.bytes();
    else if (target && w.writesInto(target)) res.txnInTarget = w.length;
    else res.txnText = w.take();
    return res;
  }
}

export function mergeStats(into: ShardStats, s: ShardStats): void {
  into.rows += s.rows;
  into.fraudRows += s.fraudRows;
  for (const [k, v] of Object.entries(s.fraudByType)) into.fraudByType[k] = (into.fraudByType[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.fraudByTypeSeverity))
    into.fraudByTypeSeverity[k] = (into.fraudByTypeSeverity[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.anomalyByType))
    into.anomalyByType[k] = (into.anomalyByType[k] ?? 0) + v;
}

/** Growable byte buffer; all generated text is ASCII except merchant names, so write as UTF-8. */
export class ByteBuf {
  private buf: Buffer;
  private pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafeSlow(size);
  }
  write(s: string): void {
    if (this.pos + s.length * 3 > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + s.length * 3));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    this.pos += (this.buf as unknown as FastBuf).utf8Write(s, this.pos);
  }
  /** A copy sized exactly, backed by its own ArrayBuffer (transferable). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }
}

interface FastBuf {
  utf8Write(s: string, offset: number): number;
}
