/** Small numeric helpers shared by the data-quality modules. Pure functions, no I/O. */

/** Ascending copy of the finite values (NaN and ±Infinity are dropped). */
export function sortedFinite(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out.sort((a, b) => a - b);
}

/**
 * Quantile of an ascending array by linear interpolation between order statistics
 * (Hyndman–Fan type 7, the default of R and NumPy): h = (n − 1)·p.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0]!;
  if (p >= 1) return sorted[n - 1]!;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, n - 1)]!;
  return a + (h - lo) * (b - a);
}

export function medianSorted(sorted: readonly number[]): number {
  return quantileSorted(sorted, 0.5);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample standard deviation (n − 1 denominator); NaN below two values. */
export function standardDeviation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) * (v - m);
  return Math.sqrt(s / (n - 1));
}

/** Error function via the Chebyshev-fitted erfc of Numerical Recipes (erfcc), fractional error < 1.2e-7. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** Standard normal cumulative distribution function Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/**
 * Kolmogorov distribution tail Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2 j² λ²}, the asymptotic
 * P(√n·D > λ). Returns 1 for small λ where the series converges poorly (Q is 1 to 7 digits there).
 */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12 * Math.abs(sum) || Math.abs(term) < 1e-300) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
