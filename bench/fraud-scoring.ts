/**
 * In-process fraud scoring throughput, one thread (the JS main thread).
 *
 *   npx tsx bench/fraud-scoring.ts      env: BENCH_ROWS (200000), BENCH_REPS (5)
 *
 * Needs the model and data of bench/fraud-quality.ts (bench/out/fraud/). Reads BENCH_ROWS rows of the
 * seed-B table, then times separately, interleaved over BENCH_REPS rounds after a warm-up:
 *   - parsing/validating the rows into transactions (parseTxn);
 *   - feature computation through the customer-history extractor (features.ts);
 *   - GBDT (the 100 trees × depth 6 model from the quality run) scoring a ready matrix, batch and row by row;
 *   - top reasons (Saabas contributions) row by row;
 *   - the full per-transaction path of the API without HTTP (FraudScorer.score: features + model + reasons);
 *   - baseline in the same run: logistic-regression scoring of the same matrix (a dot product per row).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FraudScorer } from '../apps/synfinance/src/fraud/api/scorer.ts';
import { FeatureExtractor, N_FEATURES } from '../apps/synfinance/src/fraud/features/features.ts';
import { parseTxn, type Txn } from '../apps/synfinance/src/fraud/features/transaction.ts';
import { loadModelFile } from '../apps/synfinance/src/fraud/training/train.ts';
import { readRows } from '../apps/synfinance/src/transactions/read.ts';
import { columnMajor } from '../packages/gbdt/src/matrix.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const DIR = path.resolve('bench/out/fraud');
const dataFile = fs.readdirSync(DIR).find((f) => f.startsWith('txns-s202-') && f.endsWith('.csv'));
if (!dataFile || !fs.existsSync(path.join(DIR, 'model-gbdt.json'))) {
  process.stderr.write(
    'run bench/fraud-quality.ts first (needs bench/out/fraud/model-gbdt.json and the seed-202 table)\n',
  );
  process.exit(2);
}
const gb = loadModelFile(path.join(DIR, 'model-gbdt.json'));
const lr = loadModelFile(path.join(DIR, 'model-logreg.json'));
const raw: Record<string, unknown>[] = [];
for await (const r of readRows(path.join(DIR, dataFile))) {
  raw.push(r);
  if (raw.length >= ROWS) break;
}
const n = raw.length;
let txns: Txn[] = [];
const rowMajor = new Float64Array(n * N_FEATURES);

const variants: Record<string, () => number> = {
  'parse + validate (parseTxn)': () => {
    txns = raw.map((r) => parseTxn(r));
    return n;
  },
  'features (history extractor)': () => {
    const ex = new FeatureExtractor(1_000_000);
    for (let i = 0; i < n; i++) ex.process(txns[i]!, rowMajor.subarray(i * N_FEATURES, (i + 1) * N_FEATURES));
    return n;
  },
  'baseline: logistic regression predictRaw (batch)': () => {
    lr.model.predictRaw(X);
    return n;
  },
  'GBDT 100×6 predictRaw (batch, column-major)': () => {
    gb.model.predictRaw(X);
    return n;
  },
  'GBDT 100×6 predictRawRow (one row per call)': () => {
    let s = 0;
    for (let i = 0; i < n; i++)
      s += gb.model.predictRawRow(rowMajor.subarray(i * N_FEATURES, (i + 1) * N_FEATURES));
    return Number.isNaN(s) ? 0 : n;
  },
  'GBDT contributionsRow (top reasons)': () => {
    for (let i = 0; i < n; i++)
      gb.model.contributionsRow(rowMajor.subarray(i * N_FEATURES, (i + 1) * N_FEATURES));
    return n;
  },
  'API path without HTTP: FraudScorer.score (features + GBDT + reasons)': () => {
    const sc = new FraudScorer(1_000_000);
    for (let i = 0; i < n; i++) sc.score(gb, raw[i]!);
    return n;
  },
};
// build the matrix once for the model-only variants
variants['parse + validate (parseTxn)']!();
variants['features (history extractor)']!();
const cm = new Float64Array(n * N_FEATURES);
for (let i = 0; i < n; i++)
  for (let j = 0; j < N_FEATURES; j++) cm[j * n + i] = rowMajor[i * N_FEATURES + j]!;
const X = columnMajor(cm, n, N_FEATURES);

const res: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let rep = 0; rep <= REPS; rep++) {
  const keys = Object.keys(variants);
  if (rep % 2) keys.reverse();
  for (const k of keys) {
    const t0 = performance.now();
    const m = variants[k]!();
    const s = (performance.now() - t0) / 1000;
    if (rep > 0) res[k]!.push(m / s);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = Math.max(...res['baseline: logistic regression predictRaw (batch)']!);
process.stdout.write(
  `${n} transactions of ${dataFile}, ${N_FEATURES} features, ${REPS} rounds\n\n| variant, one thread | per s best | per s median | ratio to baseline (best) |\n|---|---|---|---|\n`,
);
for (const [k, v] of Object.entries(res)) {
  const best = Math.max(...v);
  process.stdout.write(
    `| ${k} | ${Math.round(best).toLocaleString('en-US')} | ${Math.round(med(v)).toLocaleString('en-US')} | ${(best / base).toFixed(4)} |\n`,
  );
}
process.stdout.write(
  `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`,
);
