// `synfinance generate`: flags over YAML profile, validation (bad input -> UsageError -> exit 2),
// progress, and the end-of-run summary.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Env } from '../config.ts';
import { parsePartRef, partTargets, TABLES } from '../generator/dataset.ts';
import { recordPart } from '../generator/manifest.ts';
import { generateDataset, type PartRef, type RunSummary } from '../generator/run.ts';
import type { Format } from '../generator/task.ts';
import { type Difficulty, FRAUD_TYPES, type GenParams } from '../generator/types.ts';
import { dateRangeError, parseDay } from '../generator/world/calendar.ts';
import { type ConfigTree, loadConfig, section, UsageError } from './config.ts';
import { fmtBytes, fmtDuration, fmtInt } from './format.ts';

export const GENERATE_USAGE = `usage: synfinance generate --count N --seed S --fraud-rate R --start YYYY-MM-DD --days D
         --format csv|jsonl|parquet --out PATH [--workers W] [--difficulty easy|default|hard]
         [--config FILE.yaml | --profile default|development|test|production]
         [--anomaly-rate R] [--chain-fraud P] [--fraud-mix type=w,...] [--chunk-shards K] [--quiet]
         [--shard I/N]  (part I of N, from 0: --out is then the dataset folder)`;

export interface GenerateJob {
  params: GenParams;
  count: number;
  format: Format;
  out: string;
  /** set: write part `index` of a dataset folder at `out` */
  part?: PartRef;
  workers: number;
  chunkShards: number;
  quiet: boolean;
}

function num(name: string, raw: unknown, opts: { int?: boolean; min?: number; max?: number }): number {
  const s = typeof raw === 'number' ? String(raw) : String(raw ?? '').trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${s}"`);
  if (opts.int && !Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got "${s}"`);
  if (opts.min !== undefined && n < opts.min)
    throw new UsageError(`--${name} must be >= ${opts.min}, got ${s}`);
  if (opts.max !== undefined && n > opts.max)
    throw new UsageError(`--${name} must be <= ${opts.max}, got ${s}`);
  return n;
}

function parseMix(raw: unknown): number[] {
  if (raw === undefined) return FRAUD_TYPES.map(() => 1);
  const mix = new Map<string, number>();
  if (typeof raw === 'string') {
    for (const part of raw.split(',').filter(Boolean)) {
      const [k, v] = part.split('=');
      mix.set(String(k).trim(), num(`fraud-mix ${k}`, v, { min: 0 }));
    }
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [k, v] of Object.entries(raw)) mix.set(k, num(`fraud-mix ${k}`, v, { min: 0 }));
  } else throw new UsageError('fraud mix must be a mapping or "type=weight,..."');
  for (const k of mix.keys()) {
    if (!(FRAUD_TYPES as readonly string[]).includes(k))
      throw new UsageError(`unknown fraud type "${k}" in fraud mix`);
  }
  const out = FRAUD_TYPES.map((t) => mix.get(t) ?? (typeof raw === 'string' ? 0 : 1));
  if (!out.some((w) => w > 0)) throw new UsageError('fraud mix gives every type weight 0');
  return out;
}

/** The closest existing folder at or above `dir`, which must be a writable folder for `out` to be made there. */
function checkCreatableUnder(out: string, dir: string): void {
  let at = dir;
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  if (!fs.statSync(at).isDirectory())
    throw new UsageError(`cannot write to ${out}: ${at} is not a directory`);
  try {
    fs.accessSync(at, fs.constants.W_OK);
  } catch {
    throw new UsageError(`cannot write to ${out}: directory ${at} is not writable`);
  }
}

/** A file: missing folders above it are created when the run starts (as train, features and edges do). */
function checkWritable(out: string): void {
  if (!out) throw new UsageError('--out is required (no output path in flags or profile)');
  checkCreatableUnder(out, path.dirname(path.resolve(out)));
  if (fs.existsSync(out) && fs.statSync(out).isDirectory())
    throw new UsageError(`cannot write to ${out}: it is a directory`);
}

/** A dataset folder: it may exist (other parts write there too) but must be a folder. */
function checkDatasetDir(out: string): void {
  if (!out) throw new UsageError('--out is required (no output folder in flags or profile)');
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory())
      throw new UsageError(`cannot write to ${out}: with --shard, --out is a folder and this is a file`);
    try {
      fs.accessSync(out, fs.constants.W_OK);
    } catch {
      throw new UsageError(`cannot write to ${out}: folder is not writable`);
    }
    return;
  }
  checkCreatableUnder(out, path.resolve(out));
}

/** Parse argv (after "generate") into a validated job. Throws UsageError on any bad input. */
export function parseGenerateArgs(argv: string[], env: Env): GenerateJob {
  // let negative numbers through as values ("--count -5") so they get a clear range error
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        count: { type: 'string' },
        seed: { type: 'string' },
        'fraud-rate': { type: 'string' },
        'anomaly-rate': { type: 'string' },
        start: { type: 'string' },
        days: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        workers: { type: 'string' },
        difficulty: { type: 'string' },
        config: { type: 'string' },
        profile: { type: 'string' },
        'chain-fraud': { type: 'string' },
        'fraud-mix': { type: 'string' },
        'chunk-shards': { type: 'string' },
        'shard-rows': { type: 'string' },
        shard: { type: 'string' },
        quiet: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  const f = parsed.values as Record<string, string | boolean | undefined>;
  const cfg: ConfigTree = loadConfig(
    { profile: f.profile as string | undefined, file: f.config as string | undefined },
    env,
  );
  const g = section(cfg, 'generator');
  const fr = section(cfg, 'fraud');
  const pick = (flag: string, key: string, sec: ConfigTree) => (f[flag] !== undefined ? f[flag] : sec[key]);

  const count = num('count', pick('count', 'count', g), { int: true, min: 1 });
  const seed = num('seed', pick('seed', 'seed', g), { int: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const fraudRate = num('fraud-rate', pick('fraud-rate', 'rate', fr), { min: 0, max: 0.5 });
  const anomalyRate = num('anomaly-rate', pick('anomaly-rate', 'anomaly_rate', fr), { min: 0, max: 0.2 });
  if (fraudRate + anomalyRate > 0.5)
    throw new UsageError('--fraud-rate plus --anomaly-rate must not exceed 0.5');
  const startRaw = String(pick('start', 'start', g) ?? '');
  const startDay = parseDay(startRaw);
  if (startDay === null) throw new UsageError(`--start must be a real date YYYY-MM-DD, got "${startRaw}"`);
  const days = num('days', pick('days', 'days', g), { int: true, min: 1, max: 3660 });
  const outOfRange = dateRangeError(startDay, days);
  if (outOfRange) throw new UsageError(outOfRange);
  const format = String(pick('format', 'format', g) ?? '');
  if (format !== 'csv' && format !== 'jsonl' && format !== 'parquet') {
    throw new UsageError(`--format must be csv, jsonl or parquet, got "${format}"`);
  }
  const difficulty = String(pick('difficulty', 'difficulty', g) ?? 'default');
  if (difficulty !== 'easy' && difficulty !== 'default' && difficulty !== 'hard') {
    throw new UsageError(`--difficulty must be easy, default or hard, got "${difficulty}"`);
  }
  const workers = num('workers', pick('workers', 'workers', g) ?? 2, { int: true, min: 0, max: 64 });
  const chunkShards = num('chunk-shards', pick('chunk-shards', 'chunk_shards', g) ?? 1, {
    int: true,
    min: 1,
    max: 1000,
  });
  const shardRows = num('shard-rows', pick('shard-rows', 'shard_rows', g) ?? 20000, {
    int: true,
    min: 100,
    max: 1_000_000,
  });
  const chainRaw = pick('chain-fraud', 'chaining_probability', fr) ?? 0;
  const chainProbability = num('chain-fraud', chainRaw, { min: 0, max: 1 });
  const fraudMix = parseMix(f['fraud-mix'] !== undefined ? f['fraud-mix'] : fr.mix);
  const out = String(pick('out', 'out', g) ?? '');
  let part: PartRef | undefined;
  if (f.shard !== undefined) {
    const ref = parsePartRef(String(f.shard));
    if (typeof ref === 'string') throw new UsageError(ref);
    part = ref;
    checkDatasetDir(out);
  } else checkWritable(out);
  return {
    params: {
      seed,
      startDay,
      days,
      fraudRate,
      anomalyRate,
      difficulty: difficulty as Difficulty,
      fraudMix,
      chainProbability,
      shardRows,
    },
    count,
    format,
    out,
    ...(part ? { part } : {}),
    workers,
    chunkShards,
    quiet: Boolean(f.quiet),
  };
}

function progressReporter(quiet: boolean): { tick: (done: number, total: number) => void; end: () => void } {
  const t0 = performance.now();
  const tty = Boolean(process.stdout.isTTY);
  let last = 0;
  return {
    tick(done, total) {
      if (quiet) return;
      const now = performance.now();
      const el = (now - t0) / 1000;
      const rate = done / Math.max(el, 1e-6);
      const eta = (total - done) / Math.max(rate, 1e-6);
      if (tty) {
        if (now - last < 100 && done < total) return;
        last = now;
        const width = 30;
        const filled = Math.round((done / total) * width);
        const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
        process.stdout.write(
          `\r[${bar}] ${((done / total) * 100).toFixed(0).padStart(3)}% ${fmtInt(done)}/${fmtInt(total)} rows  ${fmtInt(rate)} rows/s  ETA ${fmtDuration(eta)}   `,
        );
      } else if (now - last >= 3000 || (done === total && last !== 0)) {
        last = now;
        process.stdout.write(
          `progress: ${fmtInt(done)}/${fmtInt(total)} rows (${((done / total) * 100).toFixed(1)}%), ${fmtInt(rate)} rows/s, ETA ${fmtDuration(eta)}\n`,
        );
      }
    },
    end() {
      if (tty && !quiet) process.stdout.write('\n');
    },
  };
}

export function formatSummary(s: RunSummary, targetRate?: number): string {
  const lines = [
    `rows:           ${fmtInt(s.rows)} (customers ${fmtInt(s.customers)}, merchants ${fmtInt(s.merchants)})`,
    `fraud rate:     ${(s.fraudRate * 100).toFixed(3)}% (${fmtInt(s.fraudRows)} rows)`,
  ];
  for (const [k, v] of Object.entries(s.fraudByType).sort((a, b) => b[1] - a[1])) {
    lines.push(
      `  ${k.padEnd(22)} ${fmtInt(v).padStart(9)}  ${((v / Math.max(1, s.fraudRows)) * 100).toFixed(1)}% of fraud`,
    );
  }
  if (
    targetRate !== undefined &&
    targetRate > 0 &&
    s.rows >= 100_000 &&
    Math.abs(s.fraudRate / targetRate - 1) > 0.1
  ) {
    lines.push(
      `  warning: realised rate is more than 10% off the target ${(targetRate * 100).toFixed(3)}% (too little history per customer for the patterns' preconditions? use more --days)`,
    );
  }
  const anomalies = Object.values(s.anomalyByType).reduce((a, b) => a + b, 0);
  lines.push(`anomalies:      ${fmtInt(anomalies)}`);
  for (const [k, v] of Object.entries(s.anomalyByType).sort())
    lines.push(`  ${k.padEnd(22)} ${fmtInt(v).padStart(9)}`);
  lines.push(`speed:          ${fmtInt(s.rowsPerSec)} rows/s (${s.seconds.toFixed(2)} s)`);
  lines.push(`output:         ${s.files.transactions} (${fmtBytes(s.bytes)})`);
  lines.push(`                ${s.files.customers}`);
  if (s.files.merchants) lines.push(`                ${s.files.merchants}`);
  return `${lines.join('\n')}\n`;
}

export async function runGenerate(argv: string[], env: Env): Promise<number> {
  const job = parseGenerateArgs(argv, env);
  const progress = progressReporter(job.quiet);
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (job.part) {
    for (const t of TABLES) fs.mkdirSync(path.join(job.out, t), { recursive: true });
  } else fs.mkdirSync(path.dirname(path.resolve(job.out)), { recursive: true });
  try {
    const summary = await generateDataset({
      params: job.params,
      count: job.count,
      format: job.format,
      out: job.out,
      ...(job.part ? { part: job.part, targets: partTargets(job.out, job.part, job.format) } : {}),
      workers: job.workers,
      chunkShards: job.chunkShards,
      onProgress: progress.tick,
      signal: ac.signal,
    });
    progress.end();
    process.stdout.write(formatSummary(summary, job.params.fraudRate));
    if (job.part) {
      const config = { params: job.params, count: job.count, format: job.format };
      const m = recordPart(job.out, job.part, config, summary);
      if (m)
        process.stdout.write(
          `manifest:       ${path.join(job.out, 'manifest.json')} (all ${m.parts} parts)\n`,
        );
    }
    return 0;
  } catch (e) {
    progress.end();
    if (ac.signal.aborted) {
      process.stderr.write('synfinance: interrupted; no output file was left behind\n');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
