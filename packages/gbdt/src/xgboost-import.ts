import { type GbdtArrays, GbdtModel, resolveGbdtParams } from './gbdt.ts';
import { ModelFormatError } from './model-io.ts';

/**
 * Import a binary-classification XGBoost model saved as JSON (`Booster.save_model('m.json')`,
 * XGBoost 1.x/2.x `gbtree`, objective `binary:logistic`, `binary:logitraw` or `reg:logistic`) into a
 * GbdtModel that scores, explains and saves like a model trained here.
 *
 * - XGBoost sends a row left when float32(value) < condition; we send it left when value <= threshold
 *   (in float64). The threshold is the largest double whose float32 rounding is below the condition, so
 *   both agree on every input, not only on the values XGBoost saw.
 * - Missing values (NaN) follow XGBoost's `default_left`.
 * - Internal node values (used by the path contributions, the API's reasons) are the cover-weighted
 *   means of their children, as XGBoost's own approximate contributions (`approx_contribs`).
 * - The base score is XGBoost's `base_score` (a probability for the logistic objectives).
 * - Categorical splits, multi-class models, DART and linear boosters are refused with a clear error.
 */
export interface XgboostImport {
  model: GbdtModel;
  /** What the file said about itself, kept in our model file's `training` object. */
  source: { format: 'xgboost-json'; version: number[] | null; objective: string; trees: number };
}

type Json = Record<string, unknown>;

const fail = (msg: string): never => {
  throw new ModelFormatError(`XGBoost model: ${msg}`);
};

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${path} must be an object`);
  return v as Json;
}

function nums(v: unknown, path: string, n?: number): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
    return fail(`${path} must be an array of finite numbers`);
  if (n !== undefined && v.length !== n) fail(`${path} has ${v.length} entries, expected ${n}`);
  return v as number[];
}

export function importXgboostJson(text: string, featureNames?: readonly string[]): XgboostImport {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message}); save it with Booster.save_model('m.json')`);
  }
  const learner = obj(obj(root, 'root').learner, 'learner');
  const objective = String(obj(learner.objective, 'learner.objective').name);
  if (!['binary:logistic', 'binary:logitraw', 'reg:logistic'].includes(objective))
    fail(`objective ${objective} is not supported (binary:logistic, binary:logitraw, reg:logistic)`);
  const mp = obj(learner.learner_model_param, 'learner.learner_model_param');
  if (Number(mp.num_class ?? 0) > 1) fail('multi-class models are not supported');
  const booster = obj(learner.gradient_booster, 'learner.gradient_booster');
  if (booster.name !== 'gbtree') fail(`booster ${String(booster.name)} is not supported (gbtree only)`);
  const trees = obj(booster.model, 'gradient_booster.model').trees;
  if (!Array.isArray(trees)) return fail('gradient_booster.model.trees must be an array');

  const nFeatures = Number(mp.num_feature);
  if (!Number.isInteger(nFeatures) || nFeatures < 1) fail('num_feature must be a positive integer');
  const names = resolveNames(learner.feature_names, nFeatures, featureNames);
  const bs = Number(mp.base_score);
  if (!Number.isFinite(bs)) fail('base_score must be a number');
  const logistic = objective !== 'binary:logitraw';
  if (logistic && !(bs > 0 && bs < 1)) fail(`base_score ${bs} must be a probability in (0, 1)`);
  const baseScore = logistic ? Math.log(Math.fround(bs) / (1 - Math.fround(bs))) : bs;

  const converted = trees.map((t, i) => convertTree(obj(t, `trees[${i}]`), `trees[${i}]`, nFeatures));
  const arrays = concat(baseScore, converted);
  const version = Array.isArray(learner.version)
    ? (learner.version as number[])
    : Array.isArray((root as Json).version)
      ? ((root as Json).version as number[])
      : null;
  const params = resolveGbdtParams({ nTrees: Math.max(1, trees.length), maxBins: 256, minSamplesLeaf: 1 });
  return {
    model: new GbdtModel(names, params, arrays),
    source: { format: 'xgboost-json', version, objective, trees: trees.length },
  };
}

function resolveNames(inFile: unknown, n: number, given?: readonly string[]): string[] {
  const fileNames = Array.isArray(inFile) && inFile.length > 0 ? inFile.map(String) : null;
  if (fileNames && fileNames.length !== n)
    fail(`feature_names has ${fileNames.length} names, num_feature ${n}`);
  if (given) {
    if (given.length !== n) fail(`the model has ${n} features, ${given.length} names were given`);
    if (fileNames?.some((x, i) => x !== given[i]))
      fail(`feature names differ: the file has ${fileNames.join(',')}`);
    return [...given];
  }
  return fileNames ?? Array.from({ length: n }, (_, i) => `f${i}`);
}

interface Tree {
  feature: number[];
  threshold: number[];
  left: number[];
  defaultLeft: number[];
  value: number[];
  gain: number[];
  cover: number[];
}

/** Re-lay one XGBoost tree breadth-first so that each right child directly follows its left child. */
function convertTree(t: Json, path: string, nFeatures: number): Tree {
  const lc = nums(t.left_children, `${path}.left_children`);
  const n = lc.length;
  const rc = nums(t.right_children, `${path}.right_children`, n);
  const si = nums(t.split_indices, `${path}.split_indices`, n);
  const sc = nums(t.split_conditions, `${path}.split_conditions`, n);
  const dl = nums(t.default_left, `${path}.default_left`, n);
  const lossChg = nums(t.loss_changes, `${path}.loss_changes`, n);
  const hess = nums(t.sum_hessian, `${path}.sum_hessian`, n);
  if (Array.isArray(t.split_type) && t.split_type.some((x) => x !== 0))
    fail(`${path} has categorical splits, which are not supported`);
  if (n === 0) fail(`${path} has no nodes`);
  const out: Tree = { feature: [], threshold: [], left: [], defaultLeft: [], value: [], gain: [], cover: [] };
  const order: number[] = [0];
  const seen = new Uint8Array(n);
  for (let k = 0; k < order.length; k++) {
    const x = order[k]!;
    if (seen[x]) fail(`${path} is not a tree (node ${x} reached twice)`);
    seen[x] = 1;
    const leaf = lc[x] === -1;
    out.cover.push(hess[x]!);
    if (leaf) {
      out.feature.push(-1);
      out.threshold.push(0);
      out.left.push(-1);
      out.defaultLeft.push(0);
      out.value.push(Math.fround(sc[x]!));
      out.gain.push(0);
      continue;
    }
    const l = lc[x]!;
    const r = rc[x]!;
    const f = si[x]!;
    if (![l, r].every((c) => Number.isInteger(c) && c > 0 && c < n))
      fail(`${path} node ${x}: child out of range`);
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) fail(`${path} node ${x}: feature ${f} out of range`);
    out.feature.push(f);
    out.threshold.push(float32LessAsDoubleLe(sc[x]!));
    out.left.push(order.length);
    out.defaultLeft.push(dl[x] ? 1 : 0);
    out.value.push(0);
    out.gain.push(lossChg[x]!);
    order.push(l, r);
  }
  // Internal values bottom-up (children come after parents): cover-weighted mean of the children.
  for (let k = out.feature.length - 1; k >= 0; k--) {
    if (out.feature[k]! < 0) continue;
    const a = out.left[k]!;
    const ca = out.cover[a]!;
    const cb = out.cover[a + 1]!;
    out.value[k] =
      ca + cb > 0
        ? (out.value[a]! * ca + out.value[a + 1]! * cb) / (ca + cb)
        : (out.value[a]! + out.value[a + 1]!) / 2;
  }
  return out;
}

function concat(baseScore: number, trees: Tree[]): GbdtArrays {
  const total = trees.reduce((s, t) => s + t.feature.length, 0);
  const a: GbdtArrays = {
    baseScore,
    roots: new Int32Array(trees.length),
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    left: new Int32Array(total),
    defaultLeft: new Uint8Array(total),
    value: new Float64Array(total),
    gain: new Float64Array(total),
    cover: new Float64Array(total),
    count: new Float64Array(total),
  };
  let off = 0;
  trees.forEach((t, i) => {
    a.roots[i] = off;
    a.feature.set(t.feature, off);
    a.threshold.set(t.threshold, off);
    a.left.set(
      t.left.map((l) => (l < 0 ? -1 : l + off)),
      off,
    );
    a.defaultLeft.set(t.defaultLeft, off);
    a.value.set(t.value, off);
    a.gain.set(t.gain, off);
    a.cover.set(t.cover, off);
    off += t.feature.length;
  });
  return a;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The largest float32 below c (c a finite float32). */
function prevFloat32(c: number): number {
  if (c === 0) return -(2 ** -149);
  f32[0] = c;
  u32[0] = c > 0 ? u32[0]! - 1 : u32[0]! + 1;
  return f32[0]!;
}

/** The largest double below x (x finite, not the most negative double). */
function prevDouble(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  f64[0] = x;
  u64[0] = x > 0 ? u64[0]! - 1n : u64[0]! + 1n;
  return f64[0]!;
}

/**
 * The threshold t such that, for every double v, v <= t exactly when Math.fround(v) < c: the
 * midpoint between c and the float32 below it, where round-to-nearest-even decides the tie.
 */
export function float32LessAsDoubleLe(cond: number): number {
  const c = Math.fround(cond);
  if (!Number.isFinite(c)) return fail(`split condition ${cond} is not a finite float32`);
  const p = prevFloat32(c);
  const m = p + (c - p) / 2;
  return Math.fround(m) === p ? m : prevDouble(m);
}
