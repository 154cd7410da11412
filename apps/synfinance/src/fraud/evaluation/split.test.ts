import { describe, expect, it } from 'vitest';
import { dayIndex, MS_PER_DAY, splitDataset, timeBasedSplit } from './split.ts';

describe('time-based split', () => {
  const days = [0, 0, 1, 2, 3, 4, 5, 5];

  it('trains on earlier days, skips the gap, tests on later days', () => {
    const s = timeBasedSplit(days, { trainDays: 2, gapDays: 1, testDays: 2 });
    expect([...s.train]).toEqual([0, 1, 2]);
    expect([...s.test]).toEqual([4, 5]);
    expect(s.trainRange).toEqual([0, 1]);
    expect(s.testRange).toEqual([3, 4]);
    const t = timeBasedSplit(days, { trainStartDay: 1, trainDays: 2 });
    expect([...t.train]).toEqual([2, 3]);
    expect([...t.test]).toEqual([4, 5, 6, 7]);
  });

  it('never puts a test day before or inside the training period', () => {
    const s = timeBasedSplit(days, { trainDays: 3, gapDays: 2 });
    const maxTrain = Math.max(...[...s.train].map((i) => days[i]!));
    const minTest = Math.min(...[...s.test].map((i) => days[i]!));
    expect(minTest - maxTrain).toBeGreaterThan(2);
  });

  it('drops test rows of cards known compromised during training or the gap', () => {
    const s = timeBasedSplit([0, 1, 2, 3, 3], {
      trainDays: 1,
      gapDays: 1,
      cardId: ['A', 'B', 'A', 'A', 'B'],
      labels: [0, 1, 0, 1, 0],
    });
    // B had a fraud on day 1 (gap): its day-3 row is removed; A's fraud is in the test period only.
    expect([...s.test]).toEqual([2, 3]);
    expect(s.removedKnownCompromised).toBe(1);
  });

  it('validates options and computes UTC day indices', () => {
    expect(() => timeBasedSplit(days, { trainDays: 0 })).toThrow(/trainDays/);
    expect(() => timeBasedSplit(days, { trainDays: 1, gapDays: -1 })).toThrow(/gapDays/);
    expect(() => timeBasedSplit([0.5], { trainDays: 1 })).toThrow(/integers/);
    expect(dayIndex(Date.UTC(2026, 0, 2, 23, 59), Date.UTC(2026, 0, 1))).toBe(1);
    expect(dayIndex(-1)).toBe(-1);
    expect(MS_PER_DAY).toBe(86_400_000);
  });
});

describe('splitDataset', () => {
  const base = {
    nRows: 7,
    days: Int32Array.from([0, 0, 1, 1, 2, 3, 3]),
    cardIds: ['a', 'b', 'a', 'b', 'c', 'a', 'c'],
    y: Uint8Array.from([1, 0, 0, 0, 0, 0, 1]),
    timeColumn: 't',
    timeCandidates: ['t'],
    header: ['t', 'card', 'y'],
  };
  it('removes test rows of cards with a fraud in training or the gap', () => {
    const s = splitDataset(base, { testDays: 2, gapDays: 1 });
    expect([...s.train]).toEqual([0, 1]);
    expect([...s.test]).toEqual([4, 6]);
    expect(s.info.removed_known_compromised).toBe(1);
    expect(s.info.test_dates).toEqual(['1970-01-03', '1970-01-04']);
    // without an entity column nothing can be removed, and the report says so (null)
    const n = splitDataset({ ...base, cardIds: null }, { testDays: 2, gapDays: 1 });
    expect([...n.test]).toEqual([4, 5, 6]);
    expect(n.info.removed_known_compromised).toBeNull();
  });
  it('--test-days 0 trains on every row, with or without days', () => {
    expect([...splitDataset(base, { testDays: 0 }).train]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const s = splitDataset({ ...base, days: null }, { testDays: 0 });
    expect(s.info).toEqual({ kind: 'all-rows', train_rows: 7, test_rows: 0 });
    expect(() => splitDataset(base, { testDays: 0, gapDays: 2 })).toThrow(/--gap-days needs a test period/);
  });
  it('without days a split is an error, not a row-order fallback', () => {
    expect(() => splitDataset({ ...base, days: null, timeCandidates: [] }, {})).toThrow(
      /no column holds dates or times \(columns: t, card, y\)/,
    );
  });
  it('names the defaults that left too few training days', () => {
    expect(() => splitDataset(base, { minTrainDays: 2 })).toThrow(
      /1 test day \(default: 30% of the days\) and 2 gap days \(default: up to 7\) leave 1 training day, and the validation period needs 2/,
    );
    expect(() => splitDataset(base, { testDays: 3, gapDays: 1, minTrainDays: 1 })).toThrow(
      /3 test days \(--test-days\) and 1 gap day \(--gap-days\) leave no training days/,
    );
  });
});
