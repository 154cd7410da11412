// `synfinance train` and `synfinance evaluate`: fit a fraud model on a labelled table and evaluate it.
import fs from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { formatReport, reportToJson } from '../fraud/evaluation/report.ts';
import { DatasetError } from '../fraud/features/dataset.ts';
import { ModelLoadError, modelFileText, trainFromFile, writeFileAtomic } from '../fraud/training/train.ts';
import { UsageError } from './config.ts';

export const TRAIN_USAGE = `usage: synfinance train --data FILE --model OUT.json [--algo gbdt|logreg] [--label COL] [--time-col COL] [--features a,b,c]
         [--trees N --depth D --learning-rate R --min-leaf M --bins B] [--early-stopping N --valid-days D --min-z Z] [--l2 X] [--test-days N --gap-days N]
         [--threshold P] [--cost-fn INR|amount --cost-fp INR] [--report OUT.json] [--shuffle-labels SEED] [--quiet]`;

type Values = Record<string, string | boolean | undefined>;

export function parseCli(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
): Values {
  try {
    const p = parseArgs({ args: argv, options, allowPositionals: false, strict: true });
    return p.values as Values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]} (${usage.split('\n')[0]})`);
  }
}

export function numOpt(
  v: Values,
  name: string,
  o: { int?: boolean; min?: number; max?: number; gt?: number } = {},
): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const x = Number(s);
  if (typeof s !== 'string' || s.trim() === '' || !Number.isFinite(x))
    throw new UsageError(`--${name} must be a number, got "${s}"`);
  if (o.int && !Number.isInteger(x)) throw new UsageError(`--${name} must be an integer, got "${s}"`);
  if (o.min !== undefined && x < o.min) throw new UsageError(`--${name} must be >= ${o.min}, got "${s}"`);
  if (o.gt !== undefined && !(x > o.gt)) throw new UsageError(`--${name} must be > ${o.gt}, got "${s}"`);
  if (o.max !== undefined && x > o.max) throw new UsageError(`--${name} must be <= ${o.max}, got "${s}"`);
  return x;
}

export function costFnOpt(v: Values): number | 'amount' | undefined {
  if (v['cost-fn'] === 'amount') return 'amount';
  return numOpt(v, 'cost-fn', { min: 0 });
}

export function checkDataFile(v: Values, usage: string): string {
  const data = v.data;
  if (typeof data !== 'string' || !data)
    throw new UsageError(`--data FILE is required (${usage.split('\n')[0]})`);
  if (!fs.existsSync(data)) throw new UsageError(`no such file: ${data}`);
  return data;
}

export function checkOutPath(path: string, flag: string): void {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new UsageError(`${flag}: directory ${dir} does not exist`);
}

/** Known data/model problems become usage errors (one line, exit 2). */
export async function asUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DatasetError || e instanceof ModelLoadError || e instanceof RangeError)
      throw new UsageError(e.message);
    throw e;
  }
}

export async function runTrain(argv: string[]): Promise<number> {
  const v = parseCli(
    argv,
    {
      data: { type: 'string' },
      model: { type: 'string' },
      algo: { type: 'string' },
      label: { type: 'string' },
      'time-col': { type: 'string' },
      features: { type: 'string' },
      trees: { type: 'string' },
      depth: { type: 'string' },
      'learning-rate': { type: 'string' },
      'min-leaf': { type: 'string' },
      bins: { type: 'string' },
      'early-stopping': { type: 'string' },
      'valid-days': { type: 'string' },
      'min-z': { type: 'string' },
      l2: { type: 'string' },
      'test-days': { type: 'string' },
      'gap-days': { type: 'string' },
      threshold: { type: 'string' },
      'cost-fn': { type: 'string' },
      'cost-fp': { type: 'string' },
      report: { type: 'string' },
      limit: { type: 'string' },
      'shuffle-labels': { type: 'string' },
      quiet: { type: 'boolean' },
    },
    TRAIN_USAGE,
  );
  const data = checkDataFile(v, TRAIN_USAGE);
  const out = v.model;
  if (typeof out !== 'string' || !out)
    throw new UsageError(`--model OUT.json is required (${TRAIN_USAGE.split('\n')[0]})`);
  checkOutPath(out, '--model');
  if (typeof v.report === 'string') checkOutPath(v.report, '--report');
  const algo = v.algo ?? 'gbdt';
  if (algo !== 'gbdt' && algo !== 'logreg')
    throw new UsageError(`--algo must be gbdt or logreg, got "${algo}"`);
  let features: string[] | undefined;
  if (typeof v.features === 'string') {
    features = v.features.split(',').map((s) => s.trim());
    if (features.some((f) => !f))
      throw new UsageError('--features must be a comma-separated list of column names');
    if (new Set(features).size !== features.length) throw new UsageError('--features lists a column twice');
  }
  const gbdt: Record<string, number> = {};
  const set = (k: string, x: number | undefined) => {
    if (x !== undefined) gbdt[k] = x;
  };
  set('nTrees', numOpt(v, 'trees', { int: true, min: 1, max: 10_000 }));
  set('maxDepth', numOpt(v, 'depth', { int: true, min: 1, max: 16 }));
  set('learningRate', numOpt(v, 'learning-rate', { gt: 0, max: 1 }));
  set('minSamplesLeaf', numOpt(v, 'min-leaf', { int: true, min: 1 }));
  set('maxBins', numOpt(v, 'bins', { int: true, min: 2, max: 65_534 }));
  const minZ = numOpt(v, 'min-z', { min: 0 });
  set('earlyStoppingMinZ', minZ);
  const l2 = numOpt(v, 'l2', { min: 0 });
  const res = await asUsage(() =>
    trainFromFile({
      data,
      label: v.label as string | undefined,
      timeColumn: v['time-col'] as string | undefined,
      features,
      algo,
      gbdt,
      logreg: l2 !== undefined ? { l2 } : {},
      logregMinZ: minZ,
      earlyStoppingRounds: numOpt(v, 'early-stopping', { int: true, min: 0, max: 10_000 }),
      validDays: numOpt(v, 'valid-days', { int: true, min: 1 }),
      testDays: numOpt(v, 'test-days', { int: true, min: 1 }),
      gapDays: numOpt(v, 'gap-days', { int: true, min: 0 }),
      threshold: numOpt(v, 'threshold', { min: 0, max: 1 }),
      costFn: costFnOpt(v),
      costFp: numOpt(v, 'cost-fp', { min: 0 }),
      limit: numOpt(v, 'limit', { int: true, min: 1 }),
      shuffleLabelsSeed: numOpt(v, 'shuffle-labels', { int: true, min: 0 }),
    }),
  );
  writeFileAtomic(out, modelFileText(res.file));
  if (typeof v.report === 'string') writeFileAtomic(v.report, reportToJson(res.report));
  if (!v.quiet) {
    const s = res.split;
    const period =
      s.kind === 'time'
        ? `days ${s.train_days!.join('-')} train, gap ${s.gap_days}, days ${s.test_days!.join('-')} test`
        : `row order, last ${s.test_fraction! * 100}% test`;
    const tr = res.file.training as
      | {
          best_iteration?: number | null;
          trees_trained?: number;
          kept?: boolean;
          improvement_z?: number;
          min_z?: number;
        }
      | undefined;
    const where = `fit on ${s.fit_rows} rows, validated on ${s.valid_rows} (${s.valid_days ? `days ${s.valid_days.join('-')}` : `last ${s.valid_fraction! * 100}%`})`;
    const z = (x: number | undefined) => (x === undefined || x === null ? '-' : x.toFixed(1));
    const es =
      s.valid_rows === undefined || !tr
        ? ''
        : algo === 'logreg'
          ? `validation: ${where}; ${tr.kept ? `weights kept (z ${z(tr.improvement_z)} >= ${tr.min_z} over the intercept-only model), refitted on all training rows` : `intercept only (z ${z(tr.improvement_z)} < ${tr.min_z} over the intercept-only model: constant score)`}\n`
          : `early stopping: ${where}; kept ${tr.best_iteration} of ${tr.trees_trained} trees trained${tr.best_iteration === 0 ? ' (no tree beat the prior: constant score)' : ''}\n`;
    process.stdout.write(
      `trained ${algo} on ${s.train_rows} rows (${period}; ${res.file.feature_names.length} features) in ${res.seconds.total.toFixed(1)} s (features ${res.seconds.features.toFixed(1)} s, fit ${res.seconds.fit.toFixed(1)} s)\n` +
        es +
        `model ${out} (version ${res.file.fraud.model_version})\n\nTest period:\n${formatReport(res.report)}\n`,
    );
  }
  return 0;
}
