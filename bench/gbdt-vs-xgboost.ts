/**
 * Our GBDT against XGBoost `hist` (Debian's python3-xgboost) on the same SynFinance features, with
 * identical hyperparameters.
 *
 *   npm run bench:gbdt-vs-xgboost    env: BENCH_ROWS (200000), BENCH_DAYS (120), BENCH_SEEDS (303,304),
 *                                          BENCH_CONFIGS (issue,defaults), BENCH_THREADS (1,2),
 *                                          BENCH_REPS (3), BENCH_BASELINE (a checkout, e.g. /work/main)
 *
 * For each seed: generate a table (that seed, default difficulty), compute the model's features, split
 * by day (earlier days train, a 7-day gap, the last 30% of days test: held-out later days), write both
 * parts as CSV for Python, then fit XGBoost (nthread 1 and 2) and ours (1 thread, and 2 worker
 * threads) with the same settings, and score the test days: AUC, AP, CP@100 (card precision of the
 * top 100 cards a day, known-compromised cards removed). Fit time excludes reading data; both include
 * binning. On a shared machine the fits are interleaved (ours, XGBoost, [baseline,] repeated BENCH_REPS
 * times) and the medians compared, so load that comes and goes hits both sides alike; BENCH_BASELINE
 * adds the trainGbdt of another checkout to the same rounds (the "before" of a change). Prints a
 * Markdown table for bench/RESULTS.md, with the load average at the start and end of each cell.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { averagePrecision, rocAuc } from '../apps/synfinance/src/fraud/evaluation/metrics.ts';
import { cardPrecisionAtK } from '../apps/synfinance/src/fraud/evaluation/topk.ts';
import {
  type Dataset,
  loadDataset,
  selectColumnMajor,
} from '../apps/synfinance/src/fraud/features/dataset.ts';
import { splitDataset } from '../apps/synfinance/src/fraud/training/train.ts';
import { generateDataset } from '../apps/synfinance/src/generator/run.ts';
import { defaultGenParams } from '../apps/synfinance/src/generator/types.ts';
import { type GbdtParams, trainGbdt } from '../packages/gbdt/src/gbdt.ts';
import { columnMajor, type Matrix } from '../packages/gbdt/src/matrix.ts';
import { readPredictions, runXgboost, writeMatrixCsv } from '../packages/gbdt/src/xgboost-peer.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 120);
const SEEDS = (process.env.BENCH_SEEDS ?? '303,304').split(',').map(Number);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const BASELINE = process.env.BENCH_BASELINE;
const baselineFit: typeof trainGbdt | null = BASELINE
  ? ((await import(path.resolve(BASELINE, 'packages/gbdt/src/gbdt.ts'))) as { trainGbdt: typeof trainGbdt })
      .trainGbdt
  : null;
const OUT = path.resolve('bench/out/gbdt-vs-xgboost');
fs.mkdirSync(OUT, { recursive: true });

interface Config {
  name: string;
  trees: number;
  depth: number;
  eta: number;
}
const CONFIGS: Record<string, Config> = {
  // The settings of the issue's external benchmark, and XGBoost's own defaults.
  issue: { name: '50 trees, depth 3, eta 0.3', trees: 50, depth: 3, eta: 0.3 },
  defaults: { name: 'XGBoost defaults: 100 trees, depth 6, eta 0.3', trees: 100, depth: 6, eta: 0.3 },
};
const configs = (process.env.BENCH_CONFIGS ?? 'issue,defaults').split(',').map((c) => CONFIGS[c]!);

async function dataFor(seed: number) {
  const file = path.join(OUT, `txns-s${seed}-${ROWS}-${DAYS}d.csv`);
  if (!fs.existsSync(file)) {
    await generateDataset({
      params: defaultGenParams({ seed, days: DAYS }),
      count: ROWS,
      format: 'csv',
      out: file,
      workers: 1,
      chunkShards: 1,
    });
  }
  const ds = await loadDataset(file);
  const { train, test, info } = splitDataset(ds, {});
  const part = (rows: Uint32Array): { X: Matrix; y: Uint8Array } => ({
    X: columnMajor(selectColumnMajor(ds, rows), rows.length, ds.nCols),
    y: Uint8Array.from(rows, (r) => ds.y[r]!),
  });
  const tr = part(train);
  const te = part(test);
  const trainCsv = path.join(OUT, `features-s${seed}-train.csv`);
  const testCsv = path.join(OUT, `features-s${seed}-test.csv`);
  writeMatrixCsv(trainCsv, tr.X, tr.y, ds.featureNames);
  writeMatrixCsv(testCsv, te.X, te.y, ds.featureNames);
  return { ds, train: tr, test: te, testRows: test, trainCsv, testCsv, info };
}

function metrics(ds: Dataset, rows: Uint32Array, y: Uint8Array, p: ArrayLike<number>) {
  const cp =
    ds.days && ds.cardIds
      ? cardPrecisionAtK(
          {
            day: Array.from(rows, (r) => ds.days![r]!),
            cardId: Array.from(rows, (r) => ds.cardIds![r]!),
            label: y,
            score: p,
          },
          100,
        ).mean
      : Number.NaN;
  return { auc: rocAuc(y, p), ap: averagePrecision(y, p), cp };
}

const ourParams = (c: Config): Partial<GbdtParams> => ({
  nTrees: c.trees,
  maxDepth: c.depth,
  learningRate: c.eta,
  lambda: 1,
  minHessianLeaf: 1,
  minSamplesLeaf: 1,
  maxBins: 256,
  baseScore: 0.5,
  minSplitGain: 0,
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(',');

const rows: string[] = [];
const f3 = (x: number) => x.toFixed(4);
for (const seed of SEEDS) {
  const d = await dataFor(seed);
  process.stderr.write(
    `seed ${seed}: ${d.info.train_rows} train rows, ${d.info.test_rows} test rows, ${d.ds.nCols} features\n`,
  );
  for (const c of configs) {
    const cells: string[] = [];
    let ourM = { auc: 0, ap: 0, cp: 0 };
    let xgbM = { auc: 0, ap: 0, cp: 0 };
    for (const th of THREADS) {
      const load0 = os.loadavg()[0]!;
      const ours: number[] = [];
      const xgb: number[] = [];
      const base: number[] = [];
      // Process CPU time, all threads: on a shared machine closer to the work than wall time (1 thread).
      const oursCpu: number[] = [];
      const xgbCpu: number[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const model = trainGbdt(d.train.X, d.train.y, ourParams(c), { threads: th });
        ours.push((performance.now() - t0) / 1000);
        const cpu = process.cpuUsage(c0);
        oursCpu.push((cpu.user + cpu.system) / 1e6);
        if (rep === 0) ourM = metrics(d.ds, d.testRows, d.test.y, model.predictProba(d.test.X));
        const pred = path.join(OUT, `pred-xgb-${seed}.txt`);
        const r = runXgboost({
          train: d.trainCsv,
          test: rep === 0 ? d.testCsv : undefined,
          pred_out: pred,
          rounds: c.trees,
          params: {
            max_depth: c.depth,
            eta: c.eta,
            lambda: 1,
            min_child_weight: 1,
            max_bin: 256,
            nthread: th,
          },
        });
        xgb.push(r.fit_seconds ?? Number.NaN);
        xgbCpu.push(r.fit_cpu_seconds ?? Number.NaN);
        if (rep === 0) xgbM = metrics(d.ds, d.testRows, d.test.y, readPredictions(pred));
        if (baselineFit) {
          const t1 = performance.now();
          baselineFit(d.train.X, d.train.y, ourParams(c), { threads: th });
          base.push((performance.now() - t1) / 1000);
        }
      }
      const mo = median(ours);
      const mx = median(xgb);
      const before = baselineFit
        ? `, before ${median(base).toFixed(1)} s (${(median(base) / mx).toFixed(2)}×)`
        : '';
      const load = `load ${load0.toFixed(1)}→${os.loadavg()[0]!.toFixed(1)}`;
      const [co, cx] = [median(oursCpu), median(xgbCpu)];
      const cpuCell = `CPU ${co.toFixed(1)} / ${cx.toFixed(1)} s (${(co / cx).toFixed(2)}×)`;
      cells.push(
        `${mo.toFixed(1)} / ${mx.toFixed(1)} s (**${(mo / mx).toFixed(2)}×**${before}; ${cpuCell}; ${load})`,
      );
      process.stderr.write(
        `seed ${seed} ${c.name} ${th} thread(s): ours ${fmt(ours)} xgb ${fmt(xgb)} CPU ours ${fmt(oursCpu)} xgb ${fmt(xgbCpu)}${baselineFit ? ` baseline ${fmt(base)}` : ''} (${load})\n`,
      );
    }
    const row = `| ${seed} | ${c.name} | ${f3(ourM.auc)} / ${f3(xgbM.auc)} | ${f3(ourM.ap)} / ${f3(xgbM.ap)} (${(ourM.ap - xgbM.ap >= 0 ? '+' : '') + (ourM.ap - xgbM.ap).toFixed(4)}) | ${f3(ourM.cp)} / ${f3(xgbM.cp)} | ${cells.join(' | ')} |`;
    process.stdout.write(`${row}\n`);
    rows.push(row);
  }
}
process.stdout.write(
  `\n| seed | settings | AUC ours / XGBoost | AP ours / XGBoost (diff) | CP@100 ours / XGBoost | ${THREADS.map((t) => `fit ${t} thread${t > 1 ? 's' : ''}: median ours / XGBoost (ratio of medians)`).join(' | ')} |\n|${'---|'.repeat(5 + THREADS.length)}\n${rows.join('\n')}\n` +
    `\n${ROWS} rows, ${DAYS} days per seed, ${REPS} interleaved fits each${BASELINE ? `, before = ${BASELINE}` : ''}; machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; XGBoost via ${process.env.XGBOOST_PYTHON ?? '/usr/bin/python3'}\n`,
);
