/**
 * GBDT scoring and training benchmark (in-process scoring and training time).
 *
 *   npx tsx bench/gbdt-scoring.ts
 *
 * Env: BENCH_TRAIN_ROWS (default 200000), BENCH_SCORE_ROWS (200000), BENCH_COLS (25),
 *      BENCH_BIG_TRAIN_ROWS (1000000; 0 skips the large training run), BENCH_REPS (5).
 *
 * 1. Trains GBDT (100 trees, depth 6, other parameters default) on synthetic data with a known
 *    non-linear log-odds (makeClassification), and a logistic regression on the same data.
 * 2. Scores a held-out matrix of BENCH_SCORE_ROWS rows on one thread (the JS main thread; Node's GC
 *    helper threads aside). Feature computation is excluded: the matrix is ready in memory.
 *    Baseline in the same run: a plain loop computing the dot product of the same matrix with a weight
 *    vector (= logistic-regression scoring without the sigmoid).
 * 3. Times GBDT training on BENCH_BIG_TRAIN_ROWS rows, with logistic-regression training on the same rows
 *    as the baseline.
 * Reported rates are the best of BENCH_REPS interleaved repetitions after one warm-up round (the median
 * is printed too); variants alternate within each round so machine load hits them alike.
 */
import { cpus } from 'node:os';
import { trainGbdt } from '../packages/gbdt/src/gbdt.ts';
import { trainLogReg } from '../packages/gbdt/src/logreg.ts';
import { getRow, type Matrix } from '../packages/gbdt/src/matrix.ts';
import { aucForTests, makeClassification } from '../packages/gbdt/src/synthetic.ts';

const env = (k: string, d: number) => {
  const v = process.env[k];
  if (v === undefined || v === '') return d;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`${k} must be a non-negative integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
};
const TRAIN_ROWS = env('BENCH_TRAIN_ROWS', 200_000);
const SCORE_ROWS = env('BENCH_SCORE_ROWS', 200_000);
const COLS = env('BENCH_COLS', 25);
const BIG_ROWS = env('BENCH_BIG_TRAIN_ROWS', 1_000_000);
const REPS = Math.max(1, env('BENCH_REPS', 5));
const PARAMS = { nTrees: 100, maxDepth: 6 };

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(1);
function timeIt<T>(f: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = f();
  return { ms: performance.now() - t0, value };
}
type Rate = { best: number; median: number };
/**
 * Measure several variants in interleaved rounds (one repetition of each per round), so that load from
 * other processes on this shared machine hits baseline and candidates alike. One warm-up round first.
 */
function ratesInterleaved(variants: Array<{ n: number; f: () => void }>): Rate[] {
  for (const v of variants) v.f();
  const samples: number[][] = variants.map(() => []);
  for (let i = 0; i < REPS; i++) {
    variants.forEach((v, k) => {
      samples[k]!.push((v.n / timeIt(v.f).ms) * 1000);
    });
  }
  return samples.map((r) => {
    r.sort((a, b) => a - b);
    return { best: r[r.length - 1]!, median: r[Math.floor(r.length / 2)]! };
  });
}

const cpuModel = cpus()[0]?.model ?? 'unknown';
console.log(`machine: ${cpus().length} CPUs (${cpuModel}), Node ${process.version}`);
console.log(
  `data: makeClassification, ${COLS} features, train ${fmt(TRAIN_ROWS)} rows, score ${fmt(SCORE_ROWS)} rows`,
);

const train = makeClassification(TRAIN_ROWS, COLS, 1, 0.02);
const test = makeClassification(SCORE_ROWS, COLS, 2, 0.02);
const g = timeIt(() => trainGbdt(train.X, train.y, PARAMS));
const gbdt = g.value;
const l = timeIt(() => trainLogReg(train.X, train.y));
const lr = l.value;
console.log(
  `train ${fmt(TRAIN_ROWS)} rows: GBDT ${secs(g.ms)} s (${gbdt.trees.feature.length} nodes), logistic regression ${secs(l.ms)} s`,
);

const aucG = aucForTests(test.y, gbdt.predictRaw(test.X));
const aucL = aucForTests(test.y, lr.predictRaw(test.X));
const aucBayes = aucForTests(test.y, test.prob);
console.log(
  `held-out ROC AUC: GBDT ${aucG.toFixed(4)}, logistic regression ${aucL.toFixed(4)}, true probabilities ${aucBayes.toFixed(4)}`,
);

// Baseline: plain dot product over the same column-major matrix.
const w = Float64Array.from({ length: COLS }, (_, j) => (j % 2 ? -0.1 : 0.1) * (j + 1));
function dot(X: Matrix, out: Float64Array): void {
  const { nRows, data } = X;
  out.fill(0.5);
  for (let j = 0; j < COLS; j++) {
    const wj = w[j]!;
    const base = j * nRows;
    for (let r = 0; r < nRows; r++) out[r]! += wj * data[base + r]!;
  }
}
const out = new Float64Array(SCORE_ROWS);
// Single-row API, as a request handler would call it (row already extracted).
const rowsN = Math.min(SCORE_ROWS, 50_000);
const rows: Float64Array[] = [];
for (let r = 0; r < rowsN; r++) rows.push(getRow(test.X, r));
let sink = 0;
const [baseline, lrBatch, gbdtBatch, gbdtRow, gbdtContrib] = ratesInterleaved([
  { n: SCORE_ROWS, f: () => dot(test.X, out) },
  { n: SCORE_ROWS, f: () => lr.predictRaw(test.X, out) },
  { n: SCORE_ROWS, f: () => gbdt.predictRaw(test.X, out) },
  {
    n: rowsN,
    f: () => {
      for (const row of rows) sink += gbdt.predictRawRow(row);
    },
  },
  {
    n: rowsN / 10,
    f: () => {
      for (let i = 0; i < rowsN; i += 10) sink += gbdt.contributionsRow(rows[i]!).bias;
    },
  },
]) as [Rate, Rate, Rate, Rate, Rate];
if (sink === 42) console.log('');

console.log('\nscoring, one thread, rows/s (best / median of reps):');
const line = (name: string, r: Rate, ratioTo?: number) =>
  console.log(
    `  ${name.padEnd(44)} ${fmt(r.best).padStart(12)} / ${fmt(r.median).padStart(12)}${
      ratioTo ? `   ratio to baseline ${(r.best / ratioTo).toFixed(3)}` : ''
    }`,
  );
line('baseline: dot product (plain loop)', baseline);
line('logistic regression predictRaw (batch)', lrBatch, baseline.best);
line('GBDT 100x6 predictRaw (batch, column-major)', gbdtBatch, baseline.best);
line('GBDT 100x6 predictRawRow (one row per call)', gbdtRow, baseline.best);
line('GBDT contributionsRow (one row per call)', gbdtContrib, baseline.best);

if (BIG_ROWS > 0) {
  const big = timeIt(() => makeClassification(BIG_ROWS, COLS, 3, 0.02));
  console.log(`\ngenerated ${fmt(BIG_ROWS)} x ${COLS} rows in ${secs(big.ms)} s`);
  const gb = timeIt(() => trainGbdt(big.value.X, big.value.y, PARAMS));
  const lb = timeIt(() => trainLogReg(big.value.X, big.value.y));
  console.log(
    `train ${fmt(BIG_ROWS)} rows: GBDT 100x6 ${secs(gb.ms)} s, logistic regression (Newton, ${lb.value.fitInfo.iterations} iterations) ${secs(lb.ms)} s, ratio ${(gb.ms / lb.ms).toFixed(1)}`,
  );
}
