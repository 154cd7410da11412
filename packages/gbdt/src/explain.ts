import type { Contributions } from './gbdt.ts';

export interface Reason {
  feature: string;
  /** Contribution to the log-odds; positive pushes towards the positive class (fraud). */
  contribution: number;
  /** The row's value of the feature (null for NaN). */
  value: number | null;
}

/**
 * The k features that pushed the score up the most (positive contributions only, largest first;
 * ties by feature order). Works for both models' `contributionsRow`. Use `direction: 'both'` to rank by
 * absolute contribution instead.
 */
export function topReasons(
  contributions: Contributions,
  featureNames: readonly string[],
  row: ArrayLike<number>,
  k = 3,
  direction: 'increase' | 'both' = 'increase',
): Reason[] {
  const { values } = contributions;
  if (values.length !== featureNames.length) {
    throw new RangeError(
      `contributions have ${values.length} values, featureNames has ${featureNames.length}`,
    );
  }
  const idx: number[] = [];
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (direction === 'both' ? v !== 0 : v > 0) idx.push(j);
  }
  const key = (j: number) => (direction === 'both' ? Math.abs(values[j]!) : values[j]!);
  idx.sort((a, b) => key(b) - key(a) || a - b);
  return idx.slice(0, k).map((j) => {
    const x = row[j]!;
    return { feature: featureNames[j]!, contribution: values[j]!, value: Number.isNaN(x) ? null : x };
  });
}
