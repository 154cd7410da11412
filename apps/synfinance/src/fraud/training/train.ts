// Train/evaluate orchestration: table -> features -> time split (earlier days train, a gap, later days
// test) -> GBDT or logistic regression -> evaluation report -> versioned model JSON (feature list,
// training data hash, parameters, metrics, created_at, feature definition, reference profile).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type GbdtModel, type GbdtParams, summarizeTraining, trainGbdt } from '@polymorph/gbdt/gbdt';
import {
  type LogisticModel,
  type LogRegParams,
  summarizeLogRegValidation,
  trainLogReg,
} from '@polymorph/gbdt/logreg';
import { columnMajor } from '@polymorph/gbdt/matrix';
import {
  hashTrainingData,
  type Model,
  type ModelFileV1,
  modelToJson,
  parseModel,
} from '@polymorph/gbdt/model-io';
import { buildReferenceProfile, type ReferenceProfile } from '@polymorph/observability/quality/profile';
import { Rng } from '@polymorph/random/rng';
import { averagePrecision } from '../evaluation/metrics.ts';
import { buildEvaluationReport, type EvaluationReport } from '../evaluation/report.ts';
import { lastDaysRows, noTimeColumnError, type SplitInfo, splitDataset } from '../evaluation/split.ts';
import {
  type Dataset,
  DatasetError,
  type FeatureSpec,
  isoDay,
  loadDataset,
  selectColumnMajor,
} from '../features/dataset.ts';
import type { FeatureVersion } from '../features/features.ts';
import {
  apImprovementZ,
  type ClassWeight,
  type ClassWeightChoice,
  type ClassWeightMode,
  chooseClassWeight,
  DEFAULT_CLASS_WEIGHT_MIN_Z,
} from './class-weight.ts';

export { type SplitInfo, splitDataset };

export interface Thresholds {
  /** probability at or above which a transaction goes to review */
  review: number;
  /** probability at or above which it is blocked */
  block: number;
}
export const DEFAULT_THRESHOLDS: Thresholds = { review: 0.5, block: 0.9 };

/** What this app adds to the @polymorph/gbdt model file (under the key `fraud`). */
export interface FraudModelExtension {
  model_version: string;
  feature_spec: FeatureSpec;
  label: string;
  thresholds: Thresholds;
  split: Record<string, unknown>;
  /** The training features' profile for drift monitoring; absent in imported models. */
  reference_profile?: ReferenceProfile;
}

export type FraudModelFile = ModelFileV1 & { fraud: FraudModelExtension };

export interface TrainOptions {
  data: string;
  label?: string;
  features?: string[];
  /** SynFinance history features of this version (default the current one: older ones for comparison). */
  featureVersion?: FeatureVersion;
  /** Time column for the day split (default `timestamp`, else the one column holding times). */
  timeColumn?: string;
  /** Entity (card) column for card precision@k and the known-compromised removal (default `customer_id`). */
  entityColumn?: string;
  /** Progress lines (reading, fitting, evaluating); the CLI sends them to stderr. */
  onProgress?: (message: string) => void;
  algo?: 'gbdt' | 'logreg';
  gbdt?: Partial<GbdtParams>;
  logreg?: Partial<LogRegParams>;
  /** Test days at the end of the table (default 30% of the span); 0 = train on every row, no test report. */
  testDays?: number;
  gapDays?: number;
  threshold?: number;
  costFn?: number | 'amount';
  costFp?: number;
  limit?: number;
  /**
   * GBDT early stopping: stop after this many trees without a lower validation log-loss and keep the
   * best iteration (possibly 0 trees: the prior). Default DEFAULT_EARLY_STOPPING_ROUNDS; 0 = off (then
   * no validation period is held out and every training day fits the trees).
   */
  earlyStoppingRounds?: number;
  /**
   * After early stopping found the best number of trees (> 0), fit again on the whole training period
   * (fit + validation days) with that many trees, so the latest days are not lost to validation; for
   * logistic regression, when the validation check kept the weights. Default true.
   */
  refit?: boolean;
  /**
   * Logistic regression: fit on the training period without its validation days and keep the fitted
   * weights only if their validation log-loss beats the intercept-only model's by this many standard
   * errors (paired per row), else the model is intercept-only (the training fraud rate for every row);
   * kept weights are then refitted on the whole period. Default DEFAULT_LOGREG_MIN_Z.
   * `earlyStoppingRounds: 0` turns the check off (no validation period, as for the GBDT).
   */
  logregMinZ?: number;
  /** Validation period: the last N days of the training period (default 15% of them, at least 1). */
  validDays?: number;
  /**
   * Class weighting of the fit: 'none', 'balanced' (both classes the same total weight), or 'auto'
   * (the default, for both models): with a validation period, fit both on the fit days and keep
   * 'balanced' only if its validation AP beats 'none''s by `classWeightMinZ` standard errors (a paired
   * bootstrap over the validation rows), else 'none'; without a validation period, 'none'. A classWeight
   * in `gbdt`/`logreg` params wins over this.
   */
  classWeight?: ClassWeightMode;
  /** 'auto': standard errors 'balanced' must gain in validation AP. Default DEFAULT_CLASS_WEIGHT_MIN_Z. */
  classWeightMinZ?: number;
  /** Control run: train on labels permuted with this seed (the test report uses the real labels). */
  shuffleLabelsSeed?: number;
  /** ISO time for created_at (tests pass a fixed one); default now. */
  createdAt?: string;
}

/** Defaults of the fraud trainer's GBDT early stopping (see docs/synfinance/fraud-model.md). */
export const DEFAULT_EARLY_STOPPING_ROUNDS = 20;
/** Logistic regression's validation check: standard errors over the intercept-only model (as GBDT's min z). */
export const DEFAULT_LOGREG_MIN_Z = 3;
export const DEFAULT_VALID_SHARE = 0.15;
/**
 * The fraud trainer's GBDT defaults. nTrees is a cap: with early stopping (on by default) the
 * validation loss decides how many trees stay (170 on the quality bench). earlyStoppingMinZ 3: the
 * kept trees must beat the prior on validation by 3 standard errors, else the model is the prior
 * (noise labels reach z 0.2-1.2 by chance on the bench, real labels z 26).
 */
export const DEFAULT_FRAUD_GBDT: Partial<GbdtParams> = {
  nTrees: 300,
  maxDepth: 6,
  learningRate: 0.1,
  earlyStoppingMinZ: 3,
};

/**
 * Split the training rows of a split into a fit part and a validation part: the last `validDays` days
 * of the training period (default 15% of its days), or the last share of rows without days. Labels
 * are not looked at. Both parts are non-empty or this throws.
 */
function validationSplit(
  ds: Dataset,
  train: Uint32Array,
  opts: { validDays?: number },
): { fit: Uint32Array; valid: Uint32Array; info: Partial<SplitInfo> } {
  if (ds.days) {
    let min = Infinity;
    let max = -Infinity;
    for (const r of train) {
      const d = ds.days[r]!;
      if (d < min) min = d;
      if (d > max) max = d;
    }
    const span = max - min + 1;
    const vd = opts.validDays ?? Math.max(1, Math.round(span * DEFAULT_VALID_SHARE));
    if (vd >= span)
      throw new DatasetError(
        `the training period spans ${span} days: ${vd} validation days (${opts.validDays === undefined ? 'default: 15% of them, at least 1' : '--valid-days'}) leave none to fit the trees; --early-stopping 0 turns validation off`,
      );
    const from = max - vd + 1;
    const fit = train.filter((r) => ds.days![r]! < from);
    const valid = train.filter((r) => ds.days![r]! >= from);
    if (fit.length === 0 || valid.length === 0)
      throw new DatasetError('the validation split left a part empty');
    return {
      fit,
      valid,
      info: { fit_rows: fit.length, valid_rows: valid.length, valid_days: [from, max] },
    };
  }
  // A validation period is the last days; row order is no substitute (it leaks and inflates).
  const e = noTimeColumnError(ds);
  throw new DatasetError(
    `${e.message.replace('a time split', 'the validation period')}; or --early-stopping 0`,
  );
}

const pick = <T>(a: ArrayLike<T> | null, rows: ArrayLike<number>): T[] | null =>
  a ? Array.from(rows as ArrayLike<number>, (r) => a[r]!) : null;

/** Evaluation report of `probs` for the given rows of a dataset. */
function evaluateRows(
  ds: Dataset,
  rows: ArrayLike<number>,
  probs: ArrayLike<number>,
  o: { threshold?: number; costFn?: number | 'amount'; costFp?: number } = {},
): EvaluationReport {
  const costFnOpt = o.costFn ?? (ds.amounts ? 'amount' : 100);
  const costFn = costFnOpt === 'amount' ? (ds.amounts ? pick(ds.amounts, rows)! : 100) : costFnOpt;
  return buildEvaluationReport({
    labels: pick(ds.y, rows)!,
    probs,
    threshold: o.threshold ?? 0.5,
    days: pick(ds.days, rows) ?? undefined,
    cardIds: pick(ds.cardIds, rows) ?? undefined,
    k: 100,
    fraudTypes: pick(ds.fraudTypes, rows) ?? undefined,
    costFn,
    costFp: o.costFp ?? 50,
    calibrationBins: 10,
  });
}

/** Reference profile of the training features (evenly spaced sample of at most 20,000 rows). */
function featureProfile(ds: Dataset, rows: ArrayLike<number>): ReferenceProfile {
  const step = Math.max(1, Math.floor(rows.length / 20_000));
  const records: Record<string, number | null>[] = [];
  for (let i = 0; i < rows.length; i += step) {
    const base = rows[i]! * ds.nCols;
    const rec: Record<string, number | null> = {};
    for (let j = 0; j < ds.nCols; j++) {
      const v = ds.X[base + j]!;
      rec[ds.featureNames[j]!] = Number.isNaN(v) ? null : v;
    }
    records.push(rec);
  }
  return buildReferenceProfile(
    records,
    { fields: ds.featureNames.map((name) => ({ name, type: 'number' as const, nullable: true })) },
    { bins: 10, sampleCap: 200, maxCategories: 20 },
  );
}

/**
 * Fit GBDT or logistic regression on a column-major feature buffer. With `validation` (a
 * column-major buffer and labels) the GBDT scores it after every tree (early stopping needs it), and
 * logistic regression is compared with the intercept-only model on it (`logregMinZ` standard errors).
 */
function fitModel(
  X: Float64Array,
  nRows: number,
  nCols: number,
  y: Uint8Array,
  featureNames: string[],
  algo: 'gbdt' | 'logreg',
  params: { gbdt?: Partial<GbdtParams>; logreg?: Partial<LogRegParams> },
  validation?: { X: Float64Array; y: Uint8Array },
  logregMinZ = DEFAULT_LOGREG_MIN_Z,
): Model {
  const m = columnMajor(X, nRows, nCols);
  const v = validation
    ? { X: columnMajor(validation.X, validation.y.length, nCols), y: validation.y }
    : undefined;
  if (algo === 'logreg')
    return trainLogReg(
      m,
      y,
      { classWeight: 'balanced', ...params.logreg },
      { featureNames, validation: v, validationMinZ: logregMinZ },
    );
  return trainGbdt(m, y, { ...DEFAULT_FRAUD_GBDT, ...params.gbdt }, { featureNames, validation: v });
}

/**
 * Fit the model of `train` (the training period's rows, labels `ytrain` in the same order) as `train`
 * does. A validation period (the last days of the training period, labels taken from `ytrain`, so a
 * control run's permutation covers them too) selects the model: GBDT early stopping picks the number
 * of trees (possibly 0), logistic regression keeps its weights only if they beat the intercept-only
 * model; then the model is refitted on the whole period with the chosen trees / when the weights were
 * kept. `earlyStoppingRounds: 0` turns validation off for both: every row fits. Adds the
 * fit/validation sizes to `info` when given. Also returns the training rows' column-major features
 * (`Xtrain`), so the caller can hash them without selecting them again.
 */
export function fitTrainingPeriod(
  ds: Dataset,
  train: Uint32Array,
  ytrain: Uint8Array,
  algo: 'gbdt' | 'logreg',
  o: Pick<
    TrainOptions,
    | 'gbdt'
    | 'logreg'
    | 'earlyStoppingRounds'
    | 'validDays'
    | 'refit'
    | 'logregMinZ'
    | 'classWeight'
    | 'classWeightMinZ'
  >,
  info?: SplitInfo,
): { model: Model; training?: Record<string, unknown>; Xtrain: Float64Array } {
  const Xtrain = selectColumnMajor(ds, train);
  const fitAll = (params: Parameters<typeof fitModel>[6]) =>
    fitModel(Xtrain, train.length, ds.nCols, ytrain, ds.featureNames, algo, params);
  const esRounds = o.gbdt?.earlyStoppingRounds ?? o.earlyStoppingRounds ?? DEFAULT_EARLY_STOPPING_ROUNDS;
  const mode: ClassWeightMode =
    (algo === 'gbdt' ? o.gbdt?.classWeight : o.logreg?.classWeight) ?? o.classWeight ?? 'auto';
  if (algo === 'gbdt' ? esRounds === 0 : o.earlyStoppingRounds === 0) {
    // No validation days to choose on: 'auto' is 'none' (calibrated probabilities; weighting only on evidence).
    const cw = mode === 'auto' ? 'none' : mode;
    const oc = withClassWeight(o, cw);
    const model = fitAll({ ...oc, gbdt: { ...oc.gbdt, earlyStoppingRounds: 0 } });
    const reason = mode === 'auto' ? 'no validation period: none by default' : 'given';
    return { model, training: { class_weight: { mode, chosen: cw, reason } }, Xtrain };
  }
  const vs = validationSplit(ds, train, o);
  if (info) Object.assign(info, vs.info);
  const yByRow = new Uint8Array(ds.nRows);
  train.forEach((r, i) => {
    yByRow[r] = ytrain[i]!;
  });
  const yOf = (rows: Uint32Array) => Uint8Array.from(rows, (r) => yByRow[r]!);
  const Xfit = selectColumnMajor(ds, vs.fit);
  const validation = { X: selectColumnMajor(ds, vs.valid), y: yOf(vs.valid) };
  const fitWith = (cw: ClassWeight) => {
    const oc = withClassWeight(o, cw);
    const model = fitModel(
      Xfit,
      vs.fit.length,
      ds.nCols,
      yOf(vs.fit),
      ds.featureNames,
      algo,
      { ...oc, gbdt: { ...oc.gbdt, earlyStoppingRounds: esRounds } },
      validation,
      o.logregMinZ ?? DEFAULT_LOGREG_MIN_Z,
    );
    const scores = model.predictProba(columnMajor(validation.X, validation.y.length, ds.nCols));
    return { cw, oc, model, scores };
  };
  let best: ReturnType<typeof fitWith>;
  let choice: ClassWeightChoice;
  if (mode === 'auto') {
    const none = fitWith('none');
    const balanced = fitWith('balanced');
    const cmp = apImprovementZ(validation.y, none.scores, balanced.scores);
    choice = chooseClassWeight(cmp, o.classWeightMinZ ?? DEFAULT_CLASS_WEIGHT_MIN_Z);
    best = choice.chosen === 'balanced' ? balanced : none;
  } else {
    best = fitWith(mode);
    const validAp = averagePrecision(validation.y, best.scores);
    choice = { mode, chosen: mode, reason: 'given', valid_ap: { [mode]: validAp } };
  }
  const selected = best.model;
  o = best.oc;
  // What validation chose, and how to refit it on the whole period (null: nothing worth refitting).
  let training: Record<string, unknown>;
  let refit: { params: Parameters<typeof fitAll>[0]; trees?: number } | null;
  if (algo === 'logreg') {
    const v = (selected as LogisticModel).validation!;
    training = { ...summarizeLogRegValidation(v) };
    refit = v.kept ? { params: o } : null;
  } else {
    const es = selected as GbdtModel;
    training = { ...summarizeTraining(es.trainInfo!, es.params) };
    const trees = es.trainInfo!.bestIteration ?? 0;
    refit =
      trees > 0
        ? { params: { ...o, gbdt: { ...o.gbdt, nTrees: trees, earlyStoppingRounds: 0 } }, trees }
        : null;
  }
  training.class_weight = choice;
  if (!refit || o.refit === false) {
    training.refit = null;
    return { model: selected, training, Xtrain };
  }
  training.refit = { rows: train.length, ...(refit.trees !== undefined && { trees: refit.trees }) };
  return { model: fitAll(refit.params), training, Xtrain };
}

/** Training options with the class weight set in the algorithm's params. */
function withClassWeight<T extends Pick<TrainOptions, 'gbdt' | 'logreg'>>(o: T, cw: ClassWeight): T {
  return { ...o, gbdt: { ...o.gbdt, classWeight: cw }, logreg: { ...o.logreg, classWeight: cw } };
}

export interface TrainResult {
  file: FraudModelFile;
  /** The test period's report; null with `testDays: 0` (every row trains). */
  report: EvaluationReport | null;
  split: SplitInfo;
  seconds: { features: number; fit: number; total: number };
}

export async function trainFromFile(o: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const label = o.label ?? 'is_fraud';
  const say = o.onProgress ?? (() => {});
  say(`reading ${o.data}`);
  const ds = await loadDataset(o.data, {
    label,
    features: o.features,
    featureVersion: o.featureVersion,
    timeColumn: o.timeColumn,
    entityColumn: o.entityColumn,
    limit: o.limit,
    onRows: (n) => say(`  ${n.toLocaleString('en-US')} rows`),
  });
  const t1 = performance.now();
  say(`features: ${ds.nRows} rows × ${ds.nCols} in ${((t1 - t0) / 1000).toFixed(1)} s`);
  const algo = o.algo ?? 'gbdt';
  const validates =
    (algo === 'gbdt' ? (o.gbdt?.earlyStoppingRounds ?? o.earlyStoppingRounds) : o.earlyStoppingRounds) !== 0;
  const { train, test, info } = splitDataset(ds, {
    testDays: o.testDays,
    gapDays: o.gapDays,
    minTrainDays: validates ? (o.validDays ?? 1) + 1 : 1,
  });
  const yReal = Uint8Array.from(train, (r) => ds.y[r]!);
  const ytrain = o.shuffleLabelsSeed === undefined ? yReal : shuffledLabels(yReal, o.shuffleLabelsSeed);
  let pos = 0;
  for (const v of ytrain) pos += v;
  if (pos === 0 || pos === ytrain.length)
    throw new DatasetError(
      `the training period has only one class (${pos} positives in ${ytrain.length} rows)`,
    );
  say(`fitting ${algo} on ${train.length} rows${validates ? ' (with a validation period)' : ''}`);
  const { model, training, Xtrain } = fitTrainingPeriod(ds, train, ytrain, algo, o, info);
  const t2 = performance.now();
  say(`fitted in ${((t2 - t1) / 1000).toFixed(1)} s`);
  let report: EvaluationReport | null = null;
  if (test.length > 0) {
    say(`scoring the test period: ${test.length} rows`);
    const probs = model.predictProba(columnMajor(selectColumnMajor(ds, test), test.length, ds.nCols));
    report = evaluateRows(ds, test, probs, o);
  }
  const createdAt = o.createdAt ?? new Date().toISOString();
  const hash = hashTrainingData(columnMajor(Xtrain, train.length, ds.nCols), ytrain);
  const base = modelToJson(model, {
    createdAt,
    trainingDataHash: hash,
    training,
    metrics: report
      ? {
          test_rows: report.rows,
          test_frauds: report.frauds,
          roc_auc: report.roc_auc,
          average_precision: report.average_precision,
          threshold: report.at_threshold.threshold,
          precision: report.at_threshold.precision,
          recall: report.at_threshold.recall,
          f1: report.at_threshold.f1,
          card_precision_at_k: report.card_precision_at_k?.mean ?? null,
          k: report.card_precision_at_k?.k ?? null,
        }
      : {},
  });
  const file: FraudModelFile = {
    ...base,
    fraud: {
      model_version: `${algo}-${createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${hash.slice(7, 15)}`,
      feature_spec: ds.spec,
      label,
      thresholds: { ...DEFAULT_THRESHOLDS },
      split: {
        ...info,
        source: basename(o.data),
        time_column: ds.timeColumn,
        entity_column: ds.entityColumn,
        ...(o.shuffleLabelsSeed !== undefined ? { shuffled_labels_seed: o.shuffleLabelsSeed } : {}),
      },
      reference_profile: featureProfile(ds, train),
    },
  };
  return {
    file,
    report,
    split: info,
    seconds: { features: (t1 - t0) / 1000, fit: (t2 - t1) / 1000, total: (performance.now() - t0) / 1000 },
  };
}

/** JSON text with NaN/±Infinity as null (the model library's metrics must be finite or null). */
export function modelFileText(file: FraudModelFile): string {
  return JSON.stringify(file, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** Write atomically: temp file in the same directory, then rename. */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

export interface LoadedModel {
  model: Model;
  file: FraudModelFile;
  version: string;
  spec: FeatureSpec;
  thresholds: Thresholds;
}

/** Parse and validate a model file written by `train` (a plain @polymorph/gbdt file also loads). */
export function loadModelText(text: string): LoadedModel {
  let parsed: ReturnType<typeof parseModel>;
  try {
    parsed = parseModel(text);
  } catch (e) {
    throw new ModelLoadError((e as Error).message);
  }
  const file = parsed.file as FraudModelFile;
  const ext = (file as Partial<FraudModelFile>).fraud;
  const spec: FeatureSpec = ext?.feature_spec ?? {
    kind: 'columns',
    columns: file.feature_names,
    categorical: {},
  };
  if (spec.kind !== 'synfinance-history' && spec.kind !== 'columns')
    throw new ModelLoadError(`unknown feature_spec kind`);
  if (spec.kind === 'synfinance-history' && spec.version !== 1 && spec.version !== 2)
    throw new ModelLoadError(`unsupported feature_spec version ${spec.version}`);
  const th = ext?.thresholds ?? DEFAULT_THRESHOLDS;
  if (!(th.review >= 0 && th.review <= th.block && th.block <= 1))
    throw new ModelLoadError('thresholds must satisfy 0 <= review <= block <= 1');
  return {
    model: parsed.model,
    file,
    version: ext?.model_version ?? `${file.algo}-${file.created_at}`,
    spec,
    thresholds: th,
  };
}

export function loadModelFile(path: string): LoadedModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ModelLoadError(
      `cannot read model ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return loadModelText(text);
}

export interface EvaluateOptions {
  model: string;
  data: string;
  label?: string;
  /** Default: the model's time column when the table has it, else detected as `train` does. */
  timeColumn?: string;
  /** Default: the model's entity column when the table has it, else `customer_id` when present. */
  entityColumn?: string;
  /**
   * Evaluate only the last N days of the table: earlier rows are history for the features, and the
   * entities with a fraud in them are known compromised and left out.
   */
  testDays?: number;
  threshold?: number;
  costFn?: number | 'amount';
  costFp?: number;
  limit?: number;
}

export interface EvaluateResult {
  report: EvaluationReport;
  /** Evaluated rows (indexes into `dataset`) and their predicted probabilities. */
  rows: Uint32Array;
  probs: Float64Array;
  dataset: Dataset;
  loaded: LoadedModel;
  version: string;
  /** The evaluated days as ISO dates (null without a time column). */
  dates: [string, string] | null;
  /** Rows left out as known compromised (null: every row evaluated, or no entity column). */
  removedKnownCompromised: number | null;
}

export async function evaluateFile(o: EvaluateOptions): Promise<EvaluateResult> {
  const lm = loadModelFile(o.model);
  const label = o.label ?? lm.file.fraud?.label ?? 'is_fraud';
  const saved = (k: string) => {
    const v = lm.file.fraud?.split?.[k];
    return typeof v === 'string' ? v : undefined;
  };
  const ds = await loadDataset(o.data, {
    label,
    spec: lm.spec,
    timeColumn: o.timeColumn,
    entityColumn: o.entityColumn,
    preferred: { time: saved('time_column'), entity: saved('entity_column') },
    limit: o.limit,
  });
  if (ds.featureNames.join('\u0000') !== lm.file.feature_names.join('\u0000')) {
    throw new DatasetError('the table gives different features from the model');
  }
  let rows: Uint32Array = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
  let removed: number | null = null;
  if (o.testDays !== undefined) ({ rows, removed } = lastDaysRows(ds, o.testDays));
  if (rows.length === 0) throw new DatasetError('no rows left to evaluate');
  const probs = lm.model.predictProba(columnMajor(selectColumnMajor(ds, rows), rows.length, ds.nCols));
  let dates: [string, string] | null = null;
  if (ds.days) {
    let [min, max] = [Infinity, -Infinity];
    for (const r of rows) [min, max] = [Math.min(min, ds.days[r]!), Math.max(max, ds.days[r]!)];
    dates = [isoDay(min), isoDay(max)];
  }
  return {
    report: evaluateRows(ds, rows, probs, o),
    rows,
    probs: Float64Array.from(probs),
    dataset: ds,
    loaded: lm,
    version: lm.version,
    dates,
    removedKnownCompromised: removed,
  };
}

/** Labels permuted by a seeded Fisher-Yates shuffle (the shuffled-label control: ROC AUC must be ~0.5). */
export function shuffledLabels(y: Uint8Array, seed: number): Uint8Array {
  const out = y.slice();
  const rng = new Rng(seed >>> 0);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
