/**
 * Fraud model training time on a large SynFinance table.
 *
 *   npx tsx bench/fraud-training.ts     env: BENCH_ROWS (1000000), BENCH_DAYS (365), BENCH_TEST_DAYS (7)
 *
 * Generates BENCH_ROWS rows (seed 303, default difficulty, fraud rate 0.02), then runs `train` in
 * process (trainFromFile: read CSV + features, the last BENCH_TEST_DAYS days as test period without
 * a gap, so about 98% of the rows train; fit, evaluate, profile) for GBDT 100×6 and, as the baseline in the same run, logistic regression.
 * Feature computation and fitting are timed separately.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainFromFile } from '../apps/synfinance/src/fraud/training/train.ts';
import { generateDataset } from '../apps/synfinance/src/generator/run.ts';
import { defaultGenParams } from '../apps/synfinance/src/generator/types.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const TEST_DAYS = Number(process.env.BENCH_TEST_DAYS ?? 7);
const OUT = path.resolve('bench/out/fraud');
fs.mkdirSync(OUT, { recursive: true });
const file = path.join(OUT, `txns-s303-${ROWS}-${DAYS}d.csv`);
if (!fs.existsSync(file)) {
  await generateDataset({
    params: defaultGenParams({ seed: 303, days: DAYS }),
    count: ROWS,
    format: 'csv',
    out: file,
    workers: 1,
    chunkShards: 1,
  });
}
const lines: string[] = [];
for (const algo of ['logreg', 'gbdt'] as const) {
  const t = await trainFromFile({ data: file, algo, testDays: TEST_DAYS, gapDays: 0 });
  const mem = process.memoryUsage().rss / 2 ** 20;
  const line = `| ${algo === 'gbdt' ? 'GBDT 100×6' : 'baseline: logistic regression'} | ${t.split.train_rows.toLocaleString('en-US')} | ${t.seconds.features.toFixed(1)} s | ${t.seconds.fit.toFixed(1)} s | ${t.seconds.total.toFixed(1)} s | ${t.report!.average_precision.toFixed(4)} | ${Math.round(mem)} MiB |`;
  process.stdout.write(`${line}\n`);
  lines.push(line);
}
process.stdout.write(
  `\n| model | training rows | read CSV + features | split + fit | total (with test scoring, report, profile) | AP (same seed, later days) | RSS after |\n|---|---|---|---|---|---|---|\n${lines.join('\n')}\n` +
    `\n${ROWS} rows of ${path.basename(file)}; machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}, load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
);
