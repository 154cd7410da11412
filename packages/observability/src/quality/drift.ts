/**
 * Drift of a window of new values against a reference profile.
 *
 * - PSI (population stability index) over the profile's bins (numeric) or categories (categorical):
 *   PSI = Σ_i (a_i − e_i)·ln(a_i / e_i), with additive smoothing of both distributions,
 *   p'_i = (p_i + ε)/(1 + B·ε), ε = 1e-4 by default, so an empty bin gives a large but finite term.
 * - Two-sample Kolmogorov–Smirnov for numeric fields: D = sup |F_window − F_reference|, the reference ECDF
 *   being that of the profile's retained sample; asymptotic p-value Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D),
 *   nₑ = n·m/(n + m) (Stephens' correction, as in Numerical Recipes).
 * - Jensen–Shannon divergence for categorical fields, base 2, in [0, 1]:
 *   JS = ½·KL(P‖M) + ½·KL(Q‖M), M = (P + Q)/2, with 0·log 0 = 0 (no smoothing needed).
 *
 * Below `minWindow` usable values in the window no verdict is given (`insufficient_data`); the
 * statistic is still computed and returned for inspection but must not be alerted on: with B bins
 * and n values, PSI on two samples of the same distribution is about (B − 1)/n on average (a χ²/n),
 * 0.18 at n = 50 with deciles, which would cross the 0.1 warning line on identical data.
 */
import { binCounts, type CategoricalFieldProfile, type NumericFieldProfile } from './profile.ts';
import { kolmogorovQ, sortedFinite } from './stats.ts';

export type DriftMethod = 'psi' | 'ks' | 'js';
export type DriftVerdict = 'ok' | 'warn' | 'drift' | 'insufficient_data';

export interface DriftThresholds {
  /** PSI at or above which the verdict is 'warn'. Default 0.1. */
  psiWarn: number;
  /** PSI at or above which the verdict is 'drift'. Default 0.25. */
  psiDrift: number;
  /** JS divergence at or above which the verdict is 'warn'. Default 0.05. */
  jsWarn: number;
  /** JS divergence at or above which the verdict is 'drift'. Default 0.1. */
  jsDrift: number;
  /** KS: significance level; p at or above it is 'ok'. Default 0.01. */
  ksAlpha: number;
  /** KS: with p < ksAlpha, D at or above this is 'drift', below it 'warn' (significant but small). Default 0.1. */
  ksDrift: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  psiWarn: 0.1,
  psiDrift: 0.25,
  jsWarn: 0.05,
  jsDrift: 0.1,
  ksAlpha: 0.01,
  ksDrift: 0.1,
};

export interface DriftOptions {
  thresholds?: Partial<DriftThresholds>;
  /** Minimum number of usable window values for a verdict. Default 500. */
  minWindow?: number;
  /** PSI smoothing ε. Default 1e-4. */
  psiEpsilon?: number;
}

export const DEFAULT_MIN_WINDOW = 500;
export const DEFAULT_PSI_EPSILON = 1e-4;

export interface DriftResult {
  method: DriftMethod;
  /** PSI, KS D or JS divergence. */
  value: number;
  /** KS only. */
  pValue?: number;
  /** Usable window values the statistic was computed on. */
  n: number;
  verdict: DriftVerdict;
}

function smooth(p: readonly number[], eps: number): number[] {
  const z = 1 + p.length * eps;
  return p.map((x) => (x + eps) / z);
}

/** PSI between an expected (reference) and an actual (window) distribution, both as proportions over the same bins. */
export function psi(
  expected: readonly number[],
  actual: readonly number[],
  epsilon = DEFAULT_PSI_EPSILON,
): number {
  if (expected.length !== actual.length) throw new Error('psi: distributions have different lengths');
  const e = smooth(expected, epsilon);
  const a = smooth(actual, epsilon);
  let s = 0;
  for (let i = 0; i < e.length; i++) s += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return s;
}

function klTermBase2(p: number, m: number): number {
  return p > 0 ? p * Math.log2(p / m) : 0;
}

/** Jensen–Shannon divergence, base 2, of two distributions over the same categories (normalised here). */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new Error('jensenShannon: distributions have different lengths');
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  if (sp <= 0 || sq <= 0) throw new Error('jensenShannon: empty distribution');
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2;
    js += 0.5 * klTermBase2(pi, m) + 0.5 * klTermBase2(qi, m);
  }
  return Math.min(1, Math.max(0, js));
}

export interface KsResult {
  d: number;
  pValue: number;
}

/** Two-sample KS statistic and asymptotic p-value; both inputs ascending and finite. */
export function ksTwoSampleSorted(a: readonly number[], b: readonly number[]): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { d: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i]! <= x) i++;
    while (j < m && b[j]! <= x) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  const en = Math.sqrt((n * m) / (n + m));
  return { d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

export function ksTwoSample(a: readonly number[], b: readonly number[]): KsResult {
  return ksTwoSampleSorted(sortedFinite(a), sortedFinite(b));
}

function resolve(options: DriftOptions) {
  return {
    t: { ...DEFAULT_DRIFT_THRESHOLDS, ...options.thresholds },
    minWindow: options.minWindow ?? DEFAULT_MIN_WINDOW,
    eps: options.psiEpsilon ?? DEFAULT_PSI_EPSILON,
  };
}

function graded(value: number, warn: number, drift: number): DriftVerdict {
  return value >= drift ? 'drift' : value >= warn ? 'warn' : 'ok';
}

/** PSI and KS of a numeric window against a numeric field profile. */
export function numericDrift(
  profile: NumericFieldProfile,
  window: readonly number[],
  options: DriftOptions = {},
): DriftResult[] {
  const { t, minWindow, eps } = resolve(options);
  const sorted = sortedFinite(window);
  const n = sorted.length;
  const enough = n >= minWindow && n > 0 && profile.count > 0;
  const counts = binCounts(profile.binEdges, sorted);
  const actual = counts.map((c) => (n === 0 ? 0 : c / n));
  const psiValue = n === 0 || profile.count === 0 ? 0 : psi(profile.binProportions, actual, eps);
  const ks = ksTwoSampleSorted(sorted, profile.sample);
  const ksVerdict: DriftVerdict = ks.pValue >= t.ksAlpha ? 'ok' : ks.d >= t.ksDrift ? 'drift' : 'warn';
  return [
    {
      method: 'psi',
      value: psiValue,
      n,
      verdict: enough ? graded(psiValue, t.psiWarn, t.psiDrift) : 'insufficient_data',
    },
    { method: 'ks', value: ks.d, pValue: ks.pValue, n, verdict: enough ? ksVerdict : 'insufficient_data' },
  ];
}

/** The window's proportions over the profile's kept categories followed by the "other" bucket. */
export function categoricalProportions(
  profile: CategoricalFieldProfile,
  window: readonly string[],
): number[] {
  const index = new Map<string, number>();
  profile.categories.forEach((c, i) => {
    index.set(c.value, i);
  });
  const counts = new Array<number>(profile.categories.length + 1).fill(0);
  for (const v of window) counts[index.get(v) ?? profile.categories.length]!++;
  return counts.map((c) => (window.length === 0 ? 0 : c / window.length));
}

/** PSI and JS of a categorical window (values keyed by String(value)) against a categorical field profile. */
export function categoricalDrift(
  profile: CategoricalFieldProfile,
  window: readonly string[],
  options: DriftOptions = {},
): DriftResult[] {
  const { t, minWindow, eps } = resolve(options);
  const n = window.length;
  const enough = n >= minWindow && n > 0 && profile.count > 0;
  const expected = [...profile.categories.map((c) => c.proportion), profile.otherProportion];
  const actual = categoricalProportions(profile, window);
  const computable = n > 0 && profile.count > 0;
  const psiValue = computable ? psi(expected, actual, eps) : 0;
  const jsValue = computable ? jensenShannon(expected, actual) : 0;
  return [
    {
      method: 'psi',
      value: psiValue,
      n,
      verdict: enough ? graded(psiValue, t.psiWarn, t.psiDrift) : 'insufficient_data',
    },
    {
      method: 'js',
      value: jsValue,
      n,
      verdict: enough ? graded(jsValue, t.jsWarn, t.jsDrift) : 'insufficient_data',
    },
  ];
}

const SEVERITY: Record<DriftVerdict, number> = { insufficient_data: 0, ok: 1, warn: 2, drift: 3 };

/** The worst verdict of a field's methods; 'insufficient_data' only when no method gave one. */
export function worstVerdict(results: readonly DriftResult[]): DriftVerdict {
  let worst: DriftVerdict = 'insufficient_data';
  for (const r of results) if (SEVERITY[r.verdict] > SEVERITY[worst]) worst = r.verdict;
  return worst;
}
