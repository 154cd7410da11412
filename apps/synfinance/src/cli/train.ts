// `synfinance train`: fit a fraud model on a labelled table, report on its test period.

import { formatReport, reportToJson } from '../fraud/evaluation/report.ts';
import type { SplitInfo } from '../fraud/evaluation/split.ts';
import { isoDay } from '../fraud/features/dataset.ts';
import { modelFileText, type TrainResult, trainFromFile } from '../fraud/training/train.ts';
import {
  asUsage,
  type Command,
  checkInputFile,
  checkOutPath,
  costFnOpt,
  type Flags,
  numOpt,
  parseCli,
  requireOpt,
  stdoutTaken,
  strOpt,
  type Values,
  writeOutput,
} from './args.ts';
import { UsageError } from './config.ts';

/** Flags shared by train, evaluate and features: which table, which columns. */
export const TABLE_FLAGS: Flags = {
  data: { arg: 'FILE', group: 'Table', help: 'labelled table: CSV, JSONL or Parquet' },
  label: { arg: 'COL', group: 'Table', help: '0/1 or true/false label column (default is_fraud)' },
  'time-col': {
    arg: 'COL',
    group: 'Table',
    help: 'time column of the day split (default timestamp, else the one column holding dates/times)',
  },
  'entity-column': {
    arg: 'COL',
    group: 'Table',
    help: 'card/customer id column for card precision@k and known-compromised removal (default customer_id)',
  },
  features: {
    arg: 'a,b,c',
    group: 'Table',
    help: 'feature columns of any table, as they are (default: the SynFinance history features)',
  },
  limit: { arg: 'N', group: 'Table', help: 'read only the first N rows' },
};

/** Flags of the report (train's test period, evaluate's rows). */
export const REPORT_FLAGS: Flags = {
  threshold: {
    arg: 'P',
    group: 'Report',
    help: 'flag probability >= P for precision/recall/F1 (default 0.5)',
  },
  'cost-fn': {
    arg: 'INR|amount',
    group: 'Report',
    help: 'cost of a missed fraud (default amount when the table has one, else 100)',
  },
  'cost-fp': { arg: 'INR', group: 'Report', help: 'cost of a false alert (default 50)' },
  report: { arg: 'OUT.json', group: 'Output', help: 'write the report as JSON (- = stdout)' },
  quiet: { group: 'Output', help: 'print no summary and no progress' },
};

export const TRAIN: Command = {
  name: 'train',
  synopsis: '--data FILE --model OUT.json [options]',
  summary:
    'Fit a GBDT or logistic regression on the earlier days of a labelled table and report on its later days.',
  flags: {
    ...TABLE_FLAGS,
    'test-days': {
      arg: 'N',
      group: 'Split',
      help: 'last N days are the test period (default 30% of the days); 0 = train on every row, no test',
    },
    'gap-days': {
      arg: 'N',
      group: 'Split',
      help: 'days skipped before the test period (default 7, fewer if short)',
    },
    algo: { arg: 'gbdt|logreg', group: 'Model', help: 'model (default gbdt)' },
    trees: { arg: 'N', group: 'Model', help: 'GBDT: at most N trees (default 300)' },
    depth: { arg: 'D', group: 'Model', help: 'GBDT: tree depth (default 6)' },
    'learning-rate': { arg: 'R', group: 'Model', help: 'GBDT: learning rate (default 0.1)' },
    'min-leaf': { arg: 'M', group: 'Model', help: 'GBDT: minimum rows per leaf (default 20)' },
    bins: { arg: 'B', group: 'Model', help: 'GBDT: histogram bins per feature (default 255)' },
    lambda: {
      arg: 'X',
      group: 'Model',
      help: "GBDT: L2 penalty on leaf values (XGBoost's lambda, default 1)",
    },
    'min-hessian': {
      arg: 'H',
      group: 'Model',
      help: "GBDT: minimum hessian per leaf (XGBoost's min_child_weight, default 1e-3)",
    },
    subsample: { arg: 'F', group: 'Model', help: 'GBDT: share of rows sampled per tree (default 1)' },
    colsample: { arg: 'F', group: 'Model', help: 'GBDT: share of features sampled per tree (default 1)' },
    'class-weight': {
      arg: 'none|balanced|auto',
      group: 'Model',
      help: 'class weighting (default auto: balanced only if its validation AP beats none by --min-z standard errors; none without a validation period)',
    },
    l2: { arg: 'X', group: 'Model', help: 'logistic regression: L2 penalty (default 1e-4)' },
    'early-stopping': {
      arg: 'N',
      group: 'Validation',
      help: 'GBDT: stop after N trees without a better validation loss (default 20); 0 = no validation period',
    },
    'valid-days': {
      arg: 'D',
      group: 'Validation',
      help: 'last D training days validate (default 15% of them)',
    },
    'min-z': {
      arg: 'Z',
      group: 'Validation',
      help: 'kept model must beat the prior, and balanced must beat none in AP, by Z standard errors (default 3)',
    },
    'shuffle-labels': { arg: 'SEED', group: 'Validation', help: 'control run: train on permuted labels' },
    ...REPORT_FLAGS,
    model: { arg: 'OUT.json', group: 'Output', help: 'model file to write (- = stdout)' },
  },
  notes: `Train on one file, evaluate on another (any table, e.g. time column TX_DATETIME, card column CUSTOMER_ID):
  synfinance train --data a.csv --features AMOUNT,TERMINAL_ID --label TX_FRAUD --test-days 0 --model m.json
  synfinance evaluate --model m.json --data b.csv
Progress goes to stderr; the summary to stdout (to stderr when an output is -).`,
};

const period = (s: SplitInfo) =>
  s.kind === 'all-rows'
    ? `every row${s.train_dates ? ` (${s.train_dates[0]} to ${s.train_dates[1]})` : ''}, no test period`
    : `${s.train_dates![0]} to ${s.train_dates![1]} train, ${s.gap_days} gap day${s.gap_days === 1 ? '' : 's'}, ${s.test_dates![0]} to ${s.test_dates![1]} test`;

function validationLine(res: TrainResult, algo: string): string {
  const s = res.split;
  const tr = res.file.training as
    | {
        best_iteration?: number | null;
        trees_trained?: number;
        kept?: boolean;
        improvement_z?: number;
        min_z?: number;
      }
    | undefined;
  if (s.valid_rows === undefined || !tr) return '';
  const vd = s.valid_days ? `${isoDay(s.valid_days[0])} to ${isoDay(s.valid_days[1])}` : '';
  const where = `fit on ${s.fit_rows} rows, validated on ${s.valid_rows} (${vd})`;
  const z = (x: number | undefined) => (x === undefined || x === null ? '-' : x.toFixed(1));
  if (algo === 'logreg')
    return `validation: ${where}; ${tr.kept ? `weights kept (z ${z(tr.improvement_z)} >= ${tr.min_z} over the intercept-only model), refitted on all training rows` : `intercept only (z ${z(tr.improvement_z)} < ${tr.min_z} over the intercept-only model: constant score)`}\n`;
  return `early stopping: ${where}; kept ${tr.best_iteration} of ${tr.trees_trained} trees trained${tr.best_iteration === 0 ? ' (no tree beat the prior: constant score)' : ''}\n`;
}

/** Which class weighting the fit used, and why. */
function classWeightLine(res: TrainResult): string {
  const cw = res.file.training?.class_weight as { chosen?: string; reason?: string } | undefined;
  return cw?.chosen ? `class weight: ${cw.chosen} (${cw.reason})\n` : '';
}

/** The printed summary of a training run. */
export function trainSummary(res: TrainResult, algo: string, out: string): string {
  const s = res.split;
  const removed =
    s.removed_known_compromised === undefined
      ? ''
      : s.removed_known_compromised === null
        ? 'known-compromised removal: not done (no entity column; see --entity-column)\n'
        : `known-compromised removal: ${s.removed_known_compromised} test rows of cards with a fraud before the test period left out\n`;
  const test = res.report
    ? `\nTest period:\n${formatReport(res.report)}\n`
    : `\nNo test period: evaluate the model on another file with synfinance evaluate.\n`;
  return (
    `trained ${algo} on ${s.train_rows} rows (${period(s)}; ${res.file.feature_names.length} features) in ${res.seconds.total.toFixed(1)} s (features ${res.seconds.features.toFixed(1)} s, fit ${res.seconds.fit.toFixed(1)} s)\n` +
    validationLine(res, algo) +
    classWeightLine(res) +
    removed +
    `model ${out === '-' ? 'written to stdout' : out} (version ${res.file.fraud.model_version})\n` +
    test
  );
}

/** The comma-separated feature list, checked. */
export function featuresOpt(v: Values): string[] | undefined {
  const s = strOpt(v, 'features');
  if (s === undefined) return undefined;
  const features = s.split(',').map((x) => x.trim());
  if (features.some((f) => !f))
    throw new UsageError('--features must be a comma-separated list of column names');
  if (new Set(features).size !== features.length) throw new UsageError('--features lists a column twice');
  return features;
}

function modelParams(v: Values) {
  const gbdt: Record<string, number> = {};
  const set = (k: string, x: number | undefined) => {
    if (x !== undefined) gbdt[k] = x;
  };
  set('nTrees', numOpt(v, 'trees', { int: true, min: 1, max: 10_000 }));
  set('maxDepth', numOpt(v, 'depth', { int: true, min: 1, max: 16 }));
  set('learningRate', numOpt(v, 'learning-rate', { gt: 0, max: 1 }));
  set('minSamplesLeaf', numOpt(v, 'min-leaf', { int: true, min: 1 }));
  set('maxBins', numOpt(v, 'bins', { int: true, min: 2, max: 65_534 }));
  set('lambda', numOpt(v, 'lambda', { min: 0 }));
  set('minHessianLeaf', numOpt(v, 'min-hessian', { min: 0 }));
  set('subsample', numOpt(v, 'subsample', { gt: 0, max: 1 }));
  set('colsampleBytree', numOpt(v, 'colsample', { gt: 0, max: 1 }));
  const minZ = numOpt(v, 'min-z', { min: 0 });
  set('earlyStoppingMinZ', minZ);
  const l2 = numOpt(v, 'l2', { min: 0 });
  return { gbdt, logreg: l2 !== undefined ? { l2 } : {}, logregMinZ: minZ, classWeightMinZ: minZ };
}

function classWeightOpt(v: Values): 'none' | 'balanced' | 'auto' | undefined {
  const cw = strOpt(v, 'class-weight');
  if (cw === undefined || cw === 'none' || cw === 'balanced' || cw === 'auto') return cw;
  throw new UsageError(`--class-weight must be none, balanced or auto, got "${cw}"`);
}

export async function runTrain(argv: string[]): Promise<number> {
  const v = parseCli(argv, TRAIN);
  const data = checkInputFile(v, 'data', TRAIN);
  const out = requireOpt(v, 'model', TRAIN);
  const report = strOpt(v, 'report');
  checkOutPath(out, '--model');
  if (report !== undefined) checkOutPath(report, '--report');
  const toStdout = stdoutTaken({ '--model': out, '--report': report });
  const algo = v.algo ?? 'gbdt';
  if (algo !== 'gbdt' && algo !== 'logreg')
    throw new UsageError(`--algo must be gbdt or logreg, got "${algo}"`);
  const testDays = numOpt(v, 'test-days', { int: true, min: 0 });
  if (testDays === 0 && report !== undefined)
    throw new UsageError('--report needs a test period; with --test-days 0 use synfinance evaluate --report');
  const say = v.quiet ? undefined : (m: string) => process.stderr.write(`${m}\n`);
  const res = await asUsage(() =>
    trainFromFile({
      data,
      label: strOpt(v, 'label'),
      timeColumn: strOpt(v, 'time-col'),
      entityColumn: strOpt(v, 'entity-column'),
      features: featuresOpt(v),
      algo,
      ...modelParams(v),
      classWeight: classWeightOpt(v),
      earlyStoppingRounds: numOpt(v, 'early-stopping', { int: true, min: 0, max: 10_000 }),
      validDays: numOpt(v, 'valid-days', { int: true, min: 1 }),
      testDays,
      gapDays: numOpt(v, 'gap-days', { int: true, min: 0 }),
      threshold: numOpt(v, 'threshold', { min: 0, max: 1 }),
      costFn: costFnOpt(v),
      costFp: numOpt(v, 'cost-fp', { min: 0 }),
      limit: numOpt(v, 'limit', { int: true, min: 1 }),
      shuffleLabelsSeed: numOpt(v, 'shuffle-labels', { int: true, min: 0 }),
      onProgress: say,
    }),
  );
  writeOutput(out, `${modelFileText(res.file)}\n`);
  if (report !== undefined && res.report) writeOutput(report, reportToJson(res.report));
  if (!v.quiet) (toStdout ? process.stderr : process.stdout).write(trainSummary(res, algo, out));
  return 0;
}
