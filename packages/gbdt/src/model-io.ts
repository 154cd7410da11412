import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { allocGbdtArrays, GbdtModel, resolveGbdtParams, summarizeTraining } from './gbdt.ts';
import {
  LogisticModel,
  type LogRegFitInfo,
  resolveLogRegParams,
  summarizeLogRegValidation,
} from './logreg.ts';
import type { Matrix } from './matrix.ts';

/**
 * Versioned JSON model files.
 *
 * {
 *   "format": "polymorph-model", "format_version": 1, "algo": "gbdt" | "logreg",
 *   "feature_names": [...], "params": {...}, "training_data_hash": "sha256:..." | null,
 *   "metrics": {...}, "created_at": "<ISO 8601, supplied by the caller>", "model": {...},
 *   "training": {...}   (optional: GBDT trees trained/kept, best iteration, validation curve;
 *                         logistic regression: kept or intercept-only after the validation check, z)
 * }

 * A GBDT may have zero trees (early stopping found no tree that beats the prior): it predicts the
 * base score for every row; a logistic regression may be intercept-only (all coefficients 0). Files
 * without `training` (written before it existed) load unchanged.
 *
 * The library never reads the clock: `createdAt` comes from the caller. Numbers are written with
 * JavaScript's shortest round-trip representation, so a loaded model predicts bit-identically.
 * Thresholds of +Infinity (a split of "any value" against missing) are written as null.
 */
export const MODEL_FORMAT = 'polymorph-model';
export const MODEL_FORMAT_VERSION = 1;

export type Model = GbdtModel | LogisticModel;

export interface ModelMeta {
  /** ISO 8601 timestamp supplied by the caller. */
  createdAt: string;
  trainingDataHash?: string | null;
  metrics?: Record<string, unknown>;
  /**
   * Training summary written as `training`. Default for a GBDT freshly trained with validation data:
   * `summarizeTraining(model.trainInfo, model.params)`. Models loaded from files carry no trainInfo:
   * pass `file.training` here to keep it when writing them again.
   */
  training?: Record<string, unknown>;
}

export interface GbdtTreeJson {
  feature: number[];
  threshold: Array<number | null>;
  left: number[];
  default_left: number[];
  value: number[];
  gain: number[];
  cover: number[];
  count: number[];
}

export interface ModelFileV1 {
  format: typeof MODEL_FORMAT;
  format_version: 1;
  algo: 'gbdt' | 'logreg';
  feature_names: string[];
  params: Record<string, unknown>;
  training_data_hash: string | null;
  metrics: Record<string, unknown>;
  created_at: string;
  model: Record<string, unknown>;
  /** Optional (absent in older files): how training went, e.g. best iteration and validation curve. */
  training?: Record<string, unknown>;
}

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

export function modelToJson(model: Model, meta: ModelMeta): ModelFileV1 {
  if (typeof meta.createdAt !== 'string' || Number.isNaN(Date.parse(meta.createdAt))) {
    throw new RangeError(`createdAt must be an ISO 8601 timestamp, got ${String(meta.createdAt)}`);
  }
  const head: Omit<ModelFileV1, 'model'> = {
    format: MODEL_FORMAT,
    format_version: 1,
    algo: model.algo,
    feature_names: [...model.featureNames],
    params: { ...model.params },
    training_data_hash: meta.trainingDataHash ?? null,
    metrics: meta.metrics ?? {},
    created_at: meta.createdAt,
  };
  const training =
    meta.training ??
    (model instanceof GbdtModel && model.trainInfo && model.trainInfo.validLossPrior !== null
      ? { ...summarizeTraining(model.trainInfo, model.params) }
      : model instanceof LogisticModel && model.validation
        ? { ...summarizeLogRegValidation(model.validation) }
        : undefined);
  if (training) head.training = training;
  if (model instanceof GbdtModel) {
    const a = model.trees;
    const trees: GbdtTreeJson[] = [];
    for (let t = 0; t < a.roots.length; t++) {
      const start = a.roots[t]!;
      const end = t + 1 < a.roots.length ? a.roots[t + 1]! : a.feature.length;
      const tj: GbdtTreeJson = {
        feature: [],
        threshold: [],
        left: [],
        default_left: [],
        value: [],
        gain: [],
        cover: [],
        count: [],
      };
      for (let k = start; k < end; k++) {
        const leaf = a.feature[k]! < 0;
        tj.feature.push(a.feature[k]!);
        const thr = a.threshold[k]!;
        tj.threshold.push(leaf ? 0 : thr === Number.POSITIVE_INFINITY ? null : thr);
        tj.left.push(leaf ? -1 : a.left[k]! - start);
        tj.default_left.push(a.defaultLeft[k]!);
        tj.value.push(a.value[k]!);
        tj.gain.push(a.gain[k]!);
        tj.cover.push(a.cover[k]!);
        tj.count.push(a.count[k]!);
      }
      trees.push(tj);
    }
    return { ...head, model: { base_score: a.baseScore, trees } };
  }
  return {
    ...head,
    model: {
      mean: [...model.mean],
      scale: [...model.scale],
      coef: [...model.coef],
      intercept: model.intercept,
      fit_info: { ...model.fitInfo },
    },
  };
}

export function stringifyModel(model: Model, meta: ModelMeta): string {
  return JSON.stringify(modelToJson(model, meta));
}

/** Write a model file atomically: temp file in the same directory, then rename. */
export function writeModelFile(path: string, model: Model, meta: ModelMeta): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, stringifyModel(model, meta));
  renameSync(tmp, path);
}

export function readModelFile(path: string): { model: Model; file: ModelFileV1 } {
  return parseModel(readFileSync(path, 'utf8'));
}

const fail = (msg: string): never => {
  throw new ModelFormatError(`invalid model file: ${msg}`);
};

function numArray(v: unknown, name: string, len?: number, allowNull = false): Array<number | null> {
  if (!Array.isArray(v)) return fail(`${name} must be an array`);
  if (len !== undefined && v.length !== len) fail(`${name} has ${v.length} entries, expected ${len}`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === null && allowNull) continue;
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${name}[${i}] is not a finite number`);
  }
  return v as Array<number | null>;
}

function finiteNum(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`${name} must be a finite number`);
  return v;
}

/** Parse and validate a model file (string or already-parsed JSON). Throws ModelFormatError. */
export function parseModel(input: string | unknown): { model: Model; file: ModelFileV1 } {
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch (e) {
      fail(`not JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return fail('top level must be an object');
  const f = obj as Record<string, unknown>;
  if (f.format !== MODEL_FORMAT) fail(`format must be "${MODEL_FORMAT}", got ${JSON.stringify(f.format)}`);
  if (f.format_version !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(
      `unsupported model format_version ${JSON.stringify(f.format_version)}; this library reads version ${MODEL_FORMAT_VERSION}`,
    );
  }
  if (f.algo !== 'gbdt' && f.algo !== 'logreg') fail(`unknown algo ${JSON.stringify(f.algo)}`);
  const names = f.feature_names;
  if (!Array.isArray(names) || names.length === 0 || names.some((x) => typeof x !== 'string')) {
    fail('feature_names must be a non-empty array of strings');
  }
  const featureNames = names as string[];
  if (new Set(featureNames).size !== featureNames.length) fail('feature_names contains duplicates');
  if (typeof f.params !== 'object' || f.params === null) fail('params must be an object');
  if (f.training_data_hash !== null && typeof f.training_data_hash !== 'string') {
    fail('training_data_hash must be a string or null');
  }
  if (typeof f.metrics !== 'object' || f.metrics === null || Array.isArray(f.metrics))
    fail('metrics must be an object');
  if (typeof f.created_at !== 'string' || Number.isNaN(Date.parse(f.created_at))) {
    fail('created_at must be an ISO 8601 timestamp');
  }
  if (typeof f.model !== 'object' || f.model === null) fail('model must be an object');
  if (
    f.training !== undefined &&
    (typeof f.training !== 'object' || f.training === null || Array.isArray(f.training))
  )
    fail('training must be an object when present');
  const body = f.model as Record<string, unknown>;
  const file = f as unknown as ModelFileV1;
  const nF = featureNames.length;
  let params: ReturnType<typeof resolveGbdtParams> | ReturnType<typeof resolveLogRegParams>;

  if (f.algo === 'gbdt') {
    try {
      params = resolveGbdtParams(f.params as never);
    } catch (e) {
      return fail(`params: ${(e as Error).message}`);
    }
    const base = finiteNum(body.base_score, 'model.base_score');
    // Zero trees is valid: early stopping kept the prior alone.
    if (!Array.isArray(body.trees)) return fail('model.trees must be an array');
    const trees = body.trees as unknown[];
    let total = 0;
    for (const t of trees) {
      const tj = t as Partial<GbdtTreeJson> | null;
      if (!tj || !Array.isArray(tj.feature) || tj.feature.length === 0)
        fail('each tree needs a non-empty feature array');
      total += (tj as GbdtTreeJson).feature.length;
    }
    const a = allocGbdtArrays(base, trees.length, total);
    let off = 0;
    trees.forEach((t, ti) => {
      const tj = t as GbdtTreeJson;
      const m = tj.feature.length;
      const p = `model.trees[${ti}]`;
      const feature = numArray(tj.feature, `${p}.feature`, m) as number[];
      const thr = numArray(tj.threshold, `${p}.threshold`, m, true);
      const left = numArray(tj.left, `${p}.left`, m) as number[];
      const dl = numArray(tj.default_left, `${p}.default_left`, m) as number[];
      const value = numArray(tj.value, `${p}.value`, m) as number[];
      const gain = numArray(tj.gain, `${p}.gain`, m) as number[];
      const cover = numArray(tj.cover, `${p}.cover`, m) as number[];
      const count = numArray(tj.count, `${p}.count`, m) as number[];
      a.roots[ti] = off;
      for (let k = 0; k < m; k++) {
        const fk = feature[k]!;
        if (!Number.isInteger(fk) || fk < -1 || fk >= nF) fail(`${p}.feature[${k}]=${fk} out of range`);
        if (fk >= 0) {
          const lk = left[k]!;
          // Children after their parent: rules out cycles, guarantees termination.
          if (!Number.isInteger(lk) || lk <= k || lk + 1 >= m) fail(`${p}.left[${k}]=${lk} out of range`);
          a.left[off + k] = off + lk;
        } else {
          a.left[off + k] = -1;
        }
        if (dl[k] !== 0 && dl[k] !== 1) fail(`${p}.default_left[${k}] must be 0 or 1`);
        a.feature[off + k] = fk;
        const tv = thr[k];
        a.threshold[off + k] = tv === null || tv === undefined ? Number.POSITIVE_INFINITY : tv;
        a.defaultLeft[off + k] = dl[k]!;
        a.value[off + k] = value[k]!;
        a.gain[off + k] = gain[k]!;
        a.cover[off + k] = cover[k]!;
        a.count[off + k] = count[k]!;
      }
      off += m;
    });
    return { model: new GbdtModel(featureNames, params, a), file };
  }

  try {
    params = resolveLogRegParams(f.params as never);
  } catch (e) {
    return fail(`params: ${(e as Error).message}`);
  }
  const mean = numArray(body.mean, 'model.mean', nF) as number[];
  const scale = numArray(body.scale, 'model.scale', nF) as number[];
  if (scale.some((s) => s <= 0)) fail('model.scale entries must be > 0');
  const coef = numArray(body.coef, 'model.coef', nF) as number[];
  const intercept = finiteNum(body.intercept, 'model.intercept');
  const fi = (body.fit_info ?? {}) as Partial<LogRegFitInfo>;
  const fitInfo: LogRegFitInfo = {
    iterations: typeof fi.iterations === 'number' ? fi.iterations : 0,
    converged: fi.converged === true,
    objective: typeof fi.objective === 'number' ? fi.objective : Number.NaN,
    gradMax: typeof fi.gradMax === 'number' ? fi.gradMax : Number.NaN,
  };
  return {
    model: new LogisticModel(
      featureNames,
      params,
      Float64Array.from(mean),
      Float64Array.from(scale),
      Float64Array.from(coef),
      intercept,
      fitInfo,
    ),
    file,
  };
}

/**
 * SHA-256 over the training matrix (as float64, column-major, little-endian) and labels, prefixed
 * "sha256:". Float32 and Float64 copies of the same values hash the same.
 */
export function hashTrainingData(X: Matrix, y: ArrayLike<number>): string {
  const h = createHash('sha256');
  h.update(`polymorph-train-v1:${X.nRows}x${X.nCols}\n`);
  const chunk = new Float64Array(65_536);
  const total = X.data.length;
  for (let off = 0; off < total; off += chunk.length) {
    const m = Math.min(chunk.length, total - off);
    for (let i = 0; i < m; i++) chunk[i] = X.data[off + i]!;
    h.update(new Uint8Array(chunk.buffer, 0, m * 8));
  }
  const yb = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) yb[i] = y[i]!;
  h.update(yb);
  return `sha256:${h.digest('hex')}`;
}
