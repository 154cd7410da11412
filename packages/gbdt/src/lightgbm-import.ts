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
 * Import a binary-classification LightGBM model saved as text (`Booster.save_model('m.txt')`, format
 * version v2 or later, objective `binary`) into a GbdtModel that scores, explains and saves like a
 * model trained here.
 *
 * - Numerical splits send a value left when value <= threshold, as LightGBM does (both in float64).
 * - Missing values follow LightGBM's prediction exactly: NaN and values within ±kZeroThreshold (1e-35f,
 *   which LightGBM's dense-input prediction turns into 0) take the split's default direction for
 *   missing type Zero (`zero_as_missing`), NaN takes it for missing type NaN, and for missing type None
 *   both are scored as 0. Where a Zero split's default direction disagrees with its threshold, the
 *   split becomes three of ours and its subtrees are copied.
 * - Leaf values already include the learning rate; the init score (boost_from_average) is in the first
 *   tree, so the base score is 0. `sigmoid:k` other than 1 is folded into the leaf values.
 * - Covers are LightGBM's hessian sums (leaf_weight, internal_weight), or its counts when absent;
 *   internal node values are the cover-weighted means of their children, as for XGBoost.
 * - Refused with an error naming what: categorical splits, multi-class and other objectives, linear
 *   trees, random forests (average_output), and anything malformed.
 */
export interface LightgbmImport {
  model: GbdtModel;
  /** What the file said about itself, kept in our model file's `training` object. */
  source: { format: 'lightgbm-text'; version: string; objective: string; trees: number };
}

const fail = failFor('LightGBM');

/** LightGBM's kZeroThreshold (a float, 1e-35f) as the double it is compared as. */
export const LIGHTGBM_ZERO = Math.fround(1e-35);
/** Our layout of one tree may not exceed this many nodes (Zero splits copy subtrees). */
const MAX_NODES = 1 << 20;

type Fields = Map<string, string>;

interface Sections {
  header: Fields;
  trees: Fields[];
}

/** Split the text into the header's key=value lines and each `Tree=i` section's. */
function sections(text: string): Sections {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== 'tree')
    fail(
      'not a LightGBM text model (its first line is not "tree"); save it with Booster.save_model("m.txt")',
    );
  const header: Fields = new Map();
  const trees: Fields[] = [];
  let cur = header;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === 'end of trees') return { header, trees };
    const eq = line.indexOf('=');
    if (eq < 0) {
      // A bare flag such as average_output.
      if (line !== '') cur.set(line, '');
      continue;
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'Tree') {
      if (value !== String(trees.length)) fail(`line ${i + 1}: Tree=${value}, expected Tree=${trees.length}`);
      cur = new Map();
      trees.push(cur);
      continue;
    }
    if (cur.has(key)) fail(`line ${i + 1}: ${key} appears twice in one section`);
    cur.set(key, value);
  }
  return fail('no "end of trees" line: the file is truncated or not a LightGBM text model');
}

function need(f: Fields, key: string, where: string): string {
  const v = f.get(key);
  if (v === undefined) fail(`${where} has no ${key}`);
  return v as string;
}

function numbers(f: Fields, key: string, where: string, n: number, int = false): number[] {
  const raw = need(f, key, where).trim();
  const parts = raw === '' ? [] : raw.split(/\s+/);
  if (parts.length !== n) fail(`${where} ${key} has ${parts.length} values, expected ${n}`);
  return parts.map((p) => {
    const x = Number(p);
    if (!Number.isFinite(x) || (int && !Number.isInteger(x)))
      fail(`${where} ${key}: ${p} is not a finite ${int ? 'integer' : 'number'}`);
    return x;
  });
}

function intField(f: Fields, key: string, where: string): number {
  const v = Number(need(f, key, where));
  if (!Number.isInteger(v)) fail(`${where} ${key} must be an integer`);
  return v;
}

export function importLightgbmText(text: string, featureNames?: readonly string[]): LightgbmImport {
  const { header, trees } = sections(text);
  const version = need(header, 'version', 'the header');
  if (!/^v([2-9]|\d\d+)$/.test(version)) fail(`format version ${version} is not supported (v2 or later)`);
  const numClass = intField(header, 'num_class', 'the header');
  const perIter = intField(header, 'num_tree_per_iteration', 'the header');
  if (numClass !== 1 || perIter !== 1)
    fail(`multi-class models are not supported (num_class=${numClass}, num_tree_per_iteration=${perIter})`);
  const objective = need(header, 'objective', 'the header').trim();
  const sigmoid = binarySigmoid(objective);
  if (header.has('average_output')) fail('random forest models (average_output) are not supported');
  const nFeatures = intField(header, 'max_feature_idx', 'the header') + 1;
  if (nFeatures < 1) fail('max_feature_idx must be >= 0');
  const fileNames = header.has('feature_names')
    ? need(header, 'feature_names', '').trim().split(/\s+/)
    : null;
  const names = resolveNames(fileNames, nFeatures, featureNames, fail);
  const sizes = header.get('tree_sizes');
  if (sizes !== undefined && sizes.trim().split(/\s+/).length !== trees.length)
    fail(`tree_sizes lists ${sizes.trim().split(/\s+/).length} trees, the file has ${trees.length}`);
  if (trees.length === 0) fail('the model has no trees');
  const converted = trees.map((t, i) => convertTree(t, `Tree=${i}`, nFeatures, sigmoid));
  return {
    model: importedModel(names, 0, converted),
    source: { format: 'lightgbm-text', version, objective, trees: trees.length },
  };
}

/** The k of `binary sigmoid:k` (LightGBM's probability is 1 / (1 + exp(-k * raw))). */
function binarySigmoid(objective: string): number {
  const [name, ...opts] = objective.split(/\s+/);
  if (name !== 'binary') fail(`objective ${objective} is not supported (binary only)`);
  const s = opts.find((o) => o.startsWith('sigmoid:'));
  const k = s === undefined ? 1 : Number(s.slice('sigmoid:'.length));
  if (!(Number.isFinite(k) && k > 0)) fail(`objective ${objective}: sigmoid must be a positive number`);
  return k;
}

interface LgbTree {
  feature: number[];
  threshold: number[];
  decision: number[];
  left: number[];
  right: number[];
  gain: number[];
  leafValue: number[];
  leafCover: number[];
  leafCount: number[];
  cover: number[];
  count: number[];
}

function readTree(f: Fields, where: string, nFeatures: number): LgbTree {
  const L = intField(f, 'num_leaves', where);
  if (L < 1) fail(`${where} num_leaves must be >= 1`);
  const numCat = f.has('num_cat') ? intField(f, 'num_cat', where) : 0;
  if (numCat !== 0) fail(`${where} has categorical splits (num_cat=${numCat}), which are not supported`);
  if (f.has('is_linear') && f.get('is_linear') !== '0')
    fail(`${where} is a linear tree, which is not supported`);
  const I = L - 1;
  const opt = (key: string, n: number) =>
    f.has(key) ? numbers(f, key, where, n) : new Array<number>(n).fill(0);
  const leafValue = numbers(f, 'leaf_value', where, L);
  if (I === 0) {
    // A single leaf (LightGBM reads nothing else of such a tree).
    const none: number[] = [];
    return {
      ...{ feature: none, threshold: none, decision: none, left: none, right: none, gain: none },
      ...{ cover: none, count: none, leafValue, leafCover: [0], leafCount: [0] },
    };
  }
  const t: LgbTree = {
    feature: numbers(f, 'split_feature', where, I, true),
    threshold: numbers(f, 'threshold', where, I),
    decision: numbers(f, 'decision_type', where, I, true),
    left: numbers(f, 'left_child', where, I, true),
    right: numbers(f, 'right_child', where, I, true),
    gain: opt('split_gain', I),
    leafValue,
    leafCount: opt('leaf_count', L),
    leafCover: f.has('leaf_weight') ? opt('leaf_weight', L) : opt('leaf_count', L),
    count: opt('internal_count', I),
    cover: f.has('internal_weight') ? opt('internal_weight', I) : opt('internal_count', I),
  };
  for (let i = 0; i < I; i++) {
    const d = t.decision[i]!;
    if (d & 1) fail(`${where} node ${i} is a categorical split, which is not supported`);
    if (((d >> 2) & 3) === 3) fail(`${where} node ${i}: decision_type ${d} has an unknown missing type`);
    const ft = t.feature[i]!;
    if (ft < 0 || ft >= nFeatures) fail(`${where} node ${i}: feature ${ft} out of range`);
  }
  checkIsTree(t, where);
  return t;
}

/** Every internal node and leaf is reached exactly once from node 0. */
function checkIsTree(t: LgbTree, where: string): void {
  const I = t.left.length;
  const seenNode = new Uint8Array(I);
  const seenLeaf = new Uint8Array(I + 1);
  const stack = [0];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (c < 0) {
      const j = ~c;
      if (j > I || seenLeaf[j]) fail(`${where} is not a tree (leaf ${j} out of range or reached twice)`);
      seenLeaf[j] = 1;
      continue;
    }
    if (c >= I || seenNode[c]) fail(`${where} is not a tree (node ${c} out of range or reached twice)`);
    seenNode[c] = 1;
    stack.push(t.left[c]!, t.right[c]!);
  }
  if (seenLeaf.some((s) => s === 0)) fail(`${where} is not a tree (a leaf is never reached)`);
}

/** A reference to a LightGBM node (>= 0 internal, < 0 leaf ~j), or one of the splits we add. */
type Ref = number | { added: ForeignNode<Ref> };

const MISSING_NONE = 0;
const MISSING_ZERO = 1;

function convertTree(f: Fields, where: string, nFeatures: number, sigmoid: number): ImportedTree {
  const t = readTree(f, where, nFeatures);
  const read = (r: Ref): ForeignNode<Ref> => {
    if (typeof r === 'object') return r.added;
    if (r < 0) {
      const j = ~r;
      return { leaf: true, value: t.leafValue[j]! * sigmoid, cover: t.leafCover[j]!, count: t.leafCount[j]! };
    }
    return splitOf(t, r);
  };
  const root: Ref = t.left.length === 0 ? -1 : 0;
  return layOutTree(root, read, MAX_NODES, (msg) =>
    fail(`${where}: ${msg} (zero_as_missing splits copy subtrees)`),
  );
}

/**
 * LightGBM node i as our splits. It sends x left when x <= threshold, except: NaN and |x| <= zero go
 * to `nanLeft` and `zeroLeft` (the default direction for missing type Zero; for None both are scored as
 * 0; for NaN, zero is scored as 0 and NaN takes the default direction).
 */
function splitOf(t: LgbTree, i: number): ForeignNode<Ref> {
  const d = t.decision[i]!;
  const type = (d >> 2) & 3;
  const defaultLeft = (d & 2) !== 0;
  const thr = t.threshold[i]!;
  const zeroByThreshold = 0 <= thr;
  const zeroLeft = type === MISSING_ZERO ? defaultLeft : zeroByThreshold;
  const nanLeft = type === MISSING_NONE ? zeroByThreshold : defaultLeft;
  const l: Ref = t.left[i]!;
  const r: Ref = t.right[i]!;
  const base = { leaf: false as const, feature: t.feature[i]!, cover: t.cover[i]!, count: t.count[i]! };
  const split = (threshold: number, left: Ref, right: Ref, gain = 0, dl = nanLeft): ForeignNode<Ref> => ({
    ...base,
    threshold,
    defaultLeft: dl,
    gain,
    left,
    right,
  });
  const gain = t.gain[i]!;
  const Z = LIGHTGBM_ZERO;
  if (thr >= Z && !zeroLeft) {
    // Below -zero: left; the zero band: right; above zero: the threshold decides.
    const above = { added: split(thr, l, r) };
    return split(prevDouble(-Z), l, { added: split(Z, r, above, 0, true) }, gain, false);
  }
  if (thr < -Z && zeroLeft) {
    // Below -zero: the threshold decides; the zero band: left; above zero: right.
    const below = { added: split(thr, l, r) };
    return split(prevDouble(-Z), below, { added: split(Z, l, r, 0, true) }, gain, false);
  }
  if (thr >= Z || thr < -Z) return split(thr, l, r, gain);
  // A threshold inside the zero band: the band goes one way with its neighbours on that side.
  return split(zeroLeft ? Z : prevDouble(-Z), l, r, gain);
}
