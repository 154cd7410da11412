/**
 * Setup shared by the fraud model quality benches (fraud-quality.ts, fraud-cold-start.ts): the common
 * settings from the environment, the generated tables (cached under bench/out/fraud until a generator
 * source changes), and the machine line recorded with the figures.
 *
 *   env: BENCH_ROWS (300000), BENCH_DAYS (180), BENCH_TEST_DAYS (54), BENCH_GAP_DAYS (7)
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../apps/synfinance/src/generator/run.ts';
import { defaultGenParams } from '../apps/synfinance/src/generator/types.ts';

export const envNumber = (k: string, d: number) => Number(process.env[k] ?? d);
export const ROWS = envNumber('BENCH_ROWS', 300_000);
export const DAYS = envNumber('BENCH_DAYS', 180);
export const TEST_DAYS = envNumber('BENCH_TEST_DAYS', 54);
export const GAP = envNumber('BENCH_GAP_DAYS', 7);
/** The generator's default start, 2025-01-01, as a UTC day number. */
export const START_DAY = Date.UTC(2025, 0, 1) / 86_400_000;
export const OUT = path.resolve('bench/out/fraud');

export const log = (s: string) => process.stdout.write(`${s}\n`);
export const f4 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(4));

/** The class weight a training run chose, with the z of balanced's validation AP over none's. */
export function classWeightText(training: Record<string, unknown> | undefined): string {
  const cw = training?.class_weight as { chosen?: string; improvement_z?: number } | undefined;
  if (!cw?.chosen) return '–';
  return cw.improvement_z === undefined ? cw.chosen : `${cw.chosen} (z ${cw.improvement_z.toFixed(1)})`;
}

/**
 * A generated table of `rows` rows over `days` days from `startDay` (default START_DAY, DAYS, ROWS),
 * default difficulty; regenerated when a generator source is newer than the cached file.
 */
export async function benchData(
  seed: number,
  o: { startDay?: number; days?: number; rows?: number } = {},
): Promise<string> {
  const { startDay = START_DAY, days = DAYS, rows = ROWS } = o;
  fs.mkdirSync(OUT, { recursive: true });
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

const loadText = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** Load average now, to compare with the one at the end (the machine is shared). */
export const loadAtStart = loadText();

/** The line recorded with the figures: dates, machine, Node, load at start and end. */
export function machineLine(started: Date): string {
  let cpu: string;
  try {
    cpu = execSync("lscpu | sed -n 's/^Model name: *//p'", { encoding: 'utf8' }).trim();
  } catch {
    cpu = os.cpus()[0]?.model ?? '?';
  }
  return `started ${started.toISOString()}, finished ${new Date().toISOString()}; ${os.availableParallelism()} × ${cpu}, Node ${process.version}; load average at start ${loadAtStart}, at end ${loadText()}`;
}
