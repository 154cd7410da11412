/**
 * Fraud model quality on SynFinance data (issue 6, section 4), default difficulty.
 *
 *   npx tsx bench/fraud-quality.ts        env: BENCH_ROWS (300000), BENCH_DAYS (180), BENCH_TEST_DAYS (54),
 *                                              BENCH_GAP_DAYS (7), BENCH_SEED_A (101), BENCH_SEED_B (202)
 *
 * Generates two datasets with different seeds (fraud rate 0.02). Trains on seed A's earlier days
 * (the last TEST_DAYS + GAP_DAYS days are held out), evaluates on seed B's last TEST_DAYS days (B's
 * earlier days serve only as customer history for the features). Models: GBDT 100 trees depth 6,
 * logistic regression (L2, class-weighted) as the baseline, the prevalence (AP of a constant score),
 * and shuffled-label controls (training labels permuted with seeds 1-5; ROC AUC should be 0.50 ± 0.03)
 * for GBDT 100×6, GBDT with min leaf 200, GBDT 50×3 and logistic regression.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rocAuc } from '../apps/synfinance/src/fraud/evaluation/metrics.ts';
import { reportToJson } from '../apps/synfinance/src/fraud/evaluation/report.ts';
import { loadDataset, selectColumnMajor } from '../apps/synfinance/src/fraud/features/dataset.ts';
import {
  evaluateFile,
  fitModel,
  modelFileText,
  shuffledLabels,
  splitDataset,
  trainFromFile,
  writeFileAtomic,
} from '../apps/synfinance/src/fraud/training/train.ts';
import { generateDataset } from '../apps/synfinance/src/generator/run.ts';
import { FRAUD_TYPES } from '../apps/synfinance/src/generator/types.ts';
import { columnMajor } from '../packages/gbdt/src/matrix.ts';

const n = (k: string, d: number) => Number(process.env[k] ?? d);
const ROWS = n('BENCH_ROWS', 300_000);
const DAYS = n('BENCH_DAYS', 180);
const TEST_DAYS = n('BENCH_TEST_DAYS', 54);
const GAP = n('BENCH_GAP_DAYS', 7);
const SEED_A = n('BENCH_SEED_A', 101);
const SEED_B = n('BENCH_SEED_B', 202);
const OUT = path.resolve('bench/out/fraud');
fs.mkdirSync(OUT, { recursive: true });

async function data(seed: number): Promise<string> {
  const file = path.join(OUT, `txns-s${seed}-${ROWS}-${DAYS}d.csv`);
  if (!fs.existsSync(file)) {
    await generateDataset({
      params: {
        seed,
        startDay: Date.UTC(2025, 0, 1) / 86_400_000,
        days: DAYS,
        fraudRate: 0.02,
        anomalyRate: 0.01,
        difficulty: 'default',
        fraudMix: FRAUD_TYPES.map(() => 1),
        chainProbability: 0,
        shardRows: 20_000,
      },
      count: ROWS,
      format: 'csv',
      out: file,
      workers: 1,
      chunkShards: 1,
    });
  }
  return file;
}

const a = await data(SEED_A);
const b = await data(SEED_B);
const rows: string[] = [];
const f4 = (x: number) => x.toFixed(4);
let prevalence = 0;
// 1. the real models, through the same functions as `synfinance train` / `synfinance evaluate`
for (const v of [
  { name: 'GBDT 100×6', algo: 'gbdt' as const },
  { name: 'baseline: logistic regression (L2, class-weighted)', algo: 'logreg' as const },
]) {
  const t = await trainFromFile({ data: a, algo: v.algo, testDays: TEST_DAYS, gapDays: GAP });
  const model = path.join(OUT, `model-${v.algo}.json`);
  writeFileAtomic(model, modelFileText(t.file));
  const e = await evaluateFile({ model, data: b, testDays: TEST_DAYS });
  prevalence = e.report.fraud_rate;
  fs.writeFileSync(path.join(OUT, `report-${v.algo}.json`), reportToJson(e.report));
  const r = e.report;
  rows.push(
    `| ${v.name} | ${f4(t.report.average_precision)} / ${f4(t.report.roc_auc)} | **${f4(r.average_precision)}** / ${f4(r.roc_auc)} | ${f4(r.at_threshold.precision)} / ${f4(r.at_threshold.recall)} | ${t.seconds.fit.toFixed(1)} s |`,
  );
  process.stdout.write(
    `${v.name}: seed-B test AP ${f4(r.average_precision)} ROC AUC ${f4(r.roc_auc)} (train rows ${t.split.train_rows}, test rows ${e.rows})\n`,
  );
  if (v.algo === 'gbdt') {
    process.stdout.write(
      `recall by type at 0.5: ${(r.recall_by_fraud_type ?? []).map((x) => `${x.fraudType} ${x.recall.toFixed(2)}`).join(', ')}\n`,
    );
  }
}
// 2. shuffled-label controls: features computed once, several permutation seeds
const dsA = await loadDataset(a);
const dsB = await loadDataset(b);
const { train } = splitDataset(dsA, { testDays: TEST_DAYS, gapDays: GAP });
let maxB = 0;
for (const d of dsB.days!) maxB = Math.max(maxB, d);
const testB = Uint32Array.from(dsB.days!.keys()).filter((i) => dsB.days![i]! > maxB - TEST_DAYS);
const Xa = selectColumnMajor(dsA, train);
const ya = Uint8Array.from(train, (r) => dsA.y[r]!);
const Xb = columnMajor(selectColumnMajor(dsB, testB), testB.length, dsB.nCols);
const yb = Uint8Array.from(testB, (r) => dsB.y[r]!);
const controls: string[] = [];
for (const c of [
  { name: 'GBDT 100×6', algo: 'gbdt' as const, p: {} },
  { name: 'GBDT 100×6, min leaf 200', algo: 'gbdt' as const, p: { gbdt: { minSamplesLeaf: 200 } } },
  { name: 'GBDT 50×3', algo: 'gbdt' as const, p: { gbdt: { nTrees: 50, maxDepth: 3 } } },
  { name: 'logistic regression', algo: 'logreg' as const, p: {} },
]) {
  const aucs: number[] = [];
  for (const seed of [1, 2, 3, 4, 5]) {
    const m = fitModel(Xa, train.length, dsA.nCols, shuffledLabels(ya, seed), dsA.featureNames, c.algo, c.p);
    aucs.push(rocAuc(yb, m.predictProba(Xb)));
  }
  const mean = aucs.reduce((x, y) => x + y, 0) / aucs.length;
  controls.push(`| ${c.name} | ${aucs.map(f4).join(', ')} | ${f4(mean)} |`);
  process.stdout.write(`control ${c.name}: ${aucs.map(f4).join(' ')} mean ${f4(mean)}\n`);
}
process.stdout.write(
  `\n| model | seed A later days: AP / ROC AUC | seed B later days: AP / ROC AUC | B: precision / recall at 0.5 | fit time |\n|---|---|---|---|---|\n${rows.join('\n')}\n| constant score (prevalence) | | ${f4(prevalence)} / 0.5000 | | |\n`,
);
process.stdout.write(
  `\nShuffled training labels, seed-B later days, ROC AUC for permutation seeds 1-5:\n\n| control model | ROC AUC per seed | mean |\n|---|---|---|\n${controls.join('\n')}\n`,
);
process.stdout.write(
  `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`,
);
