/**
 * Time-based train/test split, as the fraud-detection handbook (Le Borgne et al.) evaluates: train on
 * earlier days, leave an optional gap (the delay before fraud labels are known), test on later days.
 */
export const MS_PER_DAY = 86_400_000;

/** Whole days since `originMs` (UTC days; negative before the origin). */
export function dayIndex(timestampMs: number, originMs = 0): number {
  return Math.floor((timestampMs - originMs) / MS_PER_DAY);
}

export interface TimeSplitOptions {
  /** First training day; defaults to the smallest day in the data. */
  trainStartDay?: number;
  /** Number of training days (>= 1). */
  trainDays: number;
  /** Days skipped between training and test (>= 0, default 0). */
  gapDays?: number;
  /** Number of test days (>= 1); defaults to all remaining days. */
  testDays?: number;
  /**
   * Card ids per row. When given with `labels`, test rows of cards that had a fraud during the training
   * or gap period are removed (they are already known compromised), as in the handbook.
   */
  cardId?: ArrayLike<string | number>;
  labels?: ArrayLike<number>;
}

export interface TimeSplit {
  train: Uint32Array;
  test: Uint32Array;
  /** Inclusive day ranges actually used. */
  trainRange: [number, number];
  testRange: [number, number];
  /** Test rows dropped because their card was known compromised. */
  removedKnownCompromised: number;
}

export function timeBasedSplit(days: ArrayLike<number>, opts: TimeSplitOptions): TimeSplit {
  const n = days.length;
  const gap = opts.gapDays ?? 0;
  if (!Number.isInteger(opts.trainDays) || opts.trainDays < 1) {
    throw new RangeError(`trainDays must be a positive integer, got ${opts.trainDays}`);
  }
  if (!Number.isInteger(gap) || gap < 0)
    throw new RangeError(`gapDays must be a non-negative integer, got ${gap}`);
  if (opts.testDays !== undefined && (!Number.isInteger(opts.testDays) || opts.testDays < 1)) {
    throw new RangeError(`testDays must be a positive integer, got ${opts.testDays}`);
  }
  let minDay = Number.POSITIVE_INFINITY;
  let maxDay = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const d = days[i]!;
    if (!Number.isInteger(d)) throw new RangeError(`day at ${i} is ${d}; days must be integers`);
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
  }
  const start = opts.trainStartDay ?? minDay;
  const trainEnd = start + opts.trainDays - 1;
  const testStart = trainEnd + gap + 1;
  const testEnd = opts.testDays !== undefined ? testStart + opts.testDays - 1 : Math.max(maxDay, testStart);
  const known = new Set<string | number>();
  if (opts.cardId || opts.labels) {
    if (!opts.cardId || !opts.labels) throw new RangeError('cardId and labels must be given together');
    if (opts.cardId.length !== n || opts.labels.length !== n)
      throw new RangeError('cardId/labels length differs from days');
    for (let i = 0; i < n; i++) {
      const d = days[i]!;
      if (d >= start && d < testStart && opts.labels[i] === 1) known.add(opts.cardId[i]!);
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  let removed = 0;
  for (let i = 0; i < n; i++) {
    const d = days[i]!;
    if (d >= start && d <= trainEnd) train.push(i);
    else if (d >= testStart && d <= testEnd) {
      if (known.size > 0 && known.has(opts.cardId![i]!)) removed++;
      else test.push(i);
    }
  }
  return {
    train: Uint32Array.from(train),
    test: Uint32Array.from(test),
    trainRange: [start, trainEnd],
    testRange: [testStart, testEnd],
    removedKnownCompromised: removed,
  };
}
