// A labelled table turned into a feature matrix, the training path of the features.
// - SynFinance tables (the default): the history features of features.ts, computed in stream order
//   (each customer's rows must be in time order, as the generator writes them).
// - Any labelled table (`columns` spec, `--features a,b,c`): the named columns as they are; numbers
//   stay numbers, a column with any non-numeric value becomes categorical codes (vocabulary sorted,
//   saved in the model; unseen values and blanks become NaN = missing).
import { readHeader, readRows } from '../../transactions/read.ts';
import {
  FEATURE_VERSION,
  FeatureExtractor,
  type FeatureVersion,
  featureNamesOf,
  N_FEATURES,
  nFeaturesOf,
  OutOfOrderError,
} from './features.ts';
import { FieldError, INPUT_COLUMNS, parseTxn, parseWallClock, REQUIRED_COLUMNS } from './transaction.ts';

export type FeatureSpec =
  | { kind: 'synfinance-history'; version: FeatureVersion }
  | { kind: 'columns'; columns: string[]; categorical: Record<string, string[]> };

/** The SynFinance history features of a version (default: the current one). */
export const historySpec = (version: FeatureVersion = FEATURE_VERSION): FeatureSpec => ({
  kind: 'synfinance-history',
  version,
});
export const HISTORY_SPEC: FeatureSpec = historySpec();

/**
 * Columns that carry the label, or what is only known with or after it (when a label became
 * available, the fraud episode, the counterparty a fraud moved money to): never features.
 */
const NON_FEATURE_COLUMNS = new Set([
  'is_fraud',
  'is_anomaly',
  'observed_label',
  'label_available_at',
  'episode_id',
  'counterparty_id',
]);

/** Label and label-derived columns: never allowed as features. */
export const isLabelColumn = (c: string, label: string) =>
  c === label || NON_FEATURE_COLUMNS.has(c) || c.startsWith('fraud_') || c.startsWith('anomaly_');

export class DatasetError extends Error {
  override name = 'DatasetError';
}

export interface Dataset {
  spec: FeatureSpec;
  featureNames: string[];
  nRows: number;
  nCols: number;
  /** Row-major features, nRows × nCols. */
  X: Float64Array;
  y: Uint8Array;
  /** Day number per row (UTC days of the wall-clock time), or null when the table has no time column. */
  days: Int32Array | null;
  /** Entity (card) id per row, for card precision@k and the known-compromised removal; null without an entity column. */
  cardIds: string[] | null;
  /** The column the entity ids came from, or null. */
  entityColumn: string | null;
  fraudTypes: (string | null)[] | null;
  /** Amount per row (for an amount-based cost of a missed fraud), or null. */
  amounts: Float64Array | null;
  transactionIds: (string | null)[] | null;
  /** The column the days came from, or null. */
  timeColumn: string | null;
  /** The time column's values as text (a Parquet time as ISO 8601 UTC), with `keepTimeText`. */
  timeText: string[] | null;
  /** How the time column was chosen; without one, the columns that look like times (for the error). */
  timeSource: 'given' | 'default' | 'detected' | 'none';
  timeCandidates: string[];
  /** Every column of the table, for error messages. */
  header: string[];
}

export interface LoadOptions {
  label?: string;
  /** Feature columns; absent = SynFinance history features. Ignored when `spec` is given. */
  features?: string[];
  /** Use the feature definition saved with a model (evaluation). */
  spec?: FeatureSpec;
  /** SynFinance history features of this version (default the current one); ignored with `spec`. */
  featureVersion?: FeatureVersion;
  /**
   * Time column for the day split. Default: `timestamp` when present, else the one column whose
   * values are times (Parquet timestamps/dates, or ISO 8601 text); none or several = no days.
   */
  timeColumn?: string;
  /** Entity (card) column for card precision@k (default `customer_id` when present). */
  entityColumn?: string;
  /** Defaults used when the table has them (a model's saved time and entity columns). */
  preferred?: { time?: string; entity?: string };
  /** Stop after this many rows (tests, benchmarks). */
  limit?: number;
  /** Keep the time column's values as text (the feature export writes them). */
  keepTimeText?: boolean;
  /** Called every 100,000 rows read (progress). */
  onRows?: (rows: number) => void;
}

/** ISO 8601 date or date-time text (what a time column holds in CSV/JSONL). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const isTimeValue = (v: unknown) =>
  v instanceof Date || (typeof v === 'string' && ISO_TIME.test(v.trim()) && Number.isFinite(parseTime(v)));

/**
 * Columns whose values are times, judged on the first 1,000 rows: every non-blank value is a Date
 * (Parquet TIMESTAMP/DATE) or ISO 8601 text. Epoch numbers are not guessed (they look like any number).
 */
export async function detectTimeColumns(file: string, header: string[]): Promise<string[]> {
  const seen = new Map(header.map((c) => [c, { time: 0, other: 0 }]));
  let n = 0;
  for await (const r of readRows(file)) {
    for (const [c, st] of seen) {
      const v = r[c];
      if (v === null || v === undefined || v === '') continue;
      if (isTimeValue(v)) st.time++;
      else st.other++;
    }
    if (++n >= 1000) break;
  }
  return header.filter((c) => {
    const st = seen.get(c)!;
    return st.time > 0 && st.other === 0;
  });
}

const asText = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v ?? ''));

/** UTC date of a day number, as YYYY-MM-DD. */
export const isoDay = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

function parseLabel(v: unknown, row: number, label: string): number {
  if (v === 1 || v === '1' || v === true || v === 'true' || v === 1n) return 1;
  if (v === 0 || v === '0' || v === false || v === 'false' || v === 0n) return 0;
  throw new DatasetError(
    `row ${row + 1}: label column "${label}" must be 0/1 or true/false, got ${JSON.stringify(String(v))}`,
  );
}

function parseTime(v: unknown): number {
  if (v === null || v === undefined || v === '') return Number.NaN;
  if (v instanceof Date) return v.getTime();
  const s = String(v);
  const w = parseWallClock(s);
  if (!Number.isNaN(w)) return w;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Date.parse(`${s}T00:00:00Z`);
  return Date.parse(s);
}

class Grow {
  buf: Float64Array;
  n = 0;
  constructor(cap: number) {
    this.buf = new Float64Array(cap);
  }
  reserve(k: number): Float64Array {
    if (this.n + k > this.buf.length) {
      const b = new Float64Array(Math.max(this.buf.length * 2, this.n + k));
      b.set(this.buf.subarray(0, this.n));
      this.buf = b;
    }
    return this.buf;
  }
}

export async function loadDataset(file: string, opts: LoadOptions = {}): Promise<Dataset> {
  const label = opts.label ?? 'is_fraud';
  let header: string[];
  try {
    header = await readHeader(file);
  } catch (e) {
    throw new DatasetError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (!header.includes(label))
    throw new DatasetError(`${file} has no label column "${label}" (choose one with --label)`);
  const spec: FeatureSpec =
    opts.spec ??
    (opts.features
      ? { kind: 'columns', columns: opts.features, categorical: {} }
      : historySpec(opts.featureVersion));
  if (opts.timeColumn && !header.includes(opts.timeColumn))
    throw new DatasetError(`${file} has no time column "${opts.timeColumn}" (columns: ${header.join(', ')})`);
  if (opts.entityColumn && !header.includes(opts.entityColumn))
    throw new DatasetError(
      `${file} has no entity column "${opts.entityColumn}" (columns: ${header.join(', ')})`,
    );
  const has = (c: string | undefined) => (c && header.includes(c) ? c : undefined);
  const entity = opts.entityColumn ?? has(opts.preferred?.entity) ?? has('customer_id');
  if (spec.kind === 'synfinance-history') {
    const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
    if (missing.length) {
      throw new DatasetError(
        `${file} lacks ${missing.join(', ')} for the SynFinance features; for another table give --features COL,COL,...`,
      );
    }
    if (opts.timeColumn && opts.timeColumn !== 'timestamp')
      throw new DatasetError('the SynFinance features use the timestamp column; --time-col cannot change it');
    const ds = await loadHistory(file, header, label, entity!, spec.version, opts);
    return { ...ds, timeSource: opts.timeColumn ? 'given' : 'default', timeCandidates: ['timestamp'] };
  }
  for (const c of spec.columns) {
    if (!header.includes(c)) throw new DatasetError(`${file} has no feature column "${c}"`);
    if (isLabelColumn(c, label)) throw new DatasetError(`"${c}" is a label column and cannot be a feature`);
  }
  let timeCol = opts.timeColumn ?? has(opts.preferred?.time);
  let timeSource: Dataset['timeSource'] = timeCol ? 'given' : 'none';
  let candidates: string[] = [];
  if (!timeCol) {
    candidates = await detectTimeColumns(file, header);
    if (candidates.includes('timestamp')) [timeCol, timeSource] = ['timestamp', 'default'];
    else if (candidates.length === 1) [timeCol, timeSource] = [candidates[0]!, 'detected'];
  }
  const ds = await loadColumns(file, header, label, spec, timeCol, entity, opts);
  return { ...ds, timeSource, timeCandidates: timeCol ? [timeCol] : candidates };
}

type Loaded = Omit<Dataset, 'timeSource' | 'timeCandidates'>;

async function loadHistory(
  file: string,
  header: string[],
  label: string,
  entity: string,
  version: FeatureVersion,
  opts: LoadOptions,
): Promise<Loaded> {
  const limit = opts.limit ?? Infinity;
  const timeText: string[] | null = opts.keepTimeText ? [] : null;
  const ex = new FeatureExtractor(Number.POSITIVE_INFINITY, 'error');
  // every version's row is the first nCols features of the current version's
  const nCols = nFeaturesOf(version);
  const full = new Float64Array(N_FEATURES);
  const X = new Grow(1 << 20);
  const y: number[] = [];
  const days: number[] = [];
  const cards: string[] = [];
  const types: (string | null)[] = [];
  const amounts: number[] = [];
  const ids: (string | null)[] = [];
  const hasType = header.includes('fraud_type');
  const cols = [
    ...new Set([
      ...INPUT_COLUMNS.filter((c) => header.includes(c)),
      label,
      entity,
      ...(hasType ? ['fraud_type'] : []),
    ]),
  ];
  let i = 0;
  for await (const r of readRows(file, cols)) {
    if (i >= limit) break;
    let t: ReturnType<typeof parseTxn>;
    try {
      t = parseTxn(r);
    } catch (e) {
      if (e instanceof FieldError) throw new DatasetError(`row ${i + 1}: ${e.message}`);
      throw e;
    }
    try {
      ex.process(t, full);
    } catch (e) {
      if (e instanceof OutOfOrderError) throw new DatasetError(e.message);
      throw e;
    }
    X.reserve(nCols).set(full.subarray(0, nCols), X.n);
    X.n += nCols;
    y.push(parseLabel(r[label], i, label));
    days.push(Math.floor(t.timeMs / 86_400_000));
    cards.push(entity === 'customer_id' ? t.customerId : String(r[entity] ?? ''));
    const ft = hasType ? r.fraud_type : null;
    types.push(ft === null || ft === undefined || ft === '' ? null : String(ft));
    amounts.push(t.amount);
    ids.push(t.transactionId);
    timeText?.push(asText(r.timestamp));
    i++;
    if (opts.onRows && i % 100_000 === 0) opts.onRows(i);
  }
  if (i === 0) throw new DatasetError(`${file} has no rows`);
  return {
    spec: historySpec(version),
    featureNames: [...featureNamesOf(version)],
    nRows: i,
    nCols,
    X: X.buf.subarray(0, X.n),
    y: Uint8Array.from(y),
    days: Int32Array.from(days),
    cardIds: cards,
    entityColumn: entity,
    fraudTypes: types,
    amounts: Float64Array.from(amounts),
    transactionIds: ids,
    timeColumn: 'timestamp',
    timeText,
    header,
  };
}

async function loadColumns(
  file: string,
  header: string[],
  label: string,
  spec: Extract<FeatureSpec, { kind: 'columns' }>,
  timeCol: string | undefined,
  entity: string | undefined,
  opts: LoadOptions,
): Promise<Loaded> {
  const frozen = opts.spec !== undefined;
  const limit = opts.limit ?? Infinity;
  const cols = spec.columns;
  const raw: unknown[][] = cols.map(() => []);
  const y: number[] = [];
  const times: number[] = [];
  const timeText: string[] | null = opts.keepTimeText && timeCol ? [] : null;
  const extra = [...new Set([...(entity ? [entity] : []), 'fraud_type', 'amount', 'transaction_id'])].filter(
    (c) => header.includes(c),
  );
  const ext: Record<string, unknown[]> = Object.fromEntries(extra.map((c) => [c, []]));
  const want = [...new Set([...cols, label, ...(timeCol ? [timeCol] : []), ...extra])];
  let n = 0;
  for await (const r of readRows(file, want)) {
    if (n >= limit) break;
    for (let j = 0; j < cols.length; j++) raw[j]!.push(r[cols[j]!]);
    y.push(parseLabel(r[label], n, label));
    if (timeCol) {
      const t = parseTime(r[timeCol]);
      if (!Number.isFinite(t))
        throw new DatasetError(
          `row ${n + 1}: time column "${timeCol}" holds ${JSON.stringify(String(r[timeCol]))}, not a date or time`,
        );
      times.push(t);
      timeText?.push(asText(r[timeCol]));
    }
    for (const c of extra) ext[c]!.push(r[c]);
    n++;
    if (opts.onRows && n % 100_000 === 0) opts.onRows(n);
  }
  if (n === 0) throw new DatasetError(`${file} has no rows`);
  const absent = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
  const toNum = (v: unknown) =>
    typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? +v : Number(v);
  const categorical: Record<string, string[]> = frozen ? spec.categorical : {};
  if (!frozen) {
    for (let j = 0; j < cols.length; j++) {
      const vals = raw[j]!;
      if (vals.some((v) => !absent(v) && !Number.isFinite(toNum(v)))) {
        categorical[cols[j]!] = [...new Set(vals.filter((v) => !absent(v)).map(String))].sort();
      }
    }
  }
  const X = new Float64Array(n * cols.length);
  for (let j = 0; j < cols.length; j++) {
    const vocab = categorical[cols[j]!];
    const index = vocab ? new Map(vocab.map((v, k) => [v, k])) : null;
    const vals = raw[j]!;
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      let x = Number.NaN;
      if (!absent(v)) x = index ? (index.get(String(v)) ?? Number.NaN) : toNum(v);
      X[i * cols.length + j] = Number.isFinite(x) ? x : Number.NaN;
    }
  }
  const str = (c: string) => (ext[c] ? ext[c]!.map((v) => (absent(v) ? null : String(v))) : null);
  return {
    spec: { kind: 'columns', columns: [...cols], categorical },
    featureNames: [...cols],
    nRows: n,
    nCols: cols.length,
    X,
    y: Uint8Array.from(y),
    days: timeCol ? Int32Array.from(times, (t) => Math.floor(t / 86_400_000)) : null,
    cardIds: entity ? (str(entity)!.map((v) => v ?? '') as string[]) : null,
    entityColumn: entity ?? null,
    fraudTypes: str('fraud_type'),
    amounts: ext.amount ? Float64Array.from(ext.amount, (v) => toNum(v)) : null,
    transactionIds: str('transaction_id'),
    timeColumn: timeCol ?? null,
    timeText,
    header,
  };
}

/** Column-major matrix data of the selected rows (what @polymorph/gbdt takes). */
export function selectColumnMajor(ds: Dataset, rows: ArrayLike<number>): Float64Array {
  const n = rows.length;
  const p = ds.nCols;
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const base = rows[i]! * p;
    for (let j = 0; j < p; j++) out[j * n + i] = ds.X[base + j]!;
  }
  return out;
}

/** Feature row of a columns-spec model from an object (API scoring of non-SynFinance models). */
export function columnsRow(
  spec: Extract<FeatureSpec, { kind: 'columns' }>,
  o: Record<string, unknown>,
): Float64Array {
  const out = new Float64Array(spec.columns.length);
  for (let j = 0; j < spec.columns.length; j++) {
    const c = spec.columns[j]!;
    const v = o[c];
    const vocab = spec.categorical[c];
    let x = Number.NaN;
    if (v !== null && v !== undefined && v !== '') x = vocab ? vocab.indexOf(String(v)) : Number(v);
    out[j] = vocab ? (x >= 0 ? x : Number.NaN) : Number.isFinite(x) ? x : Number.NaN;
  }
  return out;
}
