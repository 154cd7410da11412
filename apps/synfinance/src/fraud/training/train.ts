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
import { timeBasedSplit } from '../evaluation/split.ts';
import {
  type Dataset,
  DatasetError,
  type FeatureSpec,
  loadDataset,
  selectColumnMajor,
} from '../features/dataset.ts';

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
  /** Time column for the day split (default `timestamp` when the table has one). */
  timeColumn?: string;
  algo?: 'gbdt' | 'logreg';
  gbdt?: Partial<GbdtParams>;
  logreg?: Partial<LogRegParams>;
  testDays?: number;
  gapDays?: number;
  /** Row-order split share when the table has no time column. */
  testFraction?: number;
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
  /** Row-order validation share of the training rows when the table has no time column (default 0.15). */
  validFraction?: number;
  /**
   * Class weighting of the fit: 'none', 'balanced' (both classes the same total weight), or 'auto':
   * with a validation period, fit both and keep the one with the higher validation AP (ties: 'none');
   * without one, 'none'. Default 'none' for the GBDT, 'balanced' for logistic regression. A
   * classWeight in `gbdt`/`logreg` params wins over this.
   */
  classWeight?: 'none' | 'balanced' | 'auto';
  /** Control run: train on labels permuted with this seed (the test report uses the real labels). */
  shuffleLabelsSeed?: number;
  /** ISO time for created_at (tests pass a fixed one); default now. */
  createdAt?: string;
}

export interface SplitInfo {
  kind: 'time' | 'row-order';
  train_rows: number;
  test_rows: number;
  train_days?: [number, number];
  test_days?: [number, number];
  gap_days?: number;
  test_fraction?: number;
  /** With validation (GBDT early stopping, logistic regression's check): the rows that fit the model and the held-out validation rows. */
  fit_rows?: number;
  valid_rows?: number;
  valid_days?: [number, number];
  valid_fraction?: number;
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
  opts: { validDays?: number; validFraction?: number },
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
        `the training period spans ${span} days: --valid-days ${vd} leaves none to fit the trees`,
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
  const f = opts.validFraction ?? DEFAULT_VALID_SHARE;
  const nValid = Math.max(1, Math.round(train.length * f));
  if (nValid >= train.length) throw new DatasetError('too few training rows for a validation part');
  const fit = train.slice(0, train.length - nValid);
  const valid = train.slice(train.length - nValid);
  return { fit, valid, info: { fit_rows: fit.length, valid_rows: valid.length, valid_fraction: f } };
}

/** Split rows: by day when the table has days, else by row order. */
export function splitDataset(
  ds: Dataset,
  opts: { testDays?: number; gapDays?: number; testFraction?: number },
): { train: Uint32Array; test: Uint32Array; info: SplitInfo } {
  if (ds.days) {
    let min = Infinity;
    let max = -Infinity;
    for (const d of ds.days) {
      if (d < min) min = d;
      if (d > max) max = d;
    }
    const span = max - min + 1;
    const testDays = opts.testDays ?? Math.max(1, Math.round(span * 0.3));
    let gap = opts.gapDays ?? Math.min(7, Math.max(0, span - testDays - 1));
    if (opts.gapDays === undefined) gap = Math.max(0, gap);
    const trainDays = span - testDays - gap;
    if (trainDays < 1) {
      throw new DatasetError(
        `the table spans ${span} days: --test-days ${testDays} and --gap-days ${gap} leave no training days`,
      );
    }
    const s = timeBasedSplit(ds.days, { trainDays, gapDays: gap, testDays });
    if (s.test.length === 0) throw new DatasetError('the test period has no rows');
    return {
      train: s.train,
      test: s.test,
      info: {
        kind: 'time',
        train_rows: s.train.length,
        test_rows: s.test.length,
        train_days: s.trainRange,
        test_days: s.testRange,
        gap_days: gap,
      },
    };
  }
  const f = opts.testFraction ?? 0.2;
  const nTest = Math.max(1, Math.round(ds.nRows * f));
  const nTrain = ds.nRows - nTest;
  if (nTrain < 1) throw new DatasetError('too few rows to split');
  const idx = (a: number, b: number) => Uint32Array.from({ length: b - a }, (_, i) => a + i);
  return {
    train: idx(0, nTrain),
    test: idx(nTrain, ds.nRows),
    info: { kind: 'row-order', train_rows: nTrain, test_rows: nTest, test_fraction: f },
  };
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
    | 'validFraction'
    | 'refit'
    | 'logregMinZ'
    | 'classWeight'
  >,
  info?: SplitInfo,
): { model: Model; training?: Record<string, unknown>; Xtrain: Float64Array } {
  const Xtrain = selectColumnMajor(ds, train);
  const fitAll = (params: Parameters<typeof fitModel>[6]) =>
    fitModel(Xtrain, train.length, ds.nCols, ytrain, ds.featureNames, algo, params);
  const esRounds = o.gbdt?.earlyStoppingRounds ?? o.earlyStoppingRounds ?? DEFAULT_EARLY_STOPPING_ROUNDS;
  // Default: as before (GBDT unweighted, logistic regression balanced); 'auto' is opt-in because picking
  // the better of two fits on validation AP let chance trees through on shuffled labels (train.test.ts).
  const explicit =
    (algo === 'gbdt' ? o.gbdt?.classWeight : o.logreg?.classWeight) ??
    o.classWeight ??
    (algo === 'gbdt' ? 'none' : 'balanced');
  if (algo === 'gbdt' ? esRounds === 0 : o.earlyStoppingRounds === 0) {
    const cw = explicit === 'auto' ? 'none' : explicit;
    return {
      model: fitAll({
        ...withClassWeight(o, cw),
        gbdt: { ...withClassWeight(o, cw).gbdt, earlyStoppingRounds: 0 },
      }),
      Xtrain,
    };
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
  const fitWith = (cw: 'none' | 'balanced') => {
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
    const validAp = averagePrecision(
      validation.y,
      model.predictProba(columnMajor(validation.X, validation.y.length, ds.nCols)),
    );
    return { cw, oc, model, validAp };
  };
  const candidates = explicit === 'auto' ? [fitWith('none'), fitWith('balanced')] : [fitWith(explicit)];
  // The higher validation AP; on a tie the first, 'none'.
  const best = candidates.reduce((a, b) => (b.validAp > a.validAp ? b : a));
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
    const best = es.trainInfo!.bestIteration ?? 0;
    refit =
      best > 0
        ? { params: { ...o, gbdt: { ...o.gbdt, nTrees: best, earlyStoppingRounds: 0 } }, trees: best }
        : null;
  }
  training.class_weight = {
    chosen: best.cw,
    mode: explicit,
    valid_ap: Object.fromEntries(candidates.map((c) => [c.cw, c.validAp])),
  };
  if (!refit || o.refit === false) {
    training.refit = null;
    return { model: selected, training, Xtrain };
  }
  training.refit = { rows: train.length, ...(refit.trees !== undefined && { trees: refit.trees }) };
  return { model: fitAll(refit.params), training, Xtrain };
}

/** Training options with the class weight set in the algorithm's params. */
function withClassWeight<T extends Pick<TrainOptions, 'gbdt' | 'logreg'>>(o: T, cw: 'none' | 'balanced'): T {
  return { ...o, gbdt: { ...o.gbdt, classWeight: cw }, logreg: { ...o.logreg, classWeight: cw } };
}

export interface TrainResult {
  file: FraudModelFile;
  report: EvaluationReport;
  split: SplitInfo;
  seconds: { features: number; fit: number; total: number };
}

export async function trainFromFile(o: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const label = o.label ?? 'is_fraud';
  const ds = await loadDataset(o.data, {
    label,
    features: o.features,
    timeColumn: o.timeColumn,
    limit: o.limit,
  });
  const t1 = performance.now();
  const { train, test, info } = splitDataset(ds, o);
  const yReal = Uint8Array.from(train, (r) => ds.y[r]!);
  const ytrain = o.shuffleLabelsSeed === undefined ? yReal : shuffledLabels(yReal, o.shuffleLabelsSeed);
  let pos = 0;
  for (const v of ytrain) pos += v;
  if (pos === 0 || pos === ytrain.length)
    throw new DatasetError(
      `the training period has only one class (${pos} positives in ${ytrain.length} rows)`,
    );
  const algo = o.algo ?? 'gbdt';
  const { model, training, Xtrain } = fitTrainingPeriod(ds, train, ytrain, algo, o, info);
  const t2 = performance.now();
  const probs = model.predictProba(columnMajor(selectColumnMajor(ds, test), test.length, ds.nCols));
  const report = evaluateRows(ds, test, probs, o);
  const createdAt = o.createdAt ?? new Date().toISOString();
  const hash = hashTrainingData(columnMajor(Xtrain, train.length, ds.nCols), ytrain);
  const base = modelToJson(model, {
    createdAt,
    trainingDataHash: hash,
    training,
    metrics: {
      test_rows: report.rows,
      test_frauds: report.frauds,
      roc_auc: report.roc_auc,
      average_precision: report.average_precision,
      threshold: report.at_threshold.threshold,
      precision: report.at_threshold.precision,
      recall: report.at_threshold.recall,
      f1: report.at_threshold.f1,
    },
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
export function writeFileAtomic(path: string, text: string): void {
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
  if (spec.kind === 'synfinance-history' && spec.version !== 1)
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
  timeColumn?: string;
  /** Evaluate only the last N days of the table (features still use the earlier days as history). */
  testDays?: number;
  threshold?: number;
  costFn?: number | 'amount';
  costFp?: number;
  limit?: number;
}

export async function evaluateFile(
  o: EvaluateOptions,
): Promise<{ report: EvaluationReport; rows: number; version: string }> {
  const lm = loadModelFile(o.model);
  const label = o.label ?? lm.file.fraud?.label ?? 'is_fraud';
  const savedTime = lm.file.fraud?.split?.time_column;
  const timeColumn = o.timeColumn ?? (typeof savedTime === 'string' ? savedTime : undefined);
  const ds = await loadDataset(o.data, { label, spec: lm.spec, timeColumn, limit: o.limit });
  if (ds.featureNames.join('\u0000') !== lm.file.feature_names.join('\u0000')) {
    throw new DatasetError('the table gives different features from the model');
  }
  let rows: Uint32Array;
  if (o.testDays !== undefined) {
    if (!ds.days) throw new DatasetError('--test-days needs a time column');
    let max = -Infinity;
    for (const d of ds.days) if (d > max) max = d;
    const from = max - o.testDays + 1;
    rows = Uint32Array.from(ds.days.keys()).filter((i) => ds.days![i]! >= from);
  } else rows = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
  const probs = lm.model.predictProba(columnMajor(selectColumnMajor(ds, rows), rows.length, ds.nCols));
  return { report: evaluateRows(ds, rows, probs, o), rows: rows.length, version: lm.version };
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
