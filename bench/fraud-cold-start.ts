/**
 * Fraud model quality on a separately generated test set whose customers start cold.
 *
 *   npm run bench:fraud-cold-start     env: BENCH_ROWS (300000), BENCH_DAYS (180), BENCH_TEST_DAYS (54),
 *                                            BENCH_GAP_DAYS (7), BENCH_PAIRS ("101:202,303:404"),
 *                                            BENCH_VERSIONS ("1,2"), BENCH_GENERATE_ONLY (unset)
 *
 * For each seed pair A:B, through the generator and the train/evaluate functions the CLI uses:
 * - training set: seed A, 180 days from 2025-01-01, ROWS rows; trained with `synfinance train`'s
 *   model defaults (GBDT, early stopping) on days 1-119, as bench/fraud-quality.ts (test 54, gap 7);
 * - cold test set: seed B generated on its own for the last 54 of those days only (ROWS × 54/180
 *   rows, so the same transactions per customer and day): none of its customers has any history
 *   before the test set's first day, as when a user generates a test set separately;
 * - warm test set: seed B over all 180 days, evaluated on the same last 54 days, the earlier days
 *   serving only as customer history (bench/fraud-quality.ts's setting).
 * Reports AP, ROC AUC and card precision@100 cold and warm for each feature version, and the
 * warm-up: AP on the cold set by the days of history its customers have had (days since its start).
 */
import path from 'node:path';
import { averagePrecision, rocAuc } from '../apps/synfinance/src/fraud/evaluation/metrics.ts';
import type { FeatureVersion } from '../apps/synfinance/src/fraud/features/features.ts';
import {
  evaluateFile,
  modelFileText,
  trainFromFile,
  writeFileAtomic,
} from '../apps/synfinance/src/fraud/training/train.ts';
import {
  benchData,
  classWeightText,
  DAYS,
  f4,
  GAP,
  log,
  machineLine,
  OUT,
  ROWS,
  START_DAY,
  TEST_DAYS,
} from './fraud-bench-setup.ts';

const PAIRS = (process.env.BENCH_PAIRS ?? '101:202,303:404').split(',').map((p) => p.split(':').map(Number));
const VERSIONS = (process.env.BENCH_VERSIONS ?? '1,2').split(',').map((v) => Number(v) as FeatureVersion);
const coldStart = START_DAY + DAYS - TEST_DAYS;
const coldRows = Math.round((ROWS * TEST_DAYS) / DAYS);

const files = new Map<number, { full: string; cold?: string }>();
for (const [a, b] of PAIRS) {
  files.set(a!, { full: await benchData(a!) });
  files.set(b!, {
    full: await benchData(b!),
    cold: await benchData(b!, { startDay: coldStart, days: TEST_DAYS, rows: coldRows }),
  });
}
if (process.env.BENCH_GENERATE_ONLY) process.exit(0);

/** AP of an evaluation's rows by days since `firstDay`, in the buckets of WARMUP. */
const WARMUP: [number, number][] = [
  [0, 1],
  [2, 3],
  [4, 6],
  [7, 13],
  [14, 27],
  [28, TEST_DAYS - 1],
];
function apByDay(e: Awaited<ReturnType<typeof evaluateFile>>, firstDay: number): string[] {
  return WARMUP.map(([lo, hi]) => {
    const { y, p } = rowsBetween(e, firstDay + lo, firstDay + hi);
    const frauds = y.reduce((s, v) => s + v, 0);
    return frauds ? `${f4(averagePrecision(y, p))} (${frauds})` : '–';
  });
}

/** Labels and scores of an evaluation's rows on days [from, to]. */
function rowsBetween(e: Awaited<ReturnType<typeof evaluateFile>>, from: number, to: number) {
  const days = e.dataset.days!;
  const y: number[] = [];
  const p: number[] = [];
  e.rows.forEach((r, i) => {
    if (days[r]! >= from && days[r]! <= to) {
      y.push(e.dataset.y[r]!);
      p.push(e.probs[i]!);
    }
  });
  return { y, p };
}

const started = new Date();
const table: string[] = [];
const warmup: string[] = [];
for (const [a, b] of PAIRS) {
  for (const v of VERSIONS) {
    const t = await trainFromFile({
      data: files.get(a!)!.full,
      testDays: TEST_DAYS,
      gapDays: GAP,
      featureVersion: v,
    });
    const model = path.join(OUT, `model-cold-start-s${a}-v${v}.json`);
    writeFileAtomic(model, modelFileText(t.file));
    const cold = await evaluateFile({ model, data: files.get(b!)!.cold! });
    const warm = await evaluateFile({ model, data: files.get(b!)!.full, testDays: TEST_DAYS });
    // the same days without the known-compromised removal: the cold set's population
    const firstDay = Math.min(...cold.dataset.days!);
    const all = rowsBetween(
      await evaluateFile({ model, data: files.get(b!)!.full }),
      firstDay,
      firstDay + TEST_DAYS - 1,
    );
    const m = (e: typeof cold) =>
      `${f4(e.report.average_precision)} / ${f4(e.report.roc_auc)} / ${f4(e.report.card_precision_at_k?.mean)}`;
    const tr = t.file.training as Record<string, unknown> | undefined;
    table.push(
      `| ${a} → ${b} | ${v} | ${t.file.feature_names.length} | ${tr?.refit ? JSON.stringify(tr.refit) : '–'} | ${classWeightText(tr)} | **${f4(cold.report.average_precision)}** / ${f4(cold.report.roc_auc)} / ${f4(cold.report.card_precision_at_k?.mean)} | ${m(warm)} | ${f4(averagePrecision(all.y, all.p))} / ${f4(rocAuc(all.y, all.p))} | ${cold.rows.length} / ${cold.report.frauds} | ${warm.rows.length} / ${warm.report.frauds} |`,
    );
    const wc = apByDay(cold, firstDay);
    const ww = apByDay(warm, firstDay);
    warmup.push(`| ${a} → ${b} | ${v} | ${WARMUP.map((_, i) => `${wc[i]} / ${ww[i]}`).join(' | ')} |`);
    log(
      `pair ${a}->${b} v${v}: cold AP/AUC/CP@100 ${m(cold)}; warm ${m(warm)}; warm all rows AP ${f4(averagePrecision(all.y, all.p))}; warm-up cold ${wc.join(' ')} warm ${ww.join(' ')}`,
    );
  }
}
log(
  `\n| train → test seed | feature version | features | refit | class weight (z of balanced over none) | cold test set: AP / ROC AUC / CP@100 | warm (same days with history, evaluate --test-days: known-compromised removed): AP / ROC AUC / CP@100 | warm, every row of those days: AP / ROC AUC | cold rows / frauds | warm rows / frauds |\n|---|---|---|---|---|---|---|---|---|---|\n${table.join('\n')}`,
);
log(
  `\nWarm-up: AP by days of history the cold set's customers have had (days since its first day), cold / warm (evaluate --test-days) on the same days, frauds in brackets:\n\n| train → test seed | feature version | ${WARMUP.map(([lo, hi]) => `days ${lo}-${hi}`).join(' | ')} |\n|---|---|${WARMUP.map(() => '---|').join('')}\n${warmup.join('\n')}`,
);
log(`\n${machineLine(started)}`);
