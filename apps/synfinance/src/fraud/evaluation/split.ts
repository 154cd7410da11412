import { type Dataset, DatasetError, isoDay } from '../features/dataset.ts';

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

/** What a dataset split used (saved in the model file under `fraud.split`). */
export interface SplitInfo {
  kind: 'time' | 'all-rows';
  train_rows: number;
  test_rows: number;
  /** Inclusive day numbers (UTC days since 1970-01-01) and the same as ISO dates. */
  train_days?: [number, number];
  test_days?: [number, number];
  train_dates?: [string, string];
  test_dates?: [string, string];
  gap_days?: number;
  /** Test rows dropped because their entity had a fraud during training or the gap (null: no entity column). */
  removed_known_compromised?: number | null;
  /** With validation (GBDT early stopping, logistic regression's check): the rows that fit the model and the held-out validation rows. */
  fit_rows?: number;
  valid_rows?: number;
  valid_days?: [number, number];
}

export interface SplitOptions {
  /** Test days at the end of the table (default 30% of its days); 0 = train on every row, no test. */
  testDays?: number;
  /** Days skipped between training and test (default 7, fewer if the table is short). */
  gapDays?: number;
  /** Days the training period must keep for a validation period (0 = none needed). */
  minTrainDays?: number;
}

/** The dataset parts a split reads (a `Dataset` from features/dataset.ts). */
type Splittable = Pick<
  Dataset,
  'nRows' | 'days' | 'y' | 'cardIds' | 'timeColumn' | 'timeCandidates' | 'header'
>;

const dayRange = (days: ArrayLike<number>): [number, number] => {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < days.length; i++) {
    const d = days[i]!;
    if (d < min) min = d;
    if (d > max) max = d;
  }
  return [min, max];
};

/** The error of a table without a usable time column, naming the options. */
export function noTimeColumnError(ds: Pick<Splittable, 'timeCandidates' | 'header'>): DatasetError {
  const cands = ds.timeCandidates;
  const why =
    cands.length > 1
      ? `several columns hold times (${cands.join(', ')}): choose one with --time-col`
      : `no column holds dates or times (columns: ${ds.header.join(', ')}): name one with --time-col`;
  return new DatasetError(
    `a time split needs a time column; ${why}, or train on every row with --test-days 0 and evaluate on another file`,
  );
}

/**
 * Split a dataset by day: the last `testDays` days test, `gapDays` before them skipped, earlier days
 * train. Test rows of entities (cards) that had a fraud during training or the gap are removed: they
 * are already known compromised, as the handbook evaluates. `testDays: 0` trains on every row.
 * A table without days cannot be split: that is an error naming the column options, never a
 * row-order fallback.
 */
export function splitDataset(
  ds: Splittable,
  opts: SplitOptions,
): { train: Uint32Array; test: Uint32Array; info: SplitInfo } {
  if (opts.testDays === 0) {
    if (opts.gapDays) throw new DatasetError('--gap-days needs a test period; --test-days 0 has none');
    const all = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
    const info: SplitInfo = { kind: 'all-rows', train_rows: ds.nRows, test_rows: 0 };
    if (ds.days) {
      const r = dayRange(ds.days);
      Object.assign(info, { train_days: r, train_dates: [isoDay(r[0]), isoDay(r[1])] });
    }
    return { train: all, test: new Uint32Array(0), info };
  }
  if (!ds.days) throw noTimeColumnError(ds);
  const [min, max] = dayRange(ds.days);
  const span = max - min + 1;
  const testDays = opts.testDays ?? Math.max(1, Math.round(span * 0.3));
  const gap = opts.gapDays ?? Math.max(0, Math.min(7, span - testDays - 1));
  const trainDays = span - testDays - gap;
  const need = Math.max(1, opts.minTrainDays ?? 1);
  if (trainDays < need) {
    const t = `${testDays} test day${testDays === 1 ? '' : 's'} (${opts.testDays === undefined ? 'default: 30% of the days' : '--test-days'})`;
    const g = `${gap} gap day${gap === 1 ? '' : 's'} (${opts.gapDays === undefined ? 'default: up to 7' : '--gap-days'})`;
    const left =
      trainDays < 1 ? 'no training days' : `${trainDays} training day${trainDays === 1 ? '' : 's'}`;
    const more =
      need > 1
        ? `, and the validation period needs ${need} (fit days before validation days; --early-stopping 0 turns validation off)`
        : '';
    throw new DatasetError(
      `the table spans ${span} days (${isoDay(min)} to ${isoDay(max)}, column ${ds.timeColumn}): ${t} and ${g} leave ${left}${more}`,
    );
  }
  const known = ds.cardIds ? { cardId: ds.cardIds, labels: ds.y } : {};
  const s = timeBasedSplit(ds.days, { trainDays, gapDays: gap, testDays, ...known });
  if (s.test.length === 0) throw new DatasetError('the test period has no rows');
  return {
    train: s.train,
    test: s.test,
    info: {
      kind: 'time',
      train_rows: s.train.length,
      test_rows: s.test.length,
      train_days: s.trainRange,
      test_days: s.testRange,
      train_dates: [isoDay(s.trainRange[0]), isoDay(s.trainRange[1])],
      test_dates: [isoDay(s.testRange[0]), isoDay(s.testRange[1])],
      gap_days: gap,
      removed_known_compromised: ds.cardIds ? s.removedKnownCompromised : null,
    },
  };
}

/**
 * Rows of the last `testDays` days of a table whose earlier rows are history only (`evaluate
 * --test-days`), without the entities that had a fraud in those earlier rows (known compromised).
 */
export function lastDaysRows(
  ds: Splittable,
  testDays: number,
): { rows: Uint32Array; removed: number | null; from: number; to: number } {
  if (!ds.days) throw noTimeColumnError(ds);
  const [min, max] = dayRange(ds.days);
  const span = max - min + 1;
  if (testDays >= span)
    throw new DatasetError(
      `--test-days ${testDays} covers the whole table (${span} days): leave it out to evaluate every row`,
    );
  const known = ds.cardIds ? { cardId: ds.cardIds, labels: ds.y } : {};
  const s = timeBasedSplit(ds.days, { trainDays: span - testDays, testDays, ...known });
  return {
    rows: s.test,
    removed: ds.cardIds ? s.removedKnownCompromised : null,
    from: s.testRange[0],
    to: s.testRange[1],
  };
}
