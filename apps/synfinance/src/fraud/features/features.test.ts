import fs from 'node:fs';
import path from 'node:path';
import { columnMajor } from '@polymorph/gbdt/matrix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/test-helpers.ts';
import { readRows, splitCsvLine } from '../../transactions/read.ts';
import { FraudScorer } from '../api/scorer.ts';
import {
  type LoadedModel,
  loadModelText,
  ModelLoadError,
  modelFileText,
  trainFromFile,
} from '../training/train.ts';
import { type Dataset, HISTORY_SPEC, isLabelColumn, loadDataset, selectColumnMajor } from './dataset.ts';
import {
  CATEGORY_PRIORS,
  computeFeatures,
  FEATURE_NAMES,
  FEATURE_NAMES_V1,
  FEATURE_VERSION,
  FeatureExtractor,
  newHistory,
  updateHistory,
} from './features.ts';
import { type FieldError, parseTxn, type Txn } from './transaction.ts';

let dir = '';
let file = '';
let ds: Dataset;

beforeAll(async () => {
  const g = await generate(20_000, 'csv', { seed: 7, days: 60 });
  dir = g.dir;
  file = g.file;
  ds = await loadDataset(file);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const bytes = (x: Float64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** Seeded Fisher-Yates permutation. */
function permutation(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Copy of a CSV with the cells of `cols` permuted across rows (each column with its own permutation). */
function permuteColumns(src: string, dst: string, pick: (c: string) => boolean, seed: number): void {
  const lines = fs.readFileSync(src, 'utf8').split('\n').filter(Boolean);
  const header = splitCsvLine(lines[0]!);
  const rows = lines.slice(1).map(splitCsvLine);
  const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  header.forEach((c, j) => {
    if (!pick(c)) return;
    const perm = permutation(rows.length, seed + j);
    const col = rows.map((r) => r[j]!);
    rows.forEach((r, i) => {
      r[j] = col[perm[i]!]!;
    });
  });
  fs.writeFileSync(dst, `${[header, ...rows].map((r) => r.map(q).join(',')).join('\n')}\n`);
}

/** Columns known only with or after the label (some generators write them): never features. */
const LABEL_TIME_COLUMNS = ['observed_label', 'label_available_at', 'episode_id', 'counterparty_id'];

/** Copy of a CSV with the label-time columns added (derived from is_fraud where a table lacks them). */
function withLabelTimeColumns(src: string, dst: string): void {
  const lines = fs.readFileSync(src, 'utf8').split('\n').filter(Boolean);
  const header = splitCsvLine(lines[0]!);
  const missing = LABEL_TIME_COLUMNS.filter((c) => !header.includes(c));
  const yAt = header.indexOf('is_fraud');
  const rows = lines.slice(1).map((l, i) => {
    const y = splitCsvLine(l)[yAt]!;
    const values: Record<string, string> = {
      observed_label: y,
      label_available_at: y === '1' ? '2025-06-01 00:00:00' : '',
      episode_id: y === '1' ? `EP${i % 97}` : '',
      counterparty_id: y === '1' ? `CP${i % 13}` : '',
    };
    return [l, ...missing.map((c) => values[c]!)].join(',');
  });
  fs.writeFileSync(dst, `${[[lines[0], ...missing].join(','), ...rows].join('\n')}\n`);
}

describe('no leakage: features never read the label columns', () => {
  it('permuting is_fraud, fraud_*, anomaly_* and the label-time columns leaves the features byte-identical', async () => {
    const label = (c: string) =>
      c === 'is_fraud' ||
      c.startsWith('fraud_') ||
      c === 'is_anomaly' ||
      c.startsWith('anomaly_') ||
      LABEL_TIME_COLUMNS.includes(c);
    const labelled = path.join(dir, 'label-time.csv');
    withLabelTimeColumns(file, labelled);
    const out = path.join(dir, 'permuted.csv');
    permuteColumns(labelled, out, label, 99);
    const p = await loadDataset(out);
    expect(p.nRows).toBe(ds.nRows);
    // the labels really moved...
    let moved = 0;
    for (let i = 0; i < ds.nRows; i++) moved += ds.y[i] !== p.y[i] ? 1 : 0;
    expect(moved).toBeGreaterThan(100);
    // ...and the features did not
    expect(bytes(p.X).equals(bytes(ds.X))).toBe(true);
  });

  it('the label-time columns are refused as named features', async () => {
    const labelled = path.join(dir, 'label-time.csv');
    withLabelTimeColumns(file, labelled);
    for (const c of LABEL_TIME_COLUMNS) {
      expect(isLabelColumn(c, 'is_fraud')).toBe(true);
      await expect(loadDataset(labelled, { features: ['amount', c] })).rejects.toThrow(
        `"${c}" is a label column`,
      );
    }
    expect(isLabelColumn('amount', 'is_fraud')).toBe(false);
  });

  it('the same comparison does detect a change of a feature input column (the check can fail)', async () => {
    const out = path.join(dir, 'permuted-amount.csv');
    permuteColumns(file, out, (c) => c === 'amount', 5);
    const p = await loadDataset(out);
    expect(bytes(p.X).equals(bytes(ds.X))).toBe(false);
  });
});

// API-style body from a CSV row: numbers as numbers, empty cells as null
function body(r: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === '') o[k] = null;
    else if (['amount', 'latitude', 'longitude', 'distance_from_home_km', 'merchant_reputation'].includes(k))
      o[k] = Number(v);
    else o[k] = v;
  }
  return JSON.parse(JSON.stringify(o));
}

describe('train/serve parity', () => {
  const lm = { spec: HISTORY_SPEC } as unknown as LoadedModel;

  it('features computed one by one through the serving LRU equal the training matrix', async () => {
    const scorer = new FraudScorer(100_000);
    let i = 0;
    let diff = 0;
    for await (const r of readRows(file)) {
      const { row } = scorer.features(lm, body(r));
      const want = ds.X.subarray(i * ds.nCols, (i + 1) * ds.nCols);
      if (!bytes(row).equals(bytes(want))) diff++;
      i++;
    }
    expect(i).toBe(ds.nRows);
    expect(diff).toBe(0);
    expect(scorer.extractor.misses).toBe(new Set(ds.cardIds).size);
    expect(scorer.extractor.hits).toBe(ds.nRows - scorer.extractor.misses);
  });

  it('a cache smaller than the active customers evicts and then differs (the LRU is really bounded)', async () => {
    const scorer = new FraudScorer(20);
    let i = 0;
    let diff = 0;
    for await (const r of readRows(file)) {
      const { row } = scorer.features(lm, body(r));
      if (!bytes(row).equals(bytes(ds.X.subarray(i * ds.nCols, (i + 1) * ds.nCols)))) diff++;
      i++;
    }
    expect(scorer.extractor.size).toBeLessThanOrEqual(20);
    expect(scorer.extractor.evictions).toBeGreaterThan(0);
    expect(diff).toBeGreaterThan(0);
  });
});

const base = {
  customer_id: 'C1',
  merchant_id: 'M1',
  timestamp: '2025-03-01 10:00:00',
  amount: 100,
  category: 'Groceries',
  transaction_type: 'purchase',
  channel: 'POS',
  payment_mode: 'UPI',
  latitude: 19,
  longitude: 72.8,
  distance_from_home_km: 2,
};
const f = (row: Float64Array, name: string) => row[FEATURE_NAMES.indexOf(name as never)]!;

describe('feature definitions on a hand-made history', () => {
  it('velocity windows, novelty, travel speed and declines use only earlier transactions', () => {
    const ex = new FeatureExtractor();
    const t = (o: Record<string, unknown>): Txn => parseTxn({ ...base, ...o });
    ex.process(t({ timestamp: '2025-03-01 00:00:00', amount: 50, transaction_status: 'declined' }));
    ex.process(t({ timestamp: '2025-03-01 08:00:00', amount: 70 }));
    ex.process(t({ timestamp: '2025-03-01 09:55:00', amount: 30, device_id: 'D1', city: 'Mumbai' }));
    const { features: x } = ex.process(
      t({
        timestamp: '2025-03-01 10:00:00',
        amount: 1000,
        merchant_id: 'M2',
        latitude: 28.6,
        longitude: 77.2,
        device_id: 'D2',
        city: 'Delhi',
      }),
    );
    expect(f(x, 'count_10m')).toBe(1);
    expect(f(x, 'count_1h')).toBe(1);
    expect(f(x, 'count_6h')).toBe(2);
    expect(f(x, 'count_24h')).toBe(3);
    expect(f(x, 'amount_24h_log')).toBeCloseTo(Math.log1p(150), 12);
    expect(f(x, 'new_merchant')).toBe(1);
    expect(f(x, 'new_device')).toBe(1);
    expect(f(x, 'new_city')).toBe(1);
    expect(f(x, 'amount_to_median')).toBeCloseTo(1000 / 50, 12);
    expect(f(x, 'declined_rate_recent')).toBeCloseTo(1 / 3, 12);
    expect(f(x, 'time_since_last_log')).toBeCloseTo(Math.log1p(300), 12);
    // Mumbai -> Delhi (~1150 km) in 5 minutes
    expect(Math.expm1(f(x, 'travel_speed_kmh_log'))).toBeGreaterThan(10_000);
    expect(f(x, 'hour')).toBe(10);
    expect(f(x, 'is_weekend')).toBe(1); // 2025-03-01 is a Saturday
    expect(f(x, 'history_count')).toBe(3);
    expect(f(x, 'spend_24h_vs_typical')).toBeCloseTo(Math.log(1150 / 150), 12); // 150 INR in <1 day of history
    expect(f(x, 'new_merchants_24h')).toBe(1); // M1 was new once
    expect(f(x, 'max_prior_zscore_24h')).toBeGreaterThanOrEqual(Math.log1p(70) - Math.log1p(50));
    expect(f(x, 'channel_pos')).toBe(1);
    expect(f(x, 'payment_upi')).toBe(1);
    expect(f(x, 'payment_cash')).toBe(0);
  });

  it('computeFeatures does not modify the history; the first transaction has missing history features', () => {
    const h = newHistory();
    const t = parseTxn(base);
    const a = computeFeatures(t, h);
    const b = computeFeatures(t, h);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(Number.isNaN(f(a, 'amount_zscore'))).toBe(true);
    expect(f(a, 'new_merchant')).toBe(1);
    updateHistory(t, h);
    expect(f(computeFeatures(t, h), 'new_merchant')).toBe(0);
  });

  it('zero amounts give no infinite feature values', () => {
    const ex = new FeatureExtractor();
    ex.process(parseTxn({ ...base, amount: 0, timestamp: '2025-03-01 09:00:00' }));
    const { features } = ex.process(parseTxn({ ...base, amount: 100 })); // 100 over a median of 0
    expect(Array.from(features).filter((v) => v === Infinity || v === -Infinity)).toEqual([]);
  });

  it('invalid transactions name the field', () => {
    const bad = (o: Record<string, unknown>) => {
      try {
        parseTxn({ ...base, ...o });
        return null;
      } catch (e) {
        return (e as FieldError).field;
      }
    };
    expect(bad({ amount: -5 })).toBe('amount');
    expect(bad({ amount: 0 })).toBeNull(); // zero-value transactions exist (verifications)
    expect(bad({ amount: 'abc' })).toBe('amount');
    expect(bad({ timestamp: '2025-02-30 10:00:00' })).toBe('timestamp');
    expect(bad({ channel: 'Telepathy' })).toBe('channel');
    expect(bad({ customer_id: undefined })).toBe('customer_id');
    expect(bad({ merchant_reputation: 2 })).toBe('merchant_reputation');
    expect(bad({})).toBeNull();
  });
});

describe('version 2: features that need no long history', () => {
  it('a cold customer is compared with the population norm, shrunk toward its own as history grows', () => {
    const ex = new FeatureExtractor();
    const t = (o: Record<string, unknown>): Txn => parseTxn({ ...base, ...o });
    const prior = CATEGORY_PRIORS.Groceries!;
    const { features: first } = ex.process(t({ timestamp: '2025-03-01 10:00:00', amount: 5000 }));
    expect(f(first, 'category_code')).toBe(Object.keys(CATEGORY_PRIORS).indexOf('Groceries'));
    expect(f(first, 'days_known_log')).toBe(0);
    expect(f(first, 'amount_vs_category_shrunk')).toBeCloseTo(Math.log1p(5000) - prior, 12);
    expect(Number.isNaN(f(first, 'amount_vs_category'))).toBe(true); // version 1 has nothing to say
    expect(f(first, 'amount_zscore_shrunk')).toBeCloseTo((Math.log1p(5000) - 7.15) / 1.56, 12);
    // nine more days at 5000: the norm moves toward the customer's own, not all the way
    for (let d = 2; d <= 10; d++)
      ex.process(t({ timestamp: `2025-03-${String(d).padStart(2, '0')} 10:00:00`, amount: 5000 }));
    const { features: later } = ex.process(t({ timestamp: '2025-03-11 10:00:00', amount: 5000 }));
    const shrunk = (10 * Math.log1p(5000) + 5 * prior) / 15;
    expect(f(later, 'amount_vs_category_shrunk')).toBeCloseTo(Math.log1p(5000) - shrunk, 12);
    expect(f(later, 'amount_vs_category')).toBeCloseTo(0, 12);
    expect(f(later, 'days_known_log')).toBeCloseTo(Math.log1p(10), 12);
    expect(Number.isFinite(f(later, 'amount_zscore_shrunk'))).toBe(true);
    const { features: other } = ex.process(t({ category: 'Not A Category' }));
    expect(Number.isNaN(f(other, 'category_code'))).toBe(true);
  });

  it('version 1 rows are the first 48 features of version 2, and load as version 1 for a version-1 model', async () => {
    const v1 = await loadDataset(file, { featureVersion: 1 });
    expect(v1.spec).toEqual({ kind: 'synfinance-history', version: 1 });
    expect(v1.featureNames).toEqual([...FEATURE_NAMES_V1]);
    expect(ds.spec).toEqual({ kind: 'synfinance-history', version: FEATURE_VERSION });
    expect(ds.nCols).toBe(FEATURE_NAMES.length);
    expect(v1.nCols).toBe(48);
    let diff = 0;
    for (let i = 0; i < ds.nRows; i++) {
      const a = v1.X.subarray(i * 48, (i + 1) * 48);
      const b = ds.X.subarray(i * ds.nCols, i * ds.nCols + 48);
      if (!bytes(a).equals(bytes(b))) diff++;
    }
    expect(diff).toBe(0);
  });
});

describe('models record their feature version', () => {
  it('a version-1 model still loads and is served its 48 features; an unknown version is refused', async () => {
    const t = await trainFromFile({
      data: file,
      featureVersion: 1,
      testDays: 0,
      earlyStoppingRounds: 0,
      gbdt: { nTrees: 10, maxDepth: 3 },
    });
    const text = modelFileText(t.file);
    const lm = loadModelText(text);
    expect(lm.spec).toEqual({ kind: 'synfinance-history', version: 1 });
    expect(lm.model.featureNames).toEqual([...FEATURE_NAMES_V1]);
    const v1 = await loadDataset(file, { spec: lm.spec });
    const all = Uint32Array.from({ length: v1.nRows }, (_, i) => i);
    const want = lm.model.predictProba(columnMajor(selectColumnMajor(v1, all), v1.nRows, v1.nCols));
    const scorer = new FraudScorer(100_000);
    let i = 0;
    let worst = 0;
    for await (const r of readRows(file)) {
      const timed = scorer.score(lm, body(r));
      expect(timed.features.length).toBe(48);
      worst = Math.max(worst, Math.abs(timed.prediction.fraud_probability - want[i++]!));
    }
    expect(worst).toBeLessThan(1e-12);
    const v3 = text.replace('"version":1', '"version":3');
    expect(v3).not.toBe(text);
    expect(() => loadModelText(v3)).toThrow(ModelLoadError);
  });
});
