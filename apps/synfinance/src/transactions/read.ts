// Streaming readers for transaction files (CSV, JSONL, Parquet: what the generator writes, or any
// table in those formats), yielding row objects with the requested columns. Used by the fraud
// dataset loader, the `profile` and `quality` commands, and the tests.
import fs from 'node:fs';
import readline from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';

export type Row = Record<string, string | number | null>;

/** Split one CSV line (RFC 4180 quoting, no embedded newlines in our output). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote in CSV');
        s += line.slice(i, q);
        if (line[q + 1] === '"') {
          s += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(s);
      i++; // skip comma
    } else {
      const c = line.indexOf(',', i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export function formatOf(file: string): 'csv' | 'jsonl' | 'parquet' {
  if (file.endsWith('.parquet')) return 'parquet';
  if (file.endsWith('.jsonl') || file.endsWith('.ndjson')) return 'jsonl';
  return 'csv';
}

/** Rows of a generated file. CSV cells are returned as strings ('' for null). */
export async function* readRows(file: string, columns?: string[]): AsyncGenerator<Row> {
  const fmt = formatOf(file);
  if (fmt === 'parquet') {
    const buf = await asyncBufferFromFile(file);
    const meta = await parquetMetadataAsync(buf);
    const n = Number(meta.num_rows);
    for (let start = 0; start < n; start += 100_000) {
      const rows = (await parquetReadObjects({
        file: buf,
        metadata: meta,
        columns,
        rowStart: start,
        rowEnd: Math.min(n, start + 100_000),
      })) as Row[];
      for (const r of rows) yield r;
    }
    return;
  }
  const rl = readline.createInterface({
    input: fs.createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let header: string[] | null = null;
  for await (const line of rl) {
    if (!line) continue;
    if (fmt === 'jsonl') {
      yield JSON.parse(line) as Row;
      continue;
    }
    const cells = splitCsvLine(line);
    if (!header) {
      header = cells;
      continue;
    }
    const r: Row = {};
    for (let i = 0; i < header.length; i++) r[header[i]!] = cells[i] ?? '';
    yield r;
  }
}

/** Column names of a file in order. */
export async function readHeader(file: string): Promise<string[]> {
  const fmt = formatOf(file);
  if (fmt === 'parquet') {
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    return meta.schema.slice(1).map((s) => s.name);
  }
  for await (const r of readRows(file)) {
    if (fmt === 'jsonl') return Object.keys(r);
    return Object.keys(r);
  }
  const first = fs.readFileSync(file, 'utf8').split('\n')[0] ?? '';
  return splitCsvLine(first);
}
