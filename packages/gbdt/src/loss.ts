/** Shared numeric pieces of the binary log-loss objective (GBDT and logistic regression). */

/** log(1 + exp(z)) without overflow for large |z|. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Log-loss of raw score (log-odds) z for label y in {0, 1}: softplus(z) - y*z, computed stably. */
export function logLoss(z: number, y: number): number {
  return softplus(z) - y * z;
}

/**
 * Weighted log-odds of the labels, log(p / (1 - p)) with p = sum(w*y) / sum(w) clamped to [eps, 1 - eps].
 * Without weights every row weighs 1. This is the intercept-only optimum of the weighted log-loss.
 */
export function weightedLogOdds(y: ArrayLike<number>, w: ArrayLike<number> | undefined, eps: number): number {
  let sw = 0;
  let swy = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i]! : 1;
    sw += wi;
    swy += wi * y[i]!;
  }
  const p = Math.min(1 - eps, Math.max(eps, swy / sw));
  return Math.log(p / (1 - p));
}

/**
 * Paired z statistic of n per-row differences d given sum(d) and sum(d*d): mean(d) over its standard
 * error, using the sample variance (n/(n-1) correction). With zero spread it is +Infinity for a
 * positive mean and 0 otherwise.
 */
export function pairedZ(sum: number, sumSquares: number, n: number): number {
  const mean = sum / n;
  const varD = Math.max(0, sumSquares / n - mean * mean) * (n / Math.max(1, n - 1));
  const se = Math.sqrt(varD / n);
  return se > 0 ? mean / se : mean > 0 ? Number.POSITIVE_INFINITY : 0;
}
