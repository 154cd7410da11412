import type { GbdtModel } from './gbdt.ts';
import {
  type ForeignNode,
  failFor,
  type ImportedTree,
  importedModel,
  layOutTree,
  prevDouble,
  resolveNames,
} from './import-common.ts';

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

const fail = failFor('XGBoost');

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
  const inFile = learner.feature_names;
  const fileNames = Array.isArray(inFile) && inFile.length > 0 ? inFile.map(String) : null;
  const names = resolveNames(fileNames, nFeatures, featureNames, fail);
  const bs = Number(mp.base_score);
  if (!Number.isFinite(bs)) fail('base_score must be a number');
  const logistic = objective !== 'binary:logitraw';
  if (logistic && !(bs > 0 && bs < 1)) fail(`base_score ${bs} must be a probability in (0, 1)`);
  const baseScore = logistic ? Math.log(Math.fround(bs) / (1 - Math.fround(bs))) : bs;

  const converted = trees.map((t, i) => convertTree(obj(t, `trees[${i}]`), `trees[${i}]`, nFeatures));
  const version = Array.isArray(learner.version)
    ? (learner.version as number[])
    : Array.isArray((root as Json).version)
      ? ((root as Json).version as number[])
      : null;
  return {
    model: importedModel(names, baseScore, converted),
    source: { format: 'xgboost-json', version, objective, trees: trees.length },
  };
}

/** Re-lay one XGBoost tree breadth-first so that each right child directly follows its left child. */
function convertTree(t: Json, path: string, nFeatures: number): ImportedTree {
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
  const seen = new Uint8Array(n);
  const read = (x: number): ForeignNode<number> => {
    if (seen[x]) fail(`${path} is not a tree (node ${x} reached twice)`);
    seen[x] = 1;
    if (lc[x] === -1) return { leaf: true, value: Math.fround(sc[x]!), cover: hess[x]!, count: 0 };
    const l = lc[x]!;
    const r = rc[x]!;
    const f = si[x]!;
    if (![l, r].every((c) => Number.isInteger(c) && c > 0 && c < n))
      fail(`${path} node ${x}: child out of range`);
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) fail(`${path} node ${x}: feature ${f} out of range`);
    const threshold = float32LessAsDoubleLe(sc[x]!);
    return {
      leaf: false,
      feature: f,
      threshold,
      defaultLeft: dl[x] !== 0,
      gain: lossChg[x]!,
      cover: hess[x]!,
      count: 0,
      left: l,
      right: r,
    };
  };
  return layOutTree(0, read, n, fail);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest float32 below c (c a finite float32). */
function prevFloat32(c: number): number {
  if (c === 0) return -(2 ** -149);
  f32[0] = c;
  u32[0] = c > 0 ? u32[0]! - 1 : u32[0]! + 1;
  return f32[0]!;
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
