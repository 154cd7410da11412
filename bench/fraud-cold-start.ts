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
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { averagePrecision, rocAuc } from '../apps/synfinance/src/fraud/evaluation/metrics.ts';
import type { FeatureVersion } from '../apps/synfinance/src/fraud/features/features.ts';
import {
  evaluateFile,
  modelFileText,
  trainFromFile,
  writeFileAtomic,
} from '../apps/synfinance/src/fraud/training/train.ts';
import { generateDataset } from '../apps/synfinance/src/generator/run.ts';
import { defaultGenParams } from '../apps/synfinance/src/generator/types.ts';

const n = (k: string, d: number) => Number(process.env[k] ?? d);
const ROWS = n('BENCH_ROWS', 300_000);
const DAYS = n('BENCH_DAYS', 180);
const TEST_DAYS = n('BENCH_TEST_DAYS', 54);
const GAP = n('BENCH_GAP_DAYS', 7);
const PAIRS = (process.env.BENCH_PAIRS ?? '101:202,303:404').split(',').map((p) => p.split(':').map(Number));
const VERSIONS = (process.env.BENCH_VERSIONS ?? '1,2').split(',').map((v) => Number(v) as FeatureVersion);
const START_DAY = Date.UTC(2025, 0, 1) / 86_400_000;
const OUT = path.resolve('bench/out/fraud');
fs.mkdirSync(OUT, { recursive: true });

/** A generated table, cached until a generator source changes (same naming as fraud-quality.ts). */
async function data(seed: number, startDay: number, days: number, rows: number): Promise<string> {
  const from =
    startDay === START_DAY ? '' : `-from${new Date(startDay * 86_400_000).toISOString().slice(0, 10)}`;
  const file = path.join(OUT, `txns-s${seed}-${rows}-${days}d${from}.csv`);
  const genDir = path.resolve('apps/synfinance/src/generator');
  const newestSource = Math.max(
    ...fs.readdirSync(genDir).map((f) => fs.statSync(path.join(genDir, f)).mtimeMs),
  );
  if (!fs.existsSync(file) || fs.statSync(file).mtimeMs < newestSource) {
    const t0 = performance.now();
    await generateDataset({
      params: defaultGenParams({ seed, startDay, days }),
      count: rows,
      format: 'csv',
      out: file,
      workers: 1,
      chunkShards: 1,
    });
    log(`generated ${path.basename(file)} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return file;
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const f4 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(4));
const coldStart = START_DAY + DAYS - TEST_DAYS;
const coldRows = Math.round((ROWS * TEST_DAYS) / DAYS);

const files = new Map<number, { full: string; cold?: string }>();
for (const [a, b] of PAIRS) {
  files.set(a!, { full: await data(a!, START_DAY, DAYS, ROWS) });
  files.set(b!, {
    full: await data(b!, START_DAY, DAYS, ROWS),
    cold: await data(b!, coldStart, TEST_DAYS, coldRows),
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

const load0 = os.loadavg();
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
      `| ${a} → ${b} | ${v} | ${t.file.feature_names.length} | ${tr?.refit ? JSON.stringify(tr.refit) : '–'} | **${f4(cold.report.average_precision)}** / ${f4(cold.report.roc_auc)} / ${f4(cold.report.card_precision_at_k?.mean)} | ${m(warm)} | ${f4(averagePrecision(all.y, all.p))} / ${f4(rocAuc(all.y, all.p))} | ${cold.rows.length} / ${cold.report.frauds} | ${warm.rows.length} / ${warm.report.frauds} |`,
    );
    const wc = apByDay(cold, firstDay);
    const ww = apByDay(warm, firstDay);
    warmup.push(`| ${a} → ${b} | ${v} | ${WARMUP.map((_, i) => `${wc[i]} / ${ww[i]}`).join(' | ')} |`);
    log(
      `pair ${a}->${b} v${v}: cold AP/AUC/CP@100 ${m(cold)}; warm ${m(warm)}; warm all rows AP ${f4(averagePrecision(all.y, all.p))}; warm-up cold ${wc.join(' ')} warm ${ww.join(' ')}`,
    );
  }
}
const cpu = (() => {
  try {
    return execSync("lscpu | sed -n 's/^Model name: *//p'", { encoding: 'utf8' }).trim();
  } catch {
    return os.cpus()[0]?.model ?? '?';
  }
})();
log(
  `\n| train → test seed | feature version | features | refit | cold test set: AP / ROC AUC / CP@100 | warm (same days with history, evaluate --test-days: known-compromised removed): AP / ROC AUC / CP@100 | warm, every row of those days: AP / ROC AUC | cold rows / frauds | warm rows / frauds |\n|---|---|---|---|---|---|---|---|---|\n${table.join('\n')}`,
);
log(
  `\nWarm-up: AP by days of history the cold set's customers have had (days since its first day), cold / warm (evaluate --test-days) on the same days, frauds in brackets:\n\n| train → test seed | feature version | ${WARMUP.map(([lo, hi]) => `days ${lo}-${hi}`).join(' | ')} |\n|---|---|${WARMUP.map(() => '---|').join('')}\n${warmup.join('\n')}`,
);
log(
  `\nstarted ${started.toISOString()}, finished ${new Date().toISOString()}; ${os.availableParallelism()} × ${cpu}, Node ${process.version}; load average at start ${load0.map((x) => x.toFixed(1)).join(' ')}, at end ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
