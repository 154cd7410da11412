import { describe, expect, it } from 'vitest';
import { dayIndex, MS_PER_DAY, timeBasedSplit } from './split.ts';

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
