import { Rng } from '@polymorph/random/rng';
import { type BinMapper, binMatrix, fillGlobalBinRows, fitBins, globalBinRows } from './binning.ts';
import { sharedWasmMemory } from './hist-wasm.mjs';
import { type HistInputs, HistPool } from './hist-workers.ts';
import { logLoss, pairedZ, weightedLogOdds } from './loss.ts';
import { balancedClassWeights, balancedWeights, checkLabels, checkWeights, type Matrix } from './matrix.ts';

/**
 * Histogram gradient-boosted decision trees for binary classification (log-loss).
 *
 * Training: quantile bins fitted on the training data, binned columns stored as Uint8/Uint16,
 * depth-wise growth to `maxDepth`, per-node histograms of gradient/hessian/count, the histogram of the
 * larger child obtained by subtracting the smaller child's histogram from the parent's. Leaf values are
 * Newton steps -G/(H+lambda) times the learning rate.
 *
 * Missing values (NaN) have their own bin. Each split tries sending them left and right and keeps the
 * better direction (the learned default). If a node saw no missing values in training, NaN follows the
 * child with the larger hessian sum (the "majority" side).
 *
 * Prediction uses flat typed arrays (feature, threshold, left child, default direction, value); the right
 * child of node i is always left[i] + 1.
 */
export interface GbdtParams {
  /** Number of boosting rounds (trees). */
  nTrees: number;
  /** Maximum depth of each tree (root has depth 0; a depth-6 tree has at most 64 leaves). */
  maxDepth: number;
  learningRate: number;
  /** Minimum number of training rows in each leaf. */
  minSamplesLeaf: number;
  /** Minimum hessian sum in each leaf (like XGBoost's min_child_weight). */
  minHessianLeaf: number;
  /** Maximum number of value bins per feature (2..65535); NaN gets one extra bin. */
  maxBins: number;
  /** L2 regularisation on leaf values. */
  lambda: number;
  /**
   * Minimum loss reduction needed to split (XGBoost's gamma / min_split_loss, on the same scale:
   * gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)).
   */
  minSplitGain: number;
  /** Fraction of rows sampled (without replacement, Bernoulli) for each tree; 1 = all rows. */
  subsample: number;
  /** Fraction of features drawn (without replacement, seeded) for each tree; 1 = all features. */
  colsampleBytree: number;
  /**
   * Starting probability of every row (XGBoost's base_score), or null for the (weighted) positive
   * rate of the training labels.
   */
  baseScore: number | null;
  /** Seed for row subsampling and for the value sample used to fit bins on large data. */
  seed: number;
  /** 'balanced' weights the classes to equal total weight (multiplied into sample weights if given). */
  classWeight: 'none' | 'balanced';
  /**
   * Stop after this many trees without validation improvement and keep the trees up to the best
   * iteration, which may be 0 (the prior alone); 0 = off. Needs FitOptions.validation.
   */
  earlyStoppingRounds: number;
  /** A tree counts as an improvement only if it lowers the validation log-loss by more than this. */
  earlyStoppingMinDelta: number;
  /**
   * With early stopping: keep the trees only if, at the best iteration, they lower the validation
   * log-loss below the prior's by at least this many standard errors (paired over validation rows:
   * SE of the mean per-row loss difference); else keep 0 trees. Guards against keeping a few trees
   * that beat the prior on validation by chance (noise labels). 0 = off.
   */
  earlyStoppingMinZ: number;
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  nTrees: 100,
  maxDepth: 6,
  learningRate: 0.1,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  maxBins: 255,
  lambda: 1,
  minSplitGain: 0,
  subsample: 1,
  colsampleBytree: 1,
  baseScore: null,
  seed: 0,
  classWeight: 'none',
  earlyStoppingRounds: 0,
  earlyStoppingMinDelta: 0,
  earlyStoppingMinZ: 0,
};

export function resolveGbdtParams(p: Partial<GbdtParams> = {}): GbdtParams {
  const q: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...p };
  const bad = (name: string, v: unknown, rule: string): never => {
    throw new RangeError(`invalid GBDT parameter ${name}=${String(v)}: ${rule}`);
  };
  const int = (name: keyof GbdtParams, lo: number, hi: number) => {
    const v = q[name] as number;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      bad(name, v, `integer in [${lo}, ${hi}]`);
  };
  int('nTrees', 1, 100_000);
  int('maxDepth', 1, 20);
  int('minSamplesLeaf', 1, Number.MAX_SAFE_INTEGER);
  int('maxBins', 2, 65_534);
  int('seed', 0, 0xffffffff);
  int('earlyStoppingRounds', 0, 100_000);
  const num = (name: keyof GbdtParams, ok: (v: number) => boolean, rule: string) => {
    const v = q[name] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) bad(name, v, rule);
  };
  num('learningRate', (v) => v > 0 && v <= 1, 'must be in (0, 1]');
  num('minHessianLeaf', (v) => v >= 0, 'must be >= 0');
  num('lambda', (v) => v >= 0, 'must be >= 0');
  num('minSplitGain', (v) => v >= 0, 'must be >= 0');
  num('subsample', (v) => v > 0 && v <= 1, 'must be in (0, 1]');
  num('colsampleBytree', (v) => v > 0 && v <= 1, 'must be in (0, 1]');
  if (q.baseScore !== null) num('baseScore', (v) => v > 0 && v < 1, 'null or in (0, 1)');
  num('earlyStoppingMinDelta', (v) => v >= 0, 'must be >= 0');
  num('earlyStoppingMinZ', (v) => v >= 0, 'must be >= 0');
  if (q.classWeight !== 'none' && q.classWeight !== 'balanced')
    bad('classWeight', q.classWeight, "'none' or 'balanced'");
  for (const k of Object.keys(q)) {
    if (!(k in DEFAULT_GBDT_PARAMS))
      bad(k, (q as unknown as Record<string, unknown>)[k], 'unknown parameter');
  }
  return q;
}

export const sigmoid = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

/** Flat tree ensemble. Node arrays are shared by all trees; `roots[t]` is the first node of tree t. */
export interface GbdtArrays {
  baseScore: number;
  roots: Int32Array;
  /** Split feature, or -1 for a leaf. */
  feature: Int32Array;
  /** Go left when value <= threshold. May be +Infinity (split "any value" vs missing). */
  threshold: Float64Array;
  /** Left child index (right child is left + 1); -1 for leaves. */
  left: Int32Array;
  /** 1 if NaN goes left. */
  defaultLeft: Uint8Array;
  /** Node value in log-odds (learning rate applied); for internal nodes, the value it would have as a leaf. */
  value: Float64Array;
  /** Split gain (loss reduction) of internal nodes, 0 for leaves. */
  gain: Float64Array;
  /** Hessian sum of the training rows reaching the node. */
  cover: Float64Array;
  /** Training rows reaching the node (of the rows sampled for that tree). */
  count: Float64Array;
}

/** Zeroed arrays for `nTrees` trees of `nodes` nodes in all. */
export function allocGbdtArrays(baseScore: number, nTrees: number, nodes: number): GbdtArrays {
  return {
    baseScore,
    roots: new Int32Array(nTrees),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    left: new Int32Array(nodes),
    defaultLeft: new Uint8Array(nodes),
    value: new Float64Array(nodes),
    gain: new Float64Array(nodes),
    cover: new Float64Array(nodes),
    count: new Float64Array(nodes),
  };
}

export interface Contributions {
  /** Base log-odds plus every tree's root value: the prediction for an "average" row. */
  bias: number;
  /** Per-feature change in log-odds along the decision paths (Saabas); bias + sum = raw prediction. */
  values: Float64Array;
}

export class GbdtModel {
  readonly algo = 'gbdt' as const;

  constructor(
    readonly featureNames: readonly string[],
    readonly params: GbdtParams,
    readonly trees: GbdtArrays,
    /** Present on freshly trained models; not saved in model files. */
    readonly trainInfo?: GbdtTrainInfo,
  ) {}

  get nFeatures(): number {
    return this.featureNames.length;
  }

  get nTrees(): number {
    return this.trees.roots.length;
  }

  /** Raw score (log-odds) of a single row given as an array of feature values. */
  predictRawRow(row: ArrayLike<number>): number {
    const p = this.perfect();
    if (p) {
      const { depth, nTrees, feature, threshold, nanRight, leaf } = p;
      const NI = (1 << depth) - 1;
      const NL = 1 << depth;
      let sum = this.trees.baseScore;
      for (let t = 0; t < nTrees; t++) {
        const base = t * NI;
        let idx = 0;
        for (let l = 0; l < depth; l++) {
          const k = base + idx;
          const v = row[feature[k]!]!;
          const thr = threshold[k]!;
          idx = 2 * idx + 1 + (+(v > thr) | (nanRight[k]! & +!(v <= thr)));
        }
        sum += leaf[t * NL + idx - NI]!;
      }
      return sum;
    }
    return this.predictRawRowNodes(row);
  }

  /** Reference traversal over the flat node arrays (no padded layout); same result as predictRawRow. */
  predictRawRowNodes(row: ArrayLike<number>): number {
    const { roots, feature, threshold, left, defaultLeft, value } = this.trees;
    let sum = this.trees.baseScore;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      let f = feature[node]!;
      while (f >= 0) {
        const v = row[f]!;
        const thr = threshold[node]!;
        node = left[node]! + (v <= thr ? 0 : v > thr ? 1 : 1 - defaultLeft[node]!);
        f = feature[node]!;
      }
      sum += value[node]!;
    }
    return sum;
  }

  predictProbaRow(row: ArrayLike<number>): number {
    return sigmoid(this.predictRawRow(row));
  }

  private compiled: PerfectLayout | null | undefined;

  /**
   * The trees padded to complete binary trees of the ensemble's maximum depth (padding nodes send
   * everything left and copy the leaf value), so batch scoring can walk all trees level by level with
   * branch-free arithmetic. Built lazily; null when the trees are too deep for padding to pay off.
   */
  private perfect(): PerfectLayout | null {
    if (this.compiled === undefined) this.compiled = buildPerfectLayout(this.trees);
    return this.compiled;
  }

  /** Raw scores for every row of a column-major matrix. */
  predictRaw(X: Matrix, out: Float64Array = new Float64Array(X.nRows)): Float64Array {
    if (X.nCols !== this.nFeatures) {
      throw new RangeError(`matrix has ${X.nCols} columns, model expects ${this.nFeatures}`);
    }
    const perfect = X.nRows >= 64 ? this.perfect() : null;
    if (perfect) predictPerfect(perfect, this.trees.baseScore, X, out);
    else this.predictRawGeneral(X, out);
    return out;
  }

  /** Node-by-node traversal over blocks of rows (used for tiny batches and very deep trees). */
  private predictRawGeneral(X: Matrix, out: Float64Array): void {
    const { roots, feature, threshold, left, defaultLeft, value, baseScore } = this.trees;
    const { nRows, data } = X;
    const BLOCK = 256;
    const nT = roots.length;
    for (let start = 0; start < nRows; start += BLOCK) {
      const end = Math.min(nRows, start + BLOCK);
      for (let r = start; r < end; r++) out[r] = baseScore;
      for (let t = 0; t < nT; t++) {
        const root = roots[t]!;
        for (let r = start; r < end; r++) {
          let node = root;
          let f = feature[node]!;
          while (f >= 0) {
            const v = data[f * nRows + r]!;
            // NaN compares false: take the learned default direction (rare, well-predicted branch).
            node = left[node]! + (Number.isNaN(v) ? 1 - defaultLeft[node]! : v > threshold[node]! ? 1 : 0);
            f = feature[node]!;
          }
          out[r]! += value[node]!;
        }
      }
    }
  }

  predictProba(X: Matrix, out?: Float64Array): Float64Array {
    const raw = this.predictRaw(X, out);
    for (let i = 0; i < raw.length; i++) raw[i] = sigmoid(raw[i]!);
    return raw;
  }

  /**
   * Path-based (Saabas) contributions for one row: walking each tree from root to leaf, the change in
   * node value at each split is attributed to the split feature. bias + sum(values) equals the raw score.
   */
  contributionsRow(row: ArrayLike<number>): Contributions {
    const { roots, feature, threshold, left, defaultLeft, value } = this.trees;
    const values = new Float64Array(this.nFeatures);
    let bias = this.trees.baseScore;
    for (let t = 0; t < roots.length; t++) {
      let node = roots[t]!;
      bias += value[node]!;
      let f = feature[node]!;
      while (f >= 0) {
        const v = row[f]!;
        const thr = threshold[node]!;
        const next = left[node]! + (v <= thr ? 0 : v > thr ? 1 : 1 - defaultLeft[node]!);
        values[f]! += value[next]! - value[node]!;
        node = next;
        f = feature[node]!;
      }
    }
    return { bias, values };
  }

  /** Total split gain (or number of splits) per feature. */
  featureImportance(kind: 'gain' | 'split' = 'gain'): Float64Array {
    const imp = new Float64Array(this.nFeatures);
    const { feature, gain } = this.trees;
    for (let i = 0; i < feature.length; i++) {
      const f = feature[i]!;
      if (f >= 0) imp[f]! += kind === 'gain' ? gain[i]! : 1;
    }
    return imp;
  }
}

/** Complete-binary-tree layout of an ensemble, for batch scoring. */
interface PerfectLayout {
  depth: number;
  nTrees: number;
  /** Per tree, 2^depth - 1 internal nodes in heap order (children of i are 2i+1, 2i+2). */
  feature: Int32Array;
  threshold: Float64Array;
  /** 1 if NaN goes right. */
  nanRight: Uint8Array;
  /** Per tree, 2^depth leaf values. */
  leaf: Float64Array;
}

/** Deepest padding worth doing: 2^10 leaves per tree. */
const MAX_PERFECT_DEPTH = 10;

function buildPerfectLayout(a: GbdtArrays): PerfectLayout | null {
  const nT = a.roots.length;
  const depthOf = (node: number): number =>
    a.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(a.left[node]!), depthOf(a.left[node]! + 1));
  let D = 0;
  for (let t = 0; t < nT; t++) D = Math.max(D, depthOf(a.roots[t]!));
  if (D > MAX_PERFECT_DEPTH) return null;
  const D1 = Math.max(D, 1);
  const NI = (1 << D1) - 1;
  const NL = 1 << D1;
  const feature = new Int32Array(nT * NI);
  const threshold = new Float64Array(nT * NI);
  const nanRight = new Uint8Array(nT * NI);
  const leaf = new Float64Array(nT * NL);
  for (let t = 0; t < nT; t++) {
    const fill = (node: number, idx: number, level: number): void => {
      if (level === D1) {
        leaf[t * NL + idx - NI] = a.value[node]!;
        return;
      }
      const k = t * NI + idx;
      if (a.feature[node]! < 0) {
        // Padding: every value (and NaN) goes left; both subtrees end in this leaf's value.
        feature[k] = 0;
        threshold[k] = Number.POSITIVE_INFINITY;
        nanRight[k] = 0;
        fill(node, 2 * idx + 1, level + 1);
        fill(node, 2 * idx + 2, level + 1);
        return;
      }
      feature[k] = a.feature[node]!;
      threshold[k] = a.threshold[node]!;
      nanRight[k] = 1 - a.defaultLeft[node]!;
      fill(a.left[node]!, 2 * idx + 1, level + 1);
      fill(a.left[node]! + 1, 2 * idx + 2, level + 1);
    };
    fill(a.roots[t]!, 0, 0);
  }
  return { depth: D1, nTrees: nT, feature, threshold, nanRight, leaf };
}

/**
 * Batch scoring on the complete-tree layout: for a block of rows, each tree is walked level by level
 * for all rows of the block (independent work the CPU can overlap), and the child index is computed
 * without branches: right = (v > thr) | (nanRight & !(v <= thr)), which is v > thr for numbers and
 * nanRight for NaN.
 */
function predictPerfect(p: PerfectLayout, baseScore: number, X: Matrix, out: Float64Array): void {
  const { nRows, data } = X;
  const { depth, nTrees, threshold, nanRight, leaf } = p;
  const NI = (1 << depth) - 1;
  const NL = 1 << depth;
  const colOff = new Int32Array(p.feature.length);
  for (let k = 0; k < colOff.length; k++) colOff[k] = p.feature[k]! * nRows;
  const BLOCK = 512;
  const cur = new Int32Array(BLOCK);
  for (let s = 0; s < nRows; s += BLOCK) {
    const m = Math.min(BLOCK, nRows - s);
    for (let r = 0; r < m; r++) out[s + r] = baseScore;
    for (let t = 0; t < nTrees; t++) {
      const base = t * NI;
      cur.fill(0);
      for (let l = 0; l < depth; l++) {
        for (let r = 0; r < m; r++) {
          const k = base + cur[r]!;
          const v = data[colOff[k]! + s + r]!;
          const thr = threshold[k]!;
          cur[r] = 2 * cur[r]! + 1 + (+(v > thr) | (nanRight[k]! & +!(v <= thr)));
        }
      }
      const lb = t * NL - NI;
      for (let r = 0; r < m; r++) out[s + r]! += leaf[lb + cur[r]!]!;
    }
  }
}

export interface FitOptions {
  featureNames?: readonly string[];
  /**
   * Threads building histograms (1 = this thread only; more starts worker threads for the fit). The
   * model is the same whatever the number (histogram sums are added in a fixed order).
   */
  threads?: number;
  sampleWeight?: ArrayLike<number>;
  /**
   * Held-out data scored after every tree (mean log-loss). With `earlyStoppingRounds` > 0, training
   * stops when the validation loss has not improved for that many trees, and the model keeps the trees
   * up to the best iteration.
   */
  validation?: { X: Matrix; y: ArrayLike<number> };
  /**
   * The histogram kernel: 'wasm' (default; WebAssembly, used when bins fit in 16 bits) or 'js'. Both
   * add the same numbers in the same order: the trees are identical.
   */
  histKernel?: 'wasm' | 'js';
}

export interface GbdtTrainInfo {
  treesTrained: number;
  /** Number of trees kept (best validation iteration when early stopping, else all). May be 0. */
  treesKept: number;
  /**
   * Number of trees with the lowest validation log-loss (0 = the prior alone was best); null without
   * validation data.
   */
  bestIteration: number | null;
  /** Trees with the lowest validation log-loss, before the earlyStoppingMinZ check. */
  bestLossIteration: number | null;
  /**
   * (prior loss - best loss) / SE of the mean per-row loss difference, at the best iteration by loss
   * (before the earlyStoppingMinZ check); null without validation data or when no tree beat the prior.
   */
  bestImprovementZ: number | null;
  /** True when the best iteration beat the prior by less than earlyStoppingMinZ standard errors (0 trees kept). */
  rejectedByMinZ: boolean;
  /**
   * Validation log-loss of the prior alone (the constant base score), before any tree; null without
   * validation. With balanced class weights every validation loss weights rows by their label's class weight.
   */
  validLossPrior: number | null;
  /** Mean validation log-loss after each tree (empty without validation data), weighted as validLossPrior. */
  validLoss: number[];
  validRows: number;
  validPositives: number;
}

interface SplitInfo {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gL: number;
  hL: number;
}

/** Growing tree, node-per-object while training; flattened into GbdtArrays afterwards. */
interface TNode {
  feature: number;
  bin: number;
  threshold: number;
  defaultLeft: boolean;
  left: number;
  value: number;
  gain: number;
  cover: number;
  count: number;
}

const MIN_GAIN = 1e-6;
/** A histogram bin whose hessian is at most this share of the node's is taken as empty (no counts). */
const EMPTY_HESS_SHARE = 1e-12;

/**
 * Whether the histograms must count rows: only for a minimum row count per leaf, or a minimum hessian
 * too small to tell an empty side from rounding. Otherwise (XGBoost's settings) they hold grad and
 * hess only, and emptiness is judged on the hessian, as XGBoost does.
 */
export function histogramHasCounts(p: Pick<GbdtParams, 'minSamplesLeaf' | 'minHessianLeaf'>): boolean {
  return p.minSamplesLeaf > 1 || p.minHessianLeaf < 1e-6;
}

/** Train a GBDT classifier on a column-major matrix and 0/1 labels. */
export function trainGbdt(
  X: Matrix,
  labels: ArrayLike<number>,
  paramsIn: Partial<GbdtParams> = {},
  opts: FitOptions = {},
): GbdtModel {
  const params = resolveGbdtParams(paramsIn);
  const { nRows: n, nCols } = X;
  if (n === 0) throw new RangeError('cannot train on zero rows');
  if (nCols === 0) throw new RangeError('cannot train on zero features');
  const y = checkLabels(X, labels);
  let w = checkWeights(X, opts.sampleWeight);
  if (params.classWeight === 'balanced') w = balancedWeights(y, w);
  const featureNames = opts.featureNames
    ? [...opts.featureNames]
    : Array.from({ length: nCols }, (_, i) => `f${i}`);
  if (featureNames.length !== nCols) {
    throw new RangeError(`featureNames has ${featureNames.length} names, matrix has ${nCols} columns`);
  }

  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    throw new RangeError(`threads must be an integer in [1, 64], got ${threads}`);
  const mapper = fitBins(X, params.maxBins, params.seed);
  const binned = binMatrix(X, mapper);

  // Base score: the given probability, else the weighted log-odds of the positive rate (clamped away from 0/1).
  const baseScore =
    params.baseScore === null
      ? weightedLogOdds(y, w, 1e-12)
      : Math.log(params.baseScore / (1 - params.baseScore));

  const F = new Float64Array(n).fill(baseScore);
  const rng = new Rng(params.seed);
  const scratch = new Uint32Array(n);
  const treesNodes: TNode[][] = [];
  const counts = histogramHasCounts(params);
  const stride = counts ? 3 : 2;
  const histLength = mapper.totalBins * stride;
  const inputs = histInputs(binned, n, mapper, histLength, threads, opts.histKernel ?? 'wasm');
  const { grad, hess, rows, feats } = inputs;
  const pool = new HistPool({ ...inputs, counts }, threads, histLength);
  try {
    return fitTrees();
  } finally {
    pool.close();
  }

  function fitTrees(): GbdtModel {
    const grower = new TreeGrower(binned, n, mapper, params, grad, hess, rows, scratch, feats, pool, stride);

    let val: ValidationScorer | null = null;
    if (opts.validation) {
      const vX = opts.validation.X;
      if (vX.nCols !== nCols)
        throw new RangeError(`validation has ${vX.nCols} columns, training has ${nCols}`);
      // Validation loss in the objective's own weighting (as trainLogReg): with balanced classes each
      // row weighs its label's training class weight, else the prior (log-odds 0) would be judged by
      // a loss it was not fitted to and every tree would look like a gain over it.
      const classW = params.classWeight === 'balanced' ? balancedClassWeights(y) : { wPos: 1, wNeg: 1 };
      val = new ValidationScorer(vX, checkLabels(vX, opts.validation.y), baseScore, classW);
    } else if (params.earlyStoppingRounds > 0) {
      throw new RangeError('earlyStoppingRounds needs validation data (FitOptions.validation)');
    }
    const validLoss: number[] = [];
    // Iteration 0 is the prior alone: a tree must beat it to be kept.
    const validLossPrior = val ? val.priorLoss() : null;
    let bestLoss = validLossPrior ?? Number.POSITIVE_INFINITY;
    let bestIter = 0;
    for (let t = 0; t < params.nTrees; t++) {
      for (let i = 0; i < n; i++) {
        const p = sigmoid(F[i]!);
        const wi = w ? w[i]! : 1;
        grad[i] = wi * (p - y[i]!);
        hess[i] = wi * Math.max(p * (1 - p), 1e-16);
      }
      let m = 0;
      if (params.subsample < 1) {
        for (let i = 0; i < n; i++) if (rng.next() < params.subsample) rows[m++] = i;
        if (m === 0) rows[m++] = rng.int(n);
      } else {
        for (let i = 0; i < n; i++) rows[i] = i;
        m = n;
      }
      grower.nFeats =
        params.colsampleBytree < 1 ? sampleFeatures(rng, feats, params.colsampleBytree) : fillAll(feats);
      const nodes = grower.grow(m);
      treesNodes.push(nodes);
      if (val) {
        const loss = val.addTree(nodes);
        validLoss.push(loss);
        if (loss < bestLoss - params.earlyStoppingMinDelta) {
          bestLoss = loss;
          bestIter = t + 1;
          val.markBest();
        } else if (params.earlyStoppingRounds > 0 && t + 1 - bestIter >= params.earlyStoppingRounds) {
          break;
        }
      }
      // Update scores: in-sample rows by leaf ranges, otherwise by walking the binned tree.
      if (m === n) {
        grower.applyLeafRanges(F);
      } else {
        for (let i = 0; i < n; i++) F[i]! += nodes[walkBinned(nodes, binned, n, mapper, i)]!.value;
      }
    }

    const treesTrained = treesNodes.length;
    // How far the best iteration is below the prior, in standard errors of the paired per-row difference.
    const bestLossIter = bestIter;
    const bestZ = val && bestIter > 0 ? val.improvementZ() : null;
    let rejected = false;
    if (val && params.earlyStoppingRounds > 0 && bestZ !== null && bestZ < params.earlyStoppingMinZ) {
      bestIter = 0;
      rejected = true;
    }
    // Early stopping keeps the best iteration, which can be 0 trees: on labels the features cannot
    // predict, the prior (a constant score) is the right model.
    if (val && params.earlyStoppingRounds > 0) treesNodes.length = bestIter;
    const info: GbdtTrainInfo = {
      treesTrained,
      treesKept: treesNodes.length,
      bestIteration: val ? bestIter : null,
      bestLossIteration: val ? bestLossIter : null,
      bestImprovementZ: bestZ,
      rejectedByMinZ: rejected,
      validLossPrior,
      validLoss,
      validRows: val ? val.nRows : 0,
      validPositives: val ? val.positives : 0,
    };
    return new GbdtModel(featureNames, params, flatten(baseScore, treesNodes), info);
  }
}

function buffer(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

const WASM_PAGE = 65_536;
const WASM_MAX_PAGES = 65_536;

/**
 * The arrays the histogram kernel reads, and where they live: for the WebAssembly kernel, in one
 * shared WebAssembly memory with a histogram per thread; otherwise in (shared, for threads) buffers.
 */
function histInputs(
  binned: Uint8Array | Uint16Array,
  n: number,
  mapper: BinMapper,
  histLength: number,
  threads: number,
  kernel: 'wasm' | 'js',
): Omit<HistInputs, 'counts'> {
  const nCols = mapper.edges.length;
  const shared = threads > 1;
  const sizes = [
    n * nCols * 2,
    n * 4,
    n * 8,
    n * 8,
    nCols * 4,
    ...Array<number>(threads).fill(histLength * 8),
  ];
  const aligned = sizes.map((b) => Math.ceil(b / 16) * 16);
  const pages = Math.ceil(aligned.reduce((a, b) => a + b, 0) / WASM_PAGE);
  if (kernel === 'js' || mapper.totalBins > 65_536 || pages > WASM_MAX_PAGES) {
    return {
      bins: globalBinRows(binned, n, mapper, shared),
      nFeatures: nCols,
      rows: new Uint32Array(buffer(n * 4, shared)),
      grad: new Float64Array(buffer(n * 8, shared)),
      hess: new Float64Array(buffer(n * 8, shared)),
      feats: new Int32Array(buffer(nCols * 4, shared)),
    };
  }
  const memory = sharedWasmMemory(pages);
  let offset = 0;
  const place = (k: number) => {
    const at = offset;
    offset += aligned[k]!;
    return at;
  };
  return {
    bins: fillGlobalBinRows(binned, n, mapper, new Uint16Array(memory.buffer, place(0), n * nCols)),
    nFeatures: nCols,
    rows: new Uint32Array(memory.buffer, place(1), n),
    grad: new Float64Array(memory.buffer, place(2), n),
    hess: new Float64Array(memory.buffer, place(3), n),
    feats: new Int32Array(memory.buffer, place(4), nCols),
    wasm: {
      memory,
      hists: Array.from(
        { length: threads },
        (_, t) => new Float64Array(memory.buffer, place(5 + t), histLength),
      ),
    },
  };
}

function fillAll(feats: Int32Array): number {
  for (let i = 0; i < feats.length; i++) feats[i] = i;
  return feats.length;
}

/** What model files record about training (`training` in the JSON): trees, best iteration, validation curve. */
export interface GbdtTrainingSummary {
  trees_trained: number;
  trees_kept: number;
  /** Trees with the lowest validation log-loss; 0 = no tree beat the prior. Null without validation data. */
  best_iteration: number | null;
  early_stopping_rounds: number;
  early_stopping_min_delta: number;
  early_stopping_min_z: number;
  /** Trees with the lowest validation log-loss (before the min-z check). */
  best_loss_iteration: number | null;
  /** Improvement of the best iteration over the prior in standard errors (null if none beat the prior). */
  best_improvement_z: number | null;
  /** The best iteration beat the prior by fewer than early_stopping_min_z standard errors: 0 trees kept. */
  rejected_by_min_z: boolean;
  valid_rows: number;
  valid_positives: number;
  /** Mean validation log-loss of the prior alone, at the best iteration, and after the last tree trained. */
  valid_loss_prior: number | null;
  valid_loss_best: number | null;
  valid_loss_last: number | null;
  /** [trees, validation log-loss] at up to 21 evenly spaced iterations (0 = prior), the best one included. */
  valid_loss_curve: Array<[number, number]>;
}

export function summarizeTraining(info: GbdtTrainInfo, params: GbdtParams): GbdtTrainingSummary {
  const curve: Array<[number, number]> = [];
  const v = info.validLoss;
  if (info.validLossPrior !== null) {
    const n = v.length;
    const its = new Set<number>([0, n]);
    for (let k = 1; k < 20; k++) its.add(Math.round((k * n) / 20));
    if (info.bestIteration !== null) its.add(info.bestIteration);
    if (info.bestLossIteration !== null) its.add(info.bestLossIteration);
    for (const it of [...its].sort((a, b) => a - b))
      curve.push([it, it === 0 ? info.validLossPrior : v[it - 1]!]);
  }
  const best = info.bestIteration;
  return {
    trees_trained: info.treesTrained,
    trees_kept: info.treesKept,
    best_iteration: best,
    early_stopping_rounds: params.earlyStoppingRounds,
    early_stopping_min_delta: params.earlyStoppingMinDelta,
    early_stopping_min_z: params.earlyStoppingMinZ,
    best_loss_iteration: info.bestLossIteration,
    best_improvement_z: info.bestImprovementZ,
    rejected_by_min_z: info.rejectedByMinZ,
    valid_rows: info.validRows,
    valid_positives: info.validPositives,
    valid_loss_prior: info.validLossPrior,
    valid_loss_best: best === null ? null : best === 0 ? info.validLossPrior : v[best - 1]!,
    valid_loss_last: v.length ? v[v.length - 1]! : null,
    valid_loss_curve: curve,
  };
}

/**
 * Keeps running raw scores of validation rows (raw feature values) and reports their log-loss, each
 * row weighted by its label's class weight (1 and 1 without class weights).
 */
class ValidationScorer {
  private readonly F: Float64Array;
  private readonly F0: number;
  private readonly rowW: Float64Array;
  private readonly sumW: number;
  private bestF: Float64Array | null = null;

  constructor(
    private readonly X: Matrix,
    private readonly y: Uint8Array,
    baseScore: number,
    classW: { wPos: number; wNeg: number },
  ) {
    if (X.nRows === 0) throw new RangeError('validation data has zero rows');
    this.F = new Float64Array(X.nRows).fill(baseScore);
    this.F0 = baseScore;
    this.rowW = Float64Array.from(y, (label) => (label === 1 ? classW.wPos : classW.wNeg));
    let sumW = 0;
    for (let r = 0; r < X.nRows; r++) sumW += this.rowW[r]!;
    this.sumW = sumW;
  }

  get nRows(): number {
    return this.X.nRows;
  }

  /** Remember the current scores as the best iteration's. */
  markBest(): void {
    if (!this.bestF) this.bestF = this.F.slice();
    else this.bestF.set(this.F);
  }

  /** Mean per-row (weighted) improvement of the best scores over the prior, in standard errors (paired). */
  improvementZ(): number | null {
    const b = this.bestF;
    if (!b) return null;
    const n = b.length;
    let sum = 0;
    let sum2 = 0;
    for (let r = 0; r < n; r++) {
      const d = this.rowW[r]! * (logLoss(this.F0, this.y[r]!) - logLoss(b[r]!, this.y[r]!));
      sum += d;
      sum2 += d * d;
    }
    return pairedZ(sum, sum2, n);
  }

  get positives(): number {
    let s = 0;
    for (let i = 0; i < this.y.length; i++) s += this.y[i]!;
    return s;
  }

  /** Weighted mean log-loss of the current scores (before any tree: the prior). */
  priorLoss(): number {
    let loss = 0;
    for (let r = 0; r < this.F.length; r++) loss += this.rowW[r]! * logLoss(this.F[r]!, this.y[r]!);
    return loss / this.sumW;
  }

  addTree(nodes: TNode[]): number {
    const { nRows, data } = this.X;
    let loss = 0;
    for (let r = 0; r < nRows; r++) {
      let k = 0;
      while (nodes[k]!.feature >= 0) {
        const nd = nodes[k]!;
        const v = data[nd.feature * nRows + r]!;
        k = nd.left + (v <= nd.threshold ? 0 : v > nd.threshold ? 1 : nd.defaultLeft ? 0 : 1);
      }
      const z = this.F[r]! + nodes[k]!.value;
      this.F[r] = z;
      loss += this.rowW[r]! * logLoss(z, this.y[r]!);
    }
    return loss / this.sumW;
  }
}

/**
 * Put k = max(1, floor(fraction * nCols)) distinct features, ascending, at the start of feats (as
 * XGBoost's colsample_bytree); returns k.
 */
function sampleFeatures(rng: Rng, feats: Int32Array, fraction: number): number {
  const nCols = feats.length;
  const k = Math.max(1, Math.floor(fraction * nCols));
  fillAll(feats);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(nCols - i);
    const t = feats[i]!;
    feats[i] = feats[j]!;
    feats[j] = t;
  }
  feats.subarray(0, k).sort();
  return k;
}

function walkBinned(
  nodes: TNode[],
  binned: Uint8Array | Uint16Array,
  n: number,
  mapper: BinMapper,
  r: number,
) {
  let node = 0;
  while (nodes[node]!.feature >= 0) {
    const nd = nodes[node]!;
    const b = binned[nd.feature * n + r]!;
    const missing = mapper.nValueBins[nd.feature]!;
    node = nd.left + (b <= nd.bin ? 0 : b === missing ? (nd.defaultLeft ? 0 : 1) : 1);
  }
  return node;
}

function flatten(baseScore: number, trees: TNode[][]): GbdtArrays {
  let total = 0;
  for (const t of trees) total += t.length;
  const a = allocGbdtArrays(baseScore, trees.length, total);
  let off = 0;
  trees.forEach((nodes, t) => {
    a.roots[t] = off;
    nodes.forEach((nd, i) => {
      const k = off + i;
      a.feature[k] = nd.feature;
      a.threshold[k] = nd.feature >= 0 ? nd.threshold : 0;
      a.left[k] = nd.feature >= 0 ? off + nd.left : -1;
      a.defaultLeft[k] = nd.defaultLeft ? 1 : 0;
      a.value[k] = nd.value;
      a.gain[k] = nd.gain;
      a.cover[k] = nd.cover;
      a.count[k] = nd.count;
    });
    off += nodes.length;
  });
  return a;
}

interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array;
  g: number;
  h: number;
}

class TreeGrower {
  private readonly pool: Float64Array[] = [];
  private leafRanges: Array<[number, number, number]> = [];
  private nodes: TNode[] = [];
  /** Features this tree may split on: feats[0..nFeats) (all, or a column sample), ascending. */
  nFeats: number;

  constructor(
    private readonly binned: Uint8Array | Uint16Array,
    private readonly n: number,
    private readonly mapper: BinMapper,
    private readonly p: GbdtParams,
    private readonly grad: Float64Array,
    private readonly hess: Float64Array,
    private readonly rows: Uint32Array,
    private readonly scratch: Uint32Array,
    private readonly feats: Int32Array,
    private readonly histPool: HistPool,
    /** 3: grad, hess, count per bin; 2: grad, hess (histogramHasCounts). */
    private readonly stride: 2 | 3,
  ) {
    this.nFeats = fillAll(feats);
  }

  private takeHist(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.mapper.totalBins * this.stride);
  }

  private leafValue(g: number, h: number): number {
    return (-g / (h + this.p.lambda)) * this.p.learningRate;
  }

  /** Build the histogram of rows[start..end) into hist (zeroed here). */
  private buildHist(hist: Float64Array, start: number, end: number): void {
    hist.fill(0);
    this.histPool.build(hist, start, end, this.nFeats);
  }

  private findSplit(hist: Float64Array, G: number, H: number, C: number): SplitInfo | null {
    const { mapper, stride } = this;
    const { lambda, minSamplesLeaf, minHessianLeaf, minSplitGain } = this.p;
    const counted = stride === 3;
    // Without counts a bin is empty when its hessian is within rounding of 0 (subtracted histograms
    // leave residues), and a side passes minSamplesLeaf (at most 1) when its hessian passes minHessianLeaf.
    const emptyHess = counted ? -1 : EMPTY_HESS_SHARE * H;
    // Without counts cL stays 0 and minCount is 0: the hessian tests alone decide (minSamplesLeaf <= 1).
    const minCount = counted ? minSamplesLeaf : 0;
    const parentScore = (G * G) / (H + lambda);
    let best: SplitInfo | null = null;
    // As XGBoost: a split must gain more than 1e-6 (kRtEps), whatever minSplitGain.
    let bestGain = Math.max(minSplitGain, MIN_GAIN);
    const feats = this.feats;
    for (let fi = 0; fi < this.nFeats; fi++) {
      const f = feats[fi]!;
      const off = mapper.offsets[f]! * stride;
      const nb = mapper.nValueBins[f]!;
      const mk = off + nb * stride;
      const mG = hist[mk]!;
      const mH = hist[mk + 1]!;
      const mC = counted ? hist[mk + 2]! : +(mH > emptyHess);
      let gL = 0;
      let hL = 0;
      let cL = 0;
      for (let b = 0; b < nb; b++) {
        const k = off + b * stride;
        gL += hist[k]!;
        hL += hist[k + 1]!;
        if (counted) {
          cL += hist[k + 2]!;
          if (cL === 0) continue;
        } else if (hL <= emptyHess) continue;
        // Missing goes right.
        {
          const cR = C - cL;
          const hR = H - hL;
          if (cL >= minCount && cR >= minCount && hL >= minHessianLeaf && hR >= minHessianLeaf) {
            const gR = G - gL;
            const gain = (gL * gL) / (hL + lambda) + (gR * gR) / (hR + lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              // Without missing values in this node, NaN follows the heavier side.
              const dl = mC > 0 ? false : hL >= hR;
              best = { gain, feature: f, bin: b, defaultLeft: dl, gL, hL };
            }
          }
        }
        // Missing goes left (only meaningful when this node has missing values and b is not the last bin).
        if (mC > 0 && b < nb - 1) {
          const gL2 = gL + mG;
          const hL2 = hL + mH;
          const cL2 = cL + mC;
          const cR = C - cL2;
          const hR = H - hL2;
          if (cL2 >= minCount && cR >= minCount && hL2 >= minHessianLeaf && hR >= minHessianLeaf) {
            const gR = G - gL2;
            const gain = (gL2 * gL2) / (hL2 + lambda) + (gR * gR) / (hR + lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              best = { gain, feature: f, bin: b, defaultLeft: true, gL: gL2, hL: hL2 };
            }
          }
        }
      }
    }
    return best;
  }

  /** Stable in-place partition of rows[start..end); returns the first index of the right part. */
  private partition(start: number, end: number, s: SplitInfo): number {
    const { binned, n, rows, scratch, mapper } = this;
    const colBase = s.feature * n;
    const missing = mapper.nValueBins[s.feature]!;
    const bin = s.bin;
    const dl = s.defaultLeft;
    let l = start;
    let rc = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const b = binned[colBase + r]!;
      if (b <= bin || (dl && b === missing)) rows[l++] = r;
      else scratch[rc++] = r;
    }
    rows.set(scratch.subarray(0, rc), l);
    return l;
  }

  grow(m: number): TNode[] {
    this.nodes = [];
    this.leafRanges = [];
    const rootHist = this.takeHist();
    this.buildHist(rootHist, 0, m);
    let G = 0;
    let H = 0;
    for (let i = 0; i < m; i++) {
      const r = this.rows[i]!;
      G += this.grad[r]!;
      H += this.hess[r]!;
    }
    this.nodes.push(this.newNode(G, H, m));
    const stack: Pending[] = [{ node: 0, start: 0, end: m, depth: 0, hist: rootHist, g: G, h: H }];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      const C = cur.end - cur.start;
      const split = cur.depth < this.p.maxDepth ? this.findSplit(cur.hist, cur.g, cur.h, C) : null;
      if (!split) {
        this.leafRanges.push([cur.start, cur.end, cur.node]);
        this.pool.push(cur.hist);
        continue;
      }
      const mid = this.partition(cur.start, cur.end, split);
      const nd = this.nodes[cur.node]!;
      nd.feature = split.feature;
      nd.bin = split.bin;
      const e = this.mapper.edges[split.feature]!;
      nd.threshold = split.bin < e.length ? e[split.bin]! : Number.POSITIVE_INFINITY;
      nd.defaultLeft = split.defaultLeft;
      nd.gain = split.gain;
      nd.left = this.nodes.length;
      const gR = cur.g - split.gL;
      const hR = cur.h - split.hL;
      const cL = mid - cur.start;
      const cR = cur.end - mid;
      this.nodes.push(this.newNode(split.gL, split.hL, cL), this.newNode(gR, hR, cR));
      const needChildren = cur.depth + 1 < this.p.maxDepth;
      if (!needChildren) {
        // Children are leaves at max depth: no histograms needed.
        this.leafRanges.push([cur.start, mid, nd.left], [mid, cur.end, nd.left + 1]);
        this.pool.push(cur.hist);
        continue;
      }
      // Histogram subtraction: build the smaller child, derive the larger from the parent in place.
      const small = this.takeHist();
      const leftSmaller = cL <= cR;
      if (leftSmaller) this.buildHist(small, cur.start, mid);
      else this.buildHist(small, mid, cur.end);
      const big = cur.hist;
      for (let k = 0; k < big.length; k++) big[k]! -= small[k]!;
      const lh = leftSmaller ? small : big;
      const rh = leftSmaller ? big : small;
      stack.push(
        { node: nd.left + 1, start: mid, end: cur.end, depth: cur.depth + 1, hist: rh, g: gR, h: hR },
        {
          node: nd.left,
          start: cur.start,
          end: mid,
          depth: cur.depth + 1,
          hist: lh,
          g: split.gL,
          h: split.hL,
        },
      );
    }
    return this.nodes;
  }

  private newNode(g: number, h: number, count: number): TNode {
    return {
      feature: -1,
      bin: -1,
      threshold: 0,
      defaultLeft: false,
      left: -1,
      value: this.leafValue(g, h),
      gain: 0,
      cover: h,
      count,
    };
  }

  applyLeafRanges(F: Float64Array): void {
    for (const [s, e, node] of this.leafRanges) {
      const v = this.nodes[node]!.value;
      for (let i = s; i < e; i++) F[this.rows[i]!]! += v;
    }
  }
}
