// What the importers of models trained elsewhere (XGBoost JSON, LightGBM text) share: laying a tree
// out in our flat node arrays, internal node values for the path contributions, feature names, and
// the GbdtModel they become.
import { allocGbdtArrays, type GbdtArrays, GbdtModel, resolveGbdtParams } from './gbdt.ts';
import { ModelFormatError } from './model-io.ts';

/** A tree in our layout (breadth-first, each right child directly after its left child). */
export interface ImportedTree {
  feature: number[];
  threshold: number[];
  left: number[];
  defaultLeft: number[];
  value: number[];
  gain: number[];
  cover: number[];
  count: number[];
}

/** One node of a foreign tree, as the importer reads it. */
export type ForeignNode<N> =
  | { leaf: true; value: number; cover: number; count: number }
  | {
      leaf: false;
      feature: number;
      /** Go left when value <= threshold. */
      threshold: number;
      /** Where NaN goes. */
      defaultLeft: boolean;
      gain: number;
      cover: number;
      count: number;
      left: N;
      right: N;
    };

/** A function that throws the importer's error (its message names the format). */
export type Fail = (msg: string) => never;

export function failFor(format: string): Fail {
  return (msg: string): never => {
    throw new ModelFormatError(`${format} model: ${msg}`);
  };
}

/**
 * Walk a foreign tree from its root breadth-first and lay it out as ours. `read` is called once per
 * visit, so a node reached twice is read twice (importers that must refuse that check it there).
 * Internal node values are the cover-weighted means of their children.
 */
export function layOutTree<N>(
  root: N,
  read: (n: N) => ForeignNode<N>,
  maxNodes: number,
  fail: Fail,
): ImportedTree {
  const out: ImportedTree = {
    feature: [],
    threshold: [],
    left: [],
    defaultLeft: [],
    value: [],
    gain: [],
    cover: [],
    count: [],
  };
  const order: N[] = [root];
  for (let k = 0; k < order.length; k++) {
    if (k >= maxNodes) fail(`a tree has more than ${maxNodes} nodes in our layout`);
    const n = read(order[k]!);
    out.cover.push(n.cover);
    out.count.push(n.count);
    if (n.leaf) {
      out.feature.push(-1);
      out.threshold.push(0);
      out.left.push(-1);
      out.defaultLeft.push(0);
      out.value.push(n.value);
      out.gain.push(0);
      continue;
    }
    out.feature.push(n.feature);
    out.threshold.push(n.threshold);
    out.left.push(order.length);
    out.defaultLeft.push(n.defaultLeft ? 1 : 0);
    out.value.push(0);
    out.gain.push(n.gain);
    order.push(n.left, n.right);
  }
  fillInternalValues(out);
  return out;
}

/** Internal values bottom-up (children come after parents): cover-weighted mean of the children. */
function fillInternalValues(t: ImportedTree): void {
  for (let k = t.feature.length - 1; k >= 0; k--) {
    if (t.feature[k]! < 0) continue;
    const a = t.left[k]!;
    const ca = t.cover[a]!;
    const cb = t.cover[a + 1]!;
    t.value[k] =
      ca + cb > 0
        ? (t.value[a]! * ca + t.value[a + 1]! * cb) / (ca + cb)
        : (t.value[a]! + t.value[a + 1]!) / 2;
  }
}

/**
 * The feature names of an imported model: those given (which must agree with the file's, when it has
 * any), else the file's, else f0, f1, ...
 */
export function resolveNames(
  fileNames: readonly string[] | null,
  n: number,
  given: readonly string[] | undefined,
  fail: Fail,
): string[] {
  if (fileNames && fileNames.length !== n)
    fail(`feature_names has ${fileNames.length} names, num_feature ${n}`);
  if (given) {
    if (given.length !== n) fail(`the model has ${n} features, ${given.length} names were given`);
    if (fileNames?.some((x, i) => x !== given[i]))
      fail(`feature names differ: the file has ${fileNames.join(',')}`);
    return [...given];
  }
  return fileNames ? [...fileNames] : Array.from({ length: n }, (_, i) => `f${i}`);
}

/** The trees (and base score, in log-odds) as a GbdtModel that scores, explains and saves like ours. */
export function importedModel(names: string[], baseScore: number, trees: ImportedTree[]): GbdtModel {
  const params = resolveGbdtParams({ nTrees: Math.max(1, trees.length), maxBins: 256, minSamplesLeaf: 1 });
  return new GbdtModel(names, params, concat(baseScore, trees));
}

function concat(baseScore: number, trees: ImportedTree[]): GbdtArrays {
  const total = trees.reduce((s, t) => s + t.feature.length, 0);
  const a = allocGbdtArrays(baseScore, trees.length, total);
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
    a.count.set(t.count, off);
    off += t.feature.length;
  });
  return a;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The largest double below x (x finite, not the most negative double). */
export function prevDouble(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  f64[0] = x;
  u64[0] = x > 0 ? u64[0]! - 1n : u64[0]! + 1n;
  return f64[0]!;
}
