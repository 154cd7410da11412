// Output sinks. Every file is written to a temporary name in the target directory and renamed only
// when the whole run succeeded; abort() removes the temporary files, so a failed or interrupted run
// never leaves a truncated file under the final name. Memory stays bounded: chunks are written as
// they arrive (Parquet: one row group per shard, encoded while later shards are generated).
import fs from 'node:fs';
import path from 'node:path';
import * as pw from 'parquet-wasm/node';
import { arrowBatch, type IpcBatch, TIME_TEXT_KEY } from './arrow-batch.ts';
import type { ColType, Column } from './schema.ts';
import { csvHeader, csvLine, jsonLine, type Value } from './serialize.ts';
import type { Format } from './task.ts';

export function tempPathFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.tmp-${process.pid}`);
}

/** `data/txns.csv` -> `data/txns.customers.csv` */
export function sidecarPath(out: string, table: string): string {
  const ext = path.extname(out);
  return ext ? `${out.slice(0, -ext.length)}.${table}${ext}` : `${out}.${table}`;
}

export interface TableSink {
  readonly finalPath: string;
  readonly tmpPath: string;
  writeText(bytes: Uint8Array): void;
  writeColumns(cols: Value[][]): void;
  /** Parquet: a chunk already built as an Arrow IPC record batch, with its first row's values. */
  writeIpc(batch: IpcBatch): void;
  writeRows(rows: Value[][]): void;
  /** Chunks handed over but not yet encoded (Parquet); the producer waits while it is large. */
  backlog(): number;
  /** Called when the backlog shrinks. */
  onDrain: (() => void) | null;
  finish(): Promise<void>;
  commit(): Promise<void>;
  abort(): void;
}

class TextSink implements TableSink {
  readonly tmpPath: string;
  private fd: number | null;
  constructor(
    readonly finalPath: string,
    private readonly cols: readonly Column[],
    private readonly format: 'csv' | 'jsonl',
    header: boolean,
  ) {
    this.tmpPath = tempPathFor(finalPath);
    this.fd = fs.openSync(this.tmpPath, 'w');
    if (format === 'csv' && header) fs.writeSync(this.fd, csvHeader(cols));
  }
  writeText(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd!, bytes, off, bytes.length - off);
  }
  writeColumns(): void {
    throw new Error('text sink takes text');
  }
  writeIpc(): void {
    throw new Error('text sink takes text');
  }
  backlog(): number {
    return 0;
  }
  onDrain: (() => void) | null = null;
  writeRows(rows: Value[][]): void {
    const s = rows.map((v) => (this.format === 'csv' ? csvLine(v) : jsonLine(this.cols, v))).join('');
    this.writeText(Buffer.from(s, 'utf8'));
  }
  async finish(): Promise<void> {
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
  async commit(): Promise<void> {
    await this.finish();
    fs.renameSync(this.tmpPath, this.finalPath);
  }
  abort(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {}
      this.fd = null;
    }
    fs.rmSync(this.tmpPath, { force: true });
  }
}

const TEXT_TYPES = new Set<ColType>(['string', 'category', 'json']);

/**
 * Parquet through Apache Arrow and parquet-wasm (the Rust Parquet writer): each chunk arrives as an
 * Arrow IPC record batch and becomes one row group, encoded while later chunks are generated. The
 * encoder runs asynchronously, so chunks queue; `backlog` lets the producer wait for it.
 */
export class ParquetEncoder {
  private input: ReadableStreamDefaultController<pw.RecordBatch> | null = null;
  private encoded: Promise<void> | null = null;
  private failure: unknown = null;
  private closed = false;
  /** Called whenever the encoder takes a chunk (the producer may send more). */
  onDrain: (() => void) | null = null;
  constructor(
    private readonly cols: readonly Column[],
    private readonly onBytes: (bytes: Uint8Array) => void,
  ) {}
  /** Start the encoder; the time columns' text form (for our reader) is the schema's. */
  private start(): void {
    const timeText = Object.fromEntries(
      this.cols.flatMap((c) => (c.type === 'timestamp' ? [[c.name, c.time ?? 'ist']] : [])),
    );
    // Dictionary pages for the category columns only: for ids, numbers and times they cost more
    // encoding time than they save. Min/max statistics per row group (not per page) for numbers,
    // flags and times, where readers use them to skip row groups; none for text, where they cost
    // about a quarter of the encoding time (bench/RESULTS.md). SNAPPY: LZ4_RAW was no faster
    // by a margin the noise here could show, and hyparquet (our reader) decodes SNAPPY natively.
    let b = new pw.WriterPropertiesBuilder()
      .setCompression(pw.Compression.SNAPPY)
      .setCreatedBy('synfinance')
      .setMaxRowGroupSize(1 << 30) // row groups follow the chunks
      .setStatisticsEnabled(pw.EnabledStatistics.None)
      .setDictionaryEnabled(false)
      .setKeyValueMetadata(new Map([[TIME_TEXT_KEY, JSON.stringify(timeText)]]));
    for (const c of this.cols) {
      if (c.type === 'category') b = b.setColumnDictionaryEnabled(c.name, true);
      if (!TEXT_TYPES.has(c.type)) b = b.setColumnStatisticsEnabled(c.name, pw.EnabledStatistics.Chunk);
    }
    const props = b.build();
    const input = new ReadableStream<pw.RecordBatch>(
      {
        start: (c) => {
          this.input = c;
        },
        pull: () => this.onDrain?.(),
      },
      { highWaterMark: 0 },
    );
    this.encoded = (async () => {
      const out: ReadableStream<Uint8Array> = await pw.transformParquetStream(input, props);
      for await (const bytes of out) this.onBytes(bytes);
    })().catch((e: unknown) => {
      this.failure = e;
    });
  }
  /** Chunks handed over but not yet taken by the encoder. */
  backlog(): number {
    return this.input ? Math.max(0, -(this.input.desiredSize ?? 0)) : 0;
  }
  write(batch: IpcBatch): void {
    if (this.failure) throw this.failure;
    if (!this.encoded) this.start();
    const t = pw.Table.fromIPCStream(batch.ipc);
    for (const b of t.recordBatches()) this.input!.enqueue(b);
    t.free();
  }
  async finish(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      // a table without rows still gets its schema: the encoder needs one batch to know it
      if (!this.encoded)
        this.write(
          arrowBatch(
            this.cols,
            this.cols.map(() => []),
            true,
          )!,
        );
      this.input!.close();
    }
    await this.encoded;
    if (this.failure) throw this.failure;
  }
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.input?.error(new Error('aborted'));
    } catch {}
  }
}

class ParquetSink implements TableSink {
  readonly tmpPath: string;
  private fd: number | null;
  private readonly enc: ParquetEncoder;
  constructor(
    readonly finalPath: string,
    private readonly cols: readonly Column[],
  ) {
    this.tmpPath = tempPathFor(finalPath);
    const fd = fs.openSync(this.tmpPath, 'w');
    this.fd = fd;
    this.enc = new ParquetEncoder(cols, (bytes) => {
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    });
  }
  get onDrain(): (() => void) | null {
    return this.enc.onDrain;
  }
  set onDrain(f: (() => void) | null) {
    this.enc.onDrain = f;
  }
  backlog(): number {
    return this.enc.backlog();
  }
  writeText(): void {
    throw new Error('parquet sink takes columns');
  }
  writeColumns(cols: Value[][]): void {
    const batch = arrowBatch(this.cols, cols);
    if (batch) this.enc.write(batch);
  }
  writeIpc(batch: IpcBatch): void {
    this.enc.write(batch);
  }
  writeRows(rows: Value[][]): void {
    // bounded row groups for large tables
    for (let i = 0; i < rows.length; i += 50_000) {
      const part = rows.slice(i, i + 50_000);
      this.writeColumns(this.cols.map((_, j) => part.map((r) => r[j]!)));
    }
  }
  async finish(): Promise<void> {
    await this.enc.finish();
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
  async commit(): Promise<void> {
    await this.finish();
    fs.renameSync(this.tmpPath, this.finalPath);
  }
  abort(): void {
    this.enc.abort();
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {}
      this.fd = null;
    }
    fs.rmSync(this.tmpPath, { force: true });
  }
}

/** `header`: CSV only; later parts of a sharded dataset leave it out so the parts concatenate. */
export function openSink(
  finalPath: string,
  cols: readonly Column[],
  format: Format,
  header = true,
): TableSink {
  return format === 'parquet'
    ? new ParquetSink(finalPath, cols)
    : new TextSink(finalPath, cols, format, header);
}
