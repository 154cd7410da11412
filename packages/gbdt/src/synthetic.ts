import { Rng } from '@polymorph/random/rng';
import type { Matrix } from './matrix.ts';

export interface Synthetic {
  X: Matrix;
  y: Uint8Array;
  /** The true probability of y=1 for each row. */
  prob: Float64Array;
}

/**
 * Synthetic binary classification data with a known, non-linear log-odds:
 *   z = -2.5 + 1.5*x0 - 1.0*x1 + 1.2*x0*x1 + 2.0*(x2 > 0.5) - 1.5*|x3| + 0.8*sin(3*x4)
 * Features are standard normal; columns beyond 5 are pure noise. A fraction `missingRate` of x1 values
 * is replaced by NaN after the label is drawn. Deterministic for a given seed.
 */
export function makeClassification(nRows: number, nCols: number, seed: number, missingRate = 0): Synthetic {
  if (nCols < 5) throw new RangeError('makeClassification needs at least 5 columns');
  const rng = new Rng(seed);
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const y = new Uint8Array(nRows);
  const prob = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const x = (c: number) => data[c * nRows + r]!;
    const z =
      -2.5 +
      1.5 * x(0) -
      1.0 * x(1) +
      1.2 * x(0) * x(1) +
      2.0 * (x(2) > 0.5 ? 1 : 0) -
      1.5 * Math.abs(x(3)) +
      0.8 * Math.sin(3 * x(4));
    const p = 1 / (1 + Math.exp(-z));
    prob[r] = p;
    y[r] = rng.next() < p ? 1 : 0;
  }
  if (missingRate > 0) {
    for (let r = 0; r < nRows; r++) if (rng.next() < missingRate) data[nRows + r] = Number.NaN;
  }
  return { X: { nRows, nCols, data }, y, prob };
}

/** ROC AUC by the rank-sum (Mann-Whitney) formula with mid-ranks for ties; small helper for tests. */
export function aucForTests(y: ArrayLike<number>, s: ArrayLike<number>): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[a]! - s[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1]!] === s[idx[i]!]) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[idx[k]!] === 1) {
        rankSumPos += mid;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
