// Streaming readers for transaction files (CSV, JSONL, Parquet: what the generator writes, or any
// table in those formats), yielding row objects with the requested columns. Used by the fraud
// dataset loader, the `profile` and `quality` commands, and the tests.
import fs from 'node:fs';
import readline from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { TIME_TEXT_KEY, type TimeText } from '../generator/arrow-batch.ts';

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

const pad = (x: number, n = 2) => String(x).padStart(n, '0');

/** IST wall clock of an instant, as the generator writes it in CSV and JSONL. */
export function istWallClock(d: Date): string {
  const t = new Date(d.getTime() + 330 * 60_000);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
}

/**
 * A Parquet file the generator wrote carries its time columns' text form: its rows are given back
 * as the CSV and JSONL of the same run read (times as that text, flags as 0/1), so every reader of
 * ours sees the same values whatever the format. Other files are left as they are.
 */
function ourTextForm(kv: { key: string; value?: string }[] | undefined): ((r: Row) => Row) | null {
  const raw = kv?.find((e) => e.key === TIME_TEXT_KEY)?.value;
  if (raw === undefined) return null;
  const forms = Object.entries(JSON.parse(raw) as Record<string, TimeText>);
  return (r) => {
    const o = r as Record<string, unknown>;
    for (const k in o) if (typeof o[k] === 'boolean') o[k] = o[k] ? 1 : 0;
    for (const [k, form] of forms) {
      const v = o[k];
      if (v instanceof Date) o[k] = form === 'ist' ? istWallClock(v) : v.toISOString().replace('.000Z', 'Z');
    }
    return r;
  };
}

/** Rows of a generated file. CSV cells are returned as strings ('' for null). */
export async function* readRows(file: string, columns?: string[]): AsyncGenerator<Row> {
  const fmt = formatOf(file);
  if (fmt === 'parquet') {
    const buf = await asyncBufferFromFile(file);
    const meta = await parquetMetadataAsync(buf);
    const n = Number(meta.num_rows);
    const asText = ourTextForm(meta.key_value_metadata);
    for (let start = 0; start < n; start += 100_000) {
      const rows = (await parquetReadObjects({
        file: buf,
        metadata: meta,
        columns,
        rowStart: start,
        rowEnd: Math.min(n, start + 100_000),
      })) as Row[];
      for (const r of rows) yield asText ? asText(r) : r;
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
