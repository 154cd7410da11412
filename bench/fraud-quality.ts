/**
 * Fraud model quality on SynFinance data, default difficulty.
 *
 *   npx tsx bench/fraud-quality.ts        env: BENCH_ROWS (300000), BENCH_DAYS (180), BENCH_TEST_DAYS (54),
 *                                              BENCH_GAP_DAYS (7), BENCH_SEED_A (101), BENCH_SEED_B (202),
 *                                              BENCH_PERMS (5: permutation seeds 1..N)
 *
 * Generates two datasets with different seeds (fraud rate 0.02; regenerated when a generator source is
 * newer than the cached file). Trains on seed A's earlier days (the last TEST_DAYS + GAP_DAYS days are
 * held out), evaluates on seed B's last TEST_DAYS days (B's earlier days serve only as customer history
 * for the features). Models: GBDT as `synfinance train` fits it by default (early stopping on the last
 * 15% of the training days, min z 3, refit with the best number of trees), GBDT 100×6 without early
 * stopping (the previous default), logistic regression (L2, class-weighted) as the baseline as `train`
 * fits it (validation check against the intercept-only model, min z 3, refit) and without the check
 * (the previous default), and the prevalence (AP of a constant score). Then shuffled-label controls
 * (training labels, validation days included, permuted with seeds 1..BENCH_PERMS; criterion: every
 * run's ROC AUC within 0.50 ± 0.03) for the same GBDT variants and four logistic-regression settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rocAuc } from '../apps/synfinance/src/fraud/evaluation/metrics.ts';
import { reportToJson } from '../apps/synfinance/src/fraud/evaluation/report.ts';
import { loadDataset, selectColumnMajor } from '../apps/synfinance/src/fraud/features/dataset.ts';
import {
  evaluateFile,
  fitTrainingPeriod,
  modelFileText,
  shuffledLabels,
  splitDataset,
  trainFromFile,
  writeFileAtomic,
} from '../apps/synfinance/src/fraud/training/train.ts';
import { columnMajor } from '../packages/gbdt/src/matrix.ts';
import {
  benchData,
  classWeightText,
  envNumber,
  f4,
  GAP,
  machineLine,
  OUT,
  TEST_DAYS,
} from './fraud-bench-setup.ts';

const SEED_A = envNumber('BENCH_SEED_A', 101);
const SEED_B = envNumber('BENCH_SEED_B', 202);
const PERMS = envNumber('BENCH_PERMS', 5);

const started = new Date();
const a = await benchData(SEED_A);
const b = await benchData(SEED_B);
const rows: string[] = [];
let prevalence = 0;
// 1. the real models, through the same functions as `synfinance train` / `synfinance evaluate`
for (const v of [
  { name: 'GBDT, train defaults (early stopping, class weight chosen)', algo: 'gbdt' as const, o: {} },
  {
    name: 'GBDT 100×6 without early stopping (unweighted)',
    algo: 'gbdt' as const,
    o: { earlyStoppingRounds: 0, gbdt: { nTrees: 100 } },
  },
  {
    name: 'baseline: logistic regression (L2), train defaults (validation check min z 3, class weight chosen)',
    algo: 'logreg' as const,
    o: {},
  },
  {
    name: 'logistic regression, balanced, validation check (previous train default)',
    algo: 'logreg' as const,
    o: { classWeight: 'balanced' as const },
  },
  {
    name: 'logistic regression, balanced, without the validation check',
    algo: 'logreg' as const,
    o: { earlyStoppingRounds: 0, classWeight: 'balanced' as const },
  },
]) {
  const t = await trainFromFile({ data: a, algo: v.algo, testDays: TEST_DAYS, gapDays: GAP, ...v.o });
  const tag = `${v.algo}${'earlyStoppingRounds' in v.o ? (v.algo === 'gbdt' ? '-noes' : '-nocheck') : 'classWeight' in v.o ? '-balanced' : ''}`;
  const model = path.join(OUT, `model-${tag}.json`);
  writeFileAtomic(model, modelFileText(t.file));
  const e = await evaluateFile({ model, data: b, testDays: TEST_DAYS });
  prevalence = e.report.fraud_rate;
  fs.writeFileSync(path.join(OUT, `report-${tag}.json`), reportToJson(e.report));
  const tr = t.file.training as Record<string, unknown> | undefined;
  if (tr && 'kept' in tr) {
    process.stdout.write(
      `${v.name}: fit ${t.split.fit_rows} rows, validation ${t.split.valid_rows} rows (days ${t.split.valid_days?.join('-')}), weights ${tr.kept ? 'kept' : 'rejected (intercept only)'}, z ${Number(tr.improvement_z).toFixed(1)}, validation log-loss (${tr.class_weighted ? 'class-weighted' : 'unweighted'}) intercept-only ${Number(tr.valid_loss_prior).toFixed(5)} fitted ${Number(tr.valid_loss_fitted).toFixed(5)}; refit ${JSON.stringify(tr.refit)}\n`,
    );
  } else if (tr && 'best_iteration' in tr) {
    process.stdout.write(
      `${v.name}: fit ${t.split.fit_rows} rows, validation ${t.split.valid_rows} rows (days ${t.split.valid_days?.join('-')}), best iteration ${tr.best_iteration} (z ${Number(tr.best_improvement_z).toFixed(1)}), ${tr.trees_trained} trees trained, validation log-loss prior ${Number(tr.valid_loss_prior).toFixed(5)} best ${Number(tr.valid_loss_best).toFixed(5)}; refit ${JSON.stringify(tr.refit)}\n`,
    );
  }
  const r = e.report;
  rows.push(
    `| ${v.name} | ${classWeightText(tr)} | ${f4(t.report!.average_precision)} / ${f4(t.report!.roc_auc)} | **${f4(r.average_precision)}** / ${f4(r.roc_auc)} | ${f4(r.at_threshold.precision)} / ${f4(r.at_threshold.recall)} | ${t.seconds.fit.toFixed(1)} s |`,
  );
  process.stdout.write(
    `${v.name}: class weight ${JSON.stringify(tr?.class_weight)}; seed-B test AP ${f4(r.average_precision)} ROC AUC ${f4(r.roc_auc)} (train rows ${t.split.train_rows}, test rows ${e.rows.length})\n`,
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
const ya = Uint8Array.from(train, (r) => dsA.y[r]!);
const Xb = columnMajor(selectColumnMajor(dsB, testB), testB.length, dsB.nCols);
const yb = Uint8Array.from(testB, (r) => dsB.y[r]!);
const controls: string[] = [];
const seeds = Array.from({ length: PERMS }, (_, i) => i + 1);
let failing = 0;
let failingLr = 0;
for (const c of [
  {
    name: 'GBDT, train defaults (early stopping 20, min z 3, class weight chosen, min z 3)',
    algo: 'gbdt' as const,
    o: {},
  },
  {
    name: 'GBDT, plain early stopping (20 rounds, min z 0), unweighted',
    algo: 'gbdt' as const,
    o: { gbdt: { earlyStoppingMinZ: 0 }, classWeight: 'none' as const },
  },
  {
    name: 'GBDT 100×6 without early stopping',
    algo: 'gbdt' as const,
    o: { earlyStoppingRounds: 0, gbdt: { nTrees: 100 } },
  },
  {
    name: 'logistic regression, train defaults (L2 1e-4, validation check min z 3, class weight chosen)',
    algo: 'logreg' as const,
    o: {},
  },
  {
    name: 'logistic regression without the check, L2 1e-4, class-weighted',
    algo: 'logreg' as const,
    o: { earlyStoppingRounds: 0, classWeight: 'balanced' as const },
  },
  {
    name: 'logistic regression without the check, L2 1, class-weighted',
    algo: 'logreg' as const,
    o: { earlyStoppingRounds: 0, logreg: { l2: 1 }, classWeight: 'balanced' as const },
  },
  {
    name: 'logistic regression without the check, L2 1e-4, unweighted',
    algo: 'logreg' as const,
    o: { earlyStoppingRounds: 0, logreg: { classWeight: 'none' as const } },
  },
]) {
  const aucs: number[] = [];
  const kept: string[] = [];
  for (const seed of seeds) {
    const { model, training } = fitTrainingPeriod(dsA, train, shuffledLabels(ya, seed), c.algo, c.o);
    aucs.push(rocAuc(yb, model.predictProba(Xb)));
    const cw = classWeightText(training);
    if (training && 'kept' in training)
      kept.push(
        `${training.kept ? 'weights' : 'intercept'} (z ${Number(training.improvement_z ?? 0).toFixed(1)}; ${cw})`,
      );
    else if (training && 'best_iteration' in training)
      kept.push(
        `${training.best_iteration} (z ${Number(training.best_improvement_z ?? 0).toFixed(1)}; ${cw})`,
      );
  }
  const mean = aucs.reduce((x, y) => x + y, 0) / aucs.length;
  const out = aucs.filter((x) => Math.abs(x - 0.5) > 0.03).length;
  if (c.name.startsWith('GBDT, train defaults')) failing = out;
  if (c.name.startsWith('logistic regression, train defaults')) failingLr = out;
  controls.push(
    `| ${c.name} | ${aucs.map(f4).join(', ')} | ${f4(mean)} | ${out} of ${aucs.length} | ${kept.join(', ')} |`,
  );
  process.stdout.write(
    `control ${c.name}: ${aucs.map(f4).join(' ')} mean ${f4(mean)}, outside 0.50±0.03: ${out}${kept.length ? `; trees kept (z): ${kept.join(', ')}` : ''}\n`,
  );
}
process.stdout.write(
  `\n| model | class weight (z of balanced over none) | seed A later days: AP / ROC AUC | seed B later days: AP / ROC AUC | B: precision / recall at 0.5 | fit time |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n| constant score (prevalence) | | | ${f4(prevalence)} / 0.5000 | | |\n`,
);
process.stdout.write(
  `\nShuffled training labels, seed-B later days, ROC AUC for permutation seeds 1-${PERMS}:\n\n| control model | ROC AUC per seed | mean | outside 0.50 ± 0.03 | trees / weights kept (z; class weight) |\n|---|---|---|---|---|\n${controls.join('\n')}\n`,
);
process.stdout.write(
  `\ncriterion (every run within 0.50 ± 0.03): default GBDT ${failing === 0 ? 'holds' : `FAILS for ${failing} run(s)`}, default logistic regression ${failingLr === 0 ? 'holds' : `FAILS for ${failingLr} run(s)`}\n`,
);
process.stdout.write(`\n${machineLine(started)}\n`);
