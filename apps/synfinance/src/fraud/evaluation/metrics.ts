/**
 * Evaluation metrics for binary fraud scores. Pure functions over parallel arrays:
 * `labels[i]` is 1 for fraud and 0 otherwise, `scores[i]` is any real score (higher = riskier).
 * Undefined values (AUC with a single class, precision with nothing flagged in AP) are NaN / 0 as noted
 * per function; JSON reports should turn NaN into null.
 */

export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;

function checkPair(labels: Labels, scores: Scores): void {
  if (labels.length !== scores.length) {
    throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`label at ${i} is ${y}; labels must be 0 or 1`);
    if (Number.isNaN(scores[i])) throw new RangeError(`score at ${i} is NaN`);
  }
}

/** Rows by decreasing score (stable: equal scores keep input order), ranked once for several weightings. */
export interface Ranking {
  readonly scores: Scores;
  readonly order: Uint32Array;
}

export function rankScores(scores: Scores): Ranking {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return { scores, order };
}

/**
 * Points where the decision threshold changes: for each distinct score (descending), the cumulative
 * true and false positives when flagging every row with score >= that value. `weights` counts each
 * row that many times (a bootstrap resample); by default every row once.
 */
export function thresholdCurve(
  labels: Labels,
  scores: Scores | Ranking,
  weights?: ArrayLike<number>,
): { thresholds: number[]; tp: number[]; fp: number[] } {
  const { scores: s, order } = 'order' in scores ? scores : rankScores(scores);
  checkPair(labels, s);
  if (weights && weights.length !== s.length)
    throw new RangeError(`weights (${weights.length}) and scores (${s.length}) differ in length`);
  const thresholds: number[] = [];
  const tp: number[] = [];
  const fp: number[] = [];
  let t = 0;
  let f = 0;
  for (let i = 0; i < order.length; ) {
    const value = s[order[i]!]!;
    while (i < order.length && s[order[i]!] === value) {
      const row = order[i]!;
      const w = weights ? weights[row]! : 1;
      if (labels[row] === 1) t += w;
      else f += w;
      i++;
    }
    thresholds.push(value);
    tp.push(t);
    fp.push(f);
  }
  return { thresholds, tp, fp };
}

/**
 * ROC AUC: area under the ROC curve, with tied scores forming one diagonal step (equivalent to counting
 * a tied positive/negative pair as half a correct ranking, the Mann-Whitney U with mid-ranks).
 * NaN if only one class is present.
 */
export function rocAuc(labels: Labels, scores: Scores): number {
  const { tp, fp } = thresholdCurve(labels, scores);
  const P = tp.length ? tp[tp.length - 1]! : 0;
  const N = fp.length ? fp[fp.length - 1]! : 0;
  if (P === 0 || N === 0) return Number.NaN;
  let area = 0;
  let tpPrev = 0;
  let fpPrev = 0;
  for (let k = 0; k < tp.length; k++) {
    area += ((fp[k]! - fpPrev) * (tp[k]! + tpPrev)) / 2;
    tpPrev = tp[k]!;
    fpPrev = fp[k]!;
  }
  return area / (P * N);
}

/**
 * Average precision as scikit-learn computes it: AP = sum_n (R_n - R_{n-1}) * P_n over distinct
 * thresholds in decreasing order (a step function, no interpolation). NaN if there are no positives.
 * `scores` may be ranked once with rankScores when AP is taken under many `weights` (row multiplicities).
 */
export function averagePrecision(
  labels: Labels,
  scores: Scores | Ranking,
  weights?: ArrayLike<number>,
): number {
  const { tp, fp } = thresholdCurve(labels, scores, weights);
  const P = tp.length ? tp[tp.length - 1]! : 0;
  if (P === 0) return Number.NaN;
  let ap = 0;
  let rPrev = 0;
  for (let k = 0; k < tp.length; k++) {
    if (tp[k]! + fp[k]! === 0) continue;
    const r = tp[k]! / P;
    const p = tp[k]! / (tp[k]! + fp[k]!);
    ap += (r - rPrev) * p;
    rPrev = r;
  }
  return ap;
}

export interface ThresholdMetrics {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  /** tp / (tp + fp); 0 when nothing is flagged. */
  precision: number;
  /** tp / (tp + fn); 0 when there are no positives. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0. */
  f1: number;
  /** Share of rows flagged. */
  alertRate: number;
}

function fromCounts(threshold: number, tp: number, fp: number, tn: number, fn: number): ThresholdMetrics {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const n = tp + fp + tn + fn;
  return { threshold, tp, fp, tn, fn, precision, recall, f1, alertRate: n > 0 ? (tp + fp) / n : 0 };
}

/** Confusion counts, precision, recall and F1 when rows with score >= threshold are flagged. */
export function metricsAtThreshold(labels: Labels, scores: Scores, threshold: number): ThresholdMetrics {
  checkPair(labels, scores);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const flagged = scores[i]! >= threshold;
    if (labels[i] === 1) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  return fromCounts(threshold, tp, fp, tn, fn);
}

export interface CostThreshold extends ThresholdMetrics {
  /** Total cost fn*costFn + fp*costFp at the chosen threshold. */
  cost: number;
  /** Cost of flagging nothing, for comparison. */
  costFlagNone: number;
  /** Cost of flagging everything. */
  costFlagAll: number;
}

/**
 * The threshold minimising total cost = costFn * (missed frauds) + costFp * (false alerts).
 * `costFn` may be a per-row array (e.g. the amount at risk of each transaction; only fraud rows matter).
 * Candidates are every distinct score (flag score >= t) and +Infinity (flag nothing). On equal cost the
 * higher threshold (fewer alerts) wins.
 */
export function costBasedThreshold(
  labels: Labels,
  scores: Scores,
  costFn: number | ArrayLike<number>,
  costFp: number,
): CostThreshold {
  checkPair(labels, scores);
  if (!(costFp >= 0) || !Number.isFinite(costFp))
    throw new RangeError(`costFp must be finite and >= 0, got ${costFp}`);
  const fnCost = (i: number): number => (typeof costFn === 'number' ? costFn : costFn[i]!);
  if (typeof costFn === 'number') {
    if (!(costFn >= 0) || !Number.isFinite(costFn))
      throw new RangeError(`costFn must be finite and >= 0, got ${costFn}`);
  } else if (costFn.length !== labels.length) {
    throw new RangeError(`costFn has ${costFn.length} values, expected ${labels.length}`);
  }
  const idx = rankScores(scores).order;
  let P = 0;
  let N = 0;
  let totalFnCost = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) {
      P++;
      const c = fnCost(i);
      if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`costFn at ${i} is ${c}`);
      totalFnCost += c;
    } else N++;
  }
  // Start: flag nothing.
  let best = { threshold: Number.POSITIVE_INFINITY, tp: 0, fp: 0, cost: totalFnCost };
  let tp = 0;
  let fp = 0;
  let missedCost = totalFnCost;
  for (let i = 0; i < idx.length; ) {
    const s = scores[idx[i]!]!;
    while (i < idx.length && scores[idx[i]!] === s) {
      const r = idx[i]!;
      if (labels[r] === 1) {
        tp++;
        missedCost -= fnCost(r);
      } else fp++;
      i++;
    }
    const cost = missedCost + fp * costFp;
    if (cost < best.cost - 1e-9 * Math.max(1, Math.abs(best.cost))) best = { threshold: s, tp, fp, cost };
  }
  return {
    ...fromCounts(best.threshold, best.tp, best.fp, N - best.fp, P - best.tp),
    cost: best.cost,
    costFlagNone: totalFnCost,
    costFlagAll: N * costFp,
  };
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  positives: number;
  /** Mean predicted probability in the bin; null if empty. */
  meanPredicted: number | null;
  /** Observed fraud rate in the bin; null if empty. */
  observedRate: number | null;
}

export interface CalibrationTable {
  strategy: 'uniform' | 'quantile';
  bins: CalibrationBin[];
  /** Expected calibration error: sum over bins of count/n * |meanPredicted - observedRate|. */
  ece: number;
}

/**
 * Calibration table for probabilities in [0, 1]. 'uniform' uses equal-width bins on [0, 1] (a
 * probability equal to a bin edge goes to the upper bin; 1.0 goes to the last bin); 'quantile' uses bins
 * with (about) equal counts, edges at order statistics of the predictions.
 */
export function calibrationTable(
  labels: Labels,
  probs: Scores,
  nBins = 10,
  strategy: 'uniform' | 'quantile' = 'uniform',
): CalibrationTable {
  checkPair(labels, probs);
  if (!Number.isInteger(nBins) || nBins < 1)
    throw new RangeError(`nBins must be a positive integer, got ${nBins}`);
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability at ${i} is ${p}; must be in [0, 1]`);
  }
  let edges: number[];
  if (strategy === 'uniform') {
    edges = Array.from({ length: nBins + 1 }, (_, b) => b / nBins);
  } else {
    const sorted = Float64Array.from(probs).sort();
    edges = [0];
    for (let b = 1; b < nBins; b++) edges.push(n > 0 ? sorted[Math.floor((b * n) / nBins)]! : b / nBins);
    edges.push(1);
  }
  const count = new Float64Array(nBins);
  const pos = new Float64Array(nBins);
  const sum = new Float64Array(nBins);
  for (let i = 0; i < n; i++) {
    const p = probs[i]!;
    // Last bin whose lower edge is <= p (upper bin on ties), clamped.
    let lo = 0;
    let hi = nBins - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (edges[mid]! <= p) lo = mid;
      else hi = mid - 1;
    }
    count[lo]! += 1;
    pos[lo]! += labels[i]!;
    sum[lo]! += p;
  }
  let ece = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const c = count[b]!;
    const mp = c > 0 ? sum[b]! / c : null;
    const or = c > 0 ? pos[b]! / c : null;
    if (c > 0) ece += (c / n) * Math.abs(mp! - or!);
    bins.push({
      lower: edges[b]!,
      upper: edges[b + 1]!,
      count: c,
      positives: pos[b]!,
      meanPredicted: mp,
      observedRate: or,
    });
  }
  return { strategy, bins, ece };
}

export interface FraudTypeRecall {
  fraudType: string;
  frauds: number;
  detected: number;
  /** detected / frauds. */
  recall: number;
}

/**
 * Recall for each fraud type at a threshold (flag score >= threshold). Only fraud rows count; a fraud
 * row with a null/empty type is reported under "unknown". Sorted by type name.
 */
export function recallByFraudType(
  labels: Labels,
  scores: Scores,
  fraudTypes: ArrayLike<string | null | undefined>,
  threshold: number,
): FraudTypeRecall[] {
  checkPair(labels, scores);
  if (fraudTypes.length !== labels.length) {
    throw new RangeError(`fraudTypes (${fraudTypes.length}) and labels (${labels.length}) differ in length`);
  }
  const acc = new Map<string, { frauds: number; detected: number }>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    const t = fraudTypes[i] || 'unknown';
    const e = acc.get(t) ?? { frauds: 0, detected: 0 };
    e.frauds++;
    if (scores[i]! >= threshold) e.detected++;
    acc.set(t, e);
  }
  return [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([fraudType, e]) => ({
      fraudType,
      frauds: e.frauds,
      detected: e.detected,
      recall: e.detected / e.frauds,
    }));
}
