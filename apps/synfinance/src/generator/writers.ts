// Output sinks. Every file is written to a temporary name in the target directory and renamed only
// when the whole run succeeded; abort() removes the temporary files, so a failed or interrupted run
// never leaves a truncated file under the final name. Memory stays bounded: chunks are written as
// they arrive (Parquet: one row group per shard).
import fs from 'node:fs';
import path from 'node:path';
import type { ColumnSource, Writer } from 'hyparquet-writer';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { Column } from './schema.ts';
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
  writeRows(rows: Value[][]): void;
  finish(): void;
  commit(): void;
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
  writeRows(rows: Value[][]): void {
    const s = rows.map((v) => (this.format === 'csv' ? csvLine(v) : jsonLine(this.cols, v))).join('');
    this.writeText(Buffer.from(s, 'utf8'));
  }
  finish(): void {
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
  commit(): void {
    this.finish();
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

const PARQUET_TYPE = { string: 'STRING', json: 'STRING', int: 'INT32', float: 'DOUBLE' } as const;

/** hyparquet-writer Writer that flushes to a file descriptor as it grows. */
function fdWriter(fd: number): Writer {
  const w = new ByteWriter() as unknown as Writer & { index: number };
  const flush = () => {
    if (w.index > 0) {
      const bytes = new Uint8Array(w.buffer, 0, w.index);
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
      w.index = 0;
    }
  };
  w.ensure = (size: number) => {
    if (w.index > 1_000_000) flush();
    if (w.index + size > w.buffer.byteLength) {
      const next = new ArrayBuffer(Math.max(w.buffer.byteLength * 2, w.index + size));
      new Uint8Array(next).set(new Uint8Array(w.buffer, 0, w.index));
      w.buffer = next;
      w.view = new DataView(next);
    }
  };
  w.flush = flush;
  w.finish = flush;
  return w;
}

class ParquetSink implements TableSink {
  readonly tmpPath: string;
  private fd: number | null;
  private readonly writer: ParquetWriter;
  private done = false;
  constructor(
    readonly finalPath: string,
    private readonly cols: readonly Column[],
  ) {
    this.tmpPath = tempPathFor(finalPath);
    this.fd = fs.openSync(this.tmpPath, 'w');
    const schema = schemaFromColumnData({ columnData: this.sources(cols.map(() => [])) });
    this.writer = new ParquetWriter({ writer: fdWriter(this.fd), schema, createdBy: 'synfinance' });
  }
  private sources(data: Value[][]): ColumnSource[] {
    return this.cols.map((c, i) => ({
      name: c.name,
      data: data[i]!,
      type: PARQUET_TYPE[c.type],
      nullable: c.nullable,
    }));
  }
  writeText(): void {
    throw new Error('parquet sink takes columns');
  }
  writeColumns(cols: Value[][]): void {
    const n = cols[0]?.length ?? 0;
    if (n === 0) return;
    void this.writer.write({ columnData: this.sources(cols), rowGroupSize: n });
  }
  writeRows(rows: Value[][]): void {
    const cols: Value[][] = this.cols.map((_, j) => rows.map((r) => r[j]!));
    // bounded row groups for large tables
    for (let i = 0; i < rows.length; i += 50_000) this.writeColumns(cols.map((c) => c.slice(i, i + 50_000)));
  }
  finish(): void {
    if (!this.done) {
      this.done = true;
      void this.writer.finish();
    }
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
  commit(): void {
    this.finish();
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
