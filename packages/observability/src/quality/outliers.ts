/**
 * Robust outlier rules for numeric fields. Both rules reduce to a pair of fences [lower, upper]
 * fitted on one sample (the reference) and applied to any other: a value is an outlier when it is
 * strictly below `lower` or strictly above `upper`.
 *
 * - IQR (Tukey): lower = Q1 − k·IQR, upper = Q3 + k·IQR, k = 1.5 by default; quartiles by
 *   linear interpolation (type 7). For a normal distribution the outlier rate is 2·(1 − Φ(2.698)) ≈ 0.70 %.
 * - MAD (Iglewicz–Hoaglin): modified z-score M = 0.6745·(x − median)/MAD, outlier when |M| > 3.5,
 *   that is fences median ± 3.5·MAD/0.6745. For a normal distribution the rate is 2·(1 − Φ(3.5)) ≈ 0.047 %.
 *   When MAD = 0 (more than half the values equal), the scale falls back to 1.253314·meanAD (the mean
 *   absolute deviation from the median), as in IBM SPSS; when that is 0 too, the fences collapse on the median.
 */
import { medianSorted, quantileSorted, sortedFinite } from './stats.ts';

export type OutlierRule = 'iqr' | 'mad';

export interface Fences {
  rule: OutlierRule;
  /** k for IQR, the modified-z threshold for MAD. */
  threshold: number;
  lower: number;
  upper: number;
}

export const DEFAULT_IQR_K = 1.5;
export const DEFAULT_MAD_THRESHOLD = 3.5;

export function fitIqrFences(values: readonly number[], k = DEFAULT_IQR_K): Fences | null {
  const s = sortedFinite(values);
  if (s.length === 0) return null;
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  return { rule: 'iqr', threshold: k, lower: q1 - k * iqr, upper: q3 + k * iqr };
}

export function fitMadFences(values: readonly number[], threshold = DEFAULT_MAD_THRESHOLD): Fences | null {
  const s = sortedFinite(values);
  if (s.length === 0) return null;
  const med = medianSorted(s);
  const dev = sortedFinite(s.map((v) => Math.abs(v - med)));
  const mad = medianSorted(dev);
  let halfWidth: number;
  if (mad > 0) {
    halfWidth = (threshold * mad) / 0.6745;
  } else {
    let sum = 0;
    for (const d of dev) sum += d;
    const meanAd = sum / dev.length;
    halfWidth = meanAd > 0 ? (threshold * 1.253314 * meanAd) / 0.6745 : 0;
  }
  return { rule: 'mad', threshold, lower: med - halfWidth, upper: med + halfWidth };
}

export function fitFences(values: readonly number[], rule: OutlierRule, threshold?: number): Fences | null {
  return rule === 'iqr' ? fitIqrFences(values, threshold) : fitMadFences(values, threshold);
}

export interface OutlierStats {
  /** Finite values examined (missing and non-numeric values are not counted here). */
  checked: number;
  outliers: number;
  /** outliers / checked; 0 when nothing was checked. */
  rate: number;
}

export function outlierStats(values: readonly number[], fences: Fences): OutlierStats {
  let checked = 0;
  let outliers = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    checked++;
    if (v < fences.lower || v > fences.upper) outliers++;
  }
  return { checked, outliers, rate: checked === 0 ? 0 : outliers / checked };
}
