// Columns of values -> an Apache Arrow record batch typed from the schema, serialised as an Arrow IPC
// stream (transferable bytes: workers build it, the main thread hands it to the Parquet encoder).
// Buffers are filled directly rather than through Arrow's generic builders, which cost several
// times the generation of the rows themselves.
import {
  Bool,
  type Data,
  type DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Timestamp,
  TimeUnit,
  tableToIPC,
  Utf8,
} from 'apache-arrow';
import type { ColType, Column } from './schema.ts';
import type { Value } from './serialize.ts';

/** Metadata key naming the text form of each timestamp column, so our reader can give it back. */
export const TIME_TEXT_KEY = 'synfinance.time_text';

export type { TimeText } from './schema.ts';

export function arrowType(t: ColType): DataType {
  switch (t) {
    case 'int':
      return new Int32();
    case 'float':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return new Timestamp(TimeUnit.MILLISECOND, 'UTC');
    case 'category':
      return new Dictionary(new Utf8(), new Int32());
    default:
      return new Utf8();
  }
}

export function arrowSchema(cols: readonly Column[]): Schema {
  return new Schema(cols.map((c) => new Field(c.name, arrowType(c.type), c.nullable)));
}

const IST_OFFSET_MS = 330 * 60_000;
const dayMs = new Map<string, number>();
const digits = (s: string, i: number, n: number) => {
  let x = 0;
  for (let k = i; k < i + n; k++) x = x * 10 + s.charCodeAt(k) - 48;
  return x;
};

/**
 * `YYYY-MM-DD HH:MM:SS[.fff]` (IST wall clock, what the generator writes) or ISO 8601 with `Z` or
 * an offset -> epoch ms. NaN when it is neither.
 */
export function parseTimeText(s: string): number {
  const date = s.slice(0, 10);
  let day = dayMs.get(date);
  if (day === undefined) {
    day = Date.parse(`${date}T00:00:00Z`);
    if (dayMs.size < 100_000) dayMs.set(date, day);
  }
  const sep = s.charCodeAt(10);
  if (s.length < 19 || (sep !== 32 && sep !== 84) || s[13] !== ':' || s[16] !== ':') return Number.NaN;
  let ms = day + ((digits(s, 11, 2) * 60 + digits(s, 14, 2)) * 60 + digits(s, 17, 2)) * 1000;
  let i = 19;
  if (s[i] === '.') {
    let frac = 0;
    let scale = 100;
    for (i++; i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++, scale /= 10)
      frac += (s.charCodeAt(i) - 48) * scale;
    ms += Math.floor(frac);
  }
  if (i === s.length) return ms - IST_OFFSET_MS;
  if (s[i] === 'Z' && i === s.length - 1) return ms;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(s.slice(i));
  if (!m) return Number.NaN;
  const off = (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  return m[1] === '+' ? ms - off : ms + off;
}

function validity(vals: Value[], nullable: boolean): { bitmap?: Uint8Array; nulls: number } {
  if (!nullable) return { nulls: 0 };
  const bitmap = new Uint8Array((vals.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < vals.length; i++) {
    if (vals[i] === null || vals[i] === undefined) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return nulls ? { bitmap, nulls } : { nulls: 0 };
}

/** UTF-8 bytes and offsets of strings (null -> empty, masked by the validity bitmap). */
function utf8Buffers(vals: readonly (Value | undefined)[]): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(vals.length + 1);
  let cap = 64;
  for (const v of vals) if (typeof v === 'string') cap += v.length * 3;
  const buf = Buffer.allocUnsafe(cap);
  let pos = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (v !== null && v !== undefined) pos += buf.write(String(v), pos, 'utf8');
    offsets[i + 1] = pos;
  }
  return { offsets, bytes: new Uint8Array(buf.buffer, buf.byteOffset, pos) };
}

function columnData(col: Column, vals: Value[]): Data {
  const n = vals.length;
  const { bitmap, nulls } = validity(vals, col.nullable);
  const base = { length: n, nullCount: nulls, nullBitmap: bitmap };
  const type = arrowType(col.type);
  switch (col.type) {
    case 'int':
    case 'float': {
      const data = col.type === 'int' ? new Int32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) data[i] = Number(vals[i] ?? 0);
      return makeData({ ...base, type, data } as never);
    }
    case 'bool': {
      const data = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (vals[i] === 1) data[i >> 3]! |= 1 << (i & 7);
      return makeData({ ...base, type, data } as never);
    }
    case 'timestamp': {
      // 64-bit values as low/high 32-bit halves: no BigInt per row
      const data = new Int32Array(2 * n);
      for (let i = 0; i < n; i++) {
        const v = vals[i];
        const ms = typeof v === 'string' ? parseTimeText(v) : Number.NaN;
        if (v !== null && Number.isNaN(ms)) throw new Error(`${col.name}: not a time: ${v}`);
        if (Number.isNaN(ms)) continue;
        const hi = Math.floor(ms / 0x1_0000_0000);
        data[2 * i] = (ms - hi * 0x1_0000_0000) | 0;
        data[2 * i + 1] = hi;
      }
      return makeData({ ...base, type, data } as never);
    }
    case 'category': {
      const index = new Map<Value, number>();
      const words: Value[] = [];
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = vals[i]!;
        if (v === null) continue;
        let k = index.get(v);
        if (k === undefined) {
          k = words.length;
          index.set(v, k);
          words.push(v);
        }
        codes[i] = k;
      }
      const { offsets, bytes } = utf8Buffers(words);
      const dict = makeData({ type: new Utf8(), length: words.length, valueOffsets: offsets, data: bytes });
      return makeData({ ...base, type, data: codes, dictionary: makeVector(dict) } as never);
    }
    default: {
      const { offsets, bytes } = utf8Buffers(vals);
      return makeData({ ...base, type, valueOffsets: offsets, data: bytes } as never);
    }
  }
}

/** A chunk as an Arrow IPC stream of one record batch. */
export interface IpcBatch {
  ipc: Uint8Array;
}

/** One record batch of `cols` (schema order); null for no rows unless `empty` is asked for. */
export function arrowBatch(schemaCols: readonly Column[], cols: Value[][], empty = false): IpcBatch | null {
  const n = cols[0]?.length ?? 0;
  if (n === 0 && !empty) return null;
  const schema = arrowSchema(schemaCols);
  const children = schemaCols.map((c, j) => columnData(c, cols[j]!));
  const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  const ipc = tableToIPC(new Table([new RecordBatch(schema, data)]), 'stream');
  return { ipc };
}
