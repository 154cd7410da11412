import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  calibrationTable,
  costBasedThreshold,
  metricsAtThreshold,
  rankScores,
  recallByFraudType,
  rocAuc,
} from './metrics.ts';

describe('ROC AUC', () => {
  it('matches hand-computed values', () => {
    // Pairs (pos, neg): (0.35,0.1) ok, (0.35,0.4) wrong, (0.8,*) ok -> 3/4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 1], [0.2, 0.9])).toBe(1);
    expect(rocAuc([1, 0], [0.2, 0.9])).toBe(0);
  });

  it('counts tied positive/negative pairs as one half', () => {
    // pos {0.5, 0.9}, neg {0.5, 0.5}: two ties (0.5 each) + two wins = 3 of 4.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.9])).toBe(0.75);
    expect(rocAuc([0, 1, 0, 1], [3, 3, 3, 3])).toBe(0.5);
  });

  it('agrees with the brute-force pair count on random tied data', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const n = 300;
    const y = Array.from({ length: n }, () => (rnd() < 0.3 ? 1 : 0));
    const s = y.map((v) => Math.floor(rnd() * 10 + 3 * v)); // integer scores: many ties
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
      }
    }
    expect(rocAuc(y, s)).toBeCloseTo(wins / pairs, 12);
  });

  it('is NaN with one class and rejects bad input', () => {
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNaN();
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/labels must be 0 or 1/);
    expect(() => rocAuc([0, 1], [0.1])).toThrow(/differ in length/);
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(/NaN/);
  });
});

describe('average precision (step-wise, as scikit-learn)', () => {
  it('matches hand-computed values', () => {
    // Thresholds 0.8: R=.5 P=1; 0.4: R=.5; 0.35: R=1 P=2/3 -> .5 + .5*2/3.
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.5 + 1 / 3, 12);
    // Tie at 0.5 (one pos, one neg) is one threshold: R=.5 P=.5; then 0.2: R=1 P=2/3.
    expect(averagePrecision([1, 0, 1], [0.5, 0.5, 0.2])).toBeCloseTo(0.25 + 1 / 3, 12);
    expect(averagePrecision([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(averagePrecision([0, 0], [0.9, 0.8])).toBeNaN();
  });

  it('with row weights equals AP over the rows repeated that many times, ranked once or not', () => {
    const rng = new Rng(7);
    const rand = () => rng.next();
    const n = 60;
    const y = Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
    const s = Array.from({ length: n }, () => Math.round(rand() * 10) / 10); // many ties
    const w = Array.from({ length: n }, () => Math.floor(rand() * 3)); // 0, 1 or 2, as a bootstrap draws
    const top = Math.max(...s);
    for (let i = 0; i < n; i++) if (s[i] === top) w[i] = 0; // a leading zero-weight group must not give NaN
    const yRep: number[] = [];
    const sRep: number[] = [];
    for (let i = 0; i < n; i++)
      for (let k = 0; k < w[i]!; k++) {
        yRep.push(y[i]!);
        sRep.push(s[i]!);
      }
    const expected = averagePrecision(yRep, sRep);
    expect(expected).toBeGreaterThan(0);
    expect(averagePrecision(y, s, w)).toBeCloseTo(expected, 12);
    expect(averagePrecision(y, rankScores(s), w)).toBeCloseTo(expected, 12);
    expect(averagePrecision(y, rankScores(s))).toBeCloseTo(averagePrecision(y, s), 15);
    expect(() => averagePrecision(y, s, w.slice(1))).toThrow(/weights/);
  });
});

describe('threshold metrics', () => {
  it('counts score >= threshold as flagged', () => {
    const m = metricsAtThreshold([1, 1, 0, 0, 1], [0.9, 0.4, 0.6, 0.1, 0.5], 0.5);
    expect(m).toMatchObject({ tp: 2, fp: 1, tn: 1, fn: 1, alertRate: 0.6 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    const none = metricsAtThreshold([1, 0], [0.1, 0.2], 0.5);
    expect(none).toMatchObject({ tp: 0, fp: 0, precision: 0, recall: 0, f1: 0 });
  });
});

describe('cost-based threshold', () => {
  const y = [1, 0, 1, 0, 0];
  const s = [0.9, 0.8, 0.7, 0.3, 0.2];
  it('minimises FN and FP costs (hand-computed)', () => {
    // costs per threshold with FN=10, FP=1: none 20, .9 10, .8 11, .7 1, .3 2, .2 3.
    const a = costBasedThreshold(y, s, 10, 1);
    expect(a).toMatchObject({ threshold: 0.7, cost: 1, tp: 2, fp: 1, costFlagNone: 20, costFlagAll: 3 });
    // FN=10, FP=15: none 20, .9 10, .8 25, .7 15 -> .9.
    expect(costBasedThreshold(y, s, 10, 15)).toMatchObject({ threshold: 0.9, cost: 10 });
    // Top score genuine and FP expensive: none 1, .9 101, .8 100 -> flag nothing.
    expect(costBasedThreshold([0, 1], [0.9, 0.8], 1, 100)).toMatchObject({
      threshold: Number.POSITIVE_INFINITY,
      cost: 1,
      tp: 0,
      fp: 0,
    });
  });

  it('takes per-row FN costs (e.g. amounts) and prefers fewer alerts on equal cost', () => {
    // Missed-fraud costs 100 and 5; FP 10: none 105, .9 5, .8 15, .7 10.
    expect(costBasedThreshold(y, s, [100, 0, 5, 0, 0], 10)).toMatchObject({ threshold: 0.9, cost: 5 });
    // FN=1, FP=1 on [1,0,1]: .9 -> 1, .8 -> 2, .7 -> 1: tie, the higher threshold wins.
    expect(costBasedThreshold([1, 0, 1], [0.9, 0.8, 0.7], 1, 1)).toMatchObject({ threshold: 0.9, cost: 1 });
    expect(() => costBasedThreshold(y, s, -1, 1)).toThrow(/costFn/);
  });
});

describe('calibration table', () => {
  it('bins probabilities and reports mean predicted vs observed (hand-computed)', () => {
    const t = calibrationTable([0, 0, 1, 1, 1, 0], [0.05, 0.15, 0.12, 0.95, 1.0, 0.5], 2);
    expect(t.bins).toHaveLength(2);
    expect(t.bins[0]).toMatchObject({ lower: 0, upper: 0.5, count: 3, positives: 1 });
    expect(t.bins[0]!.meanPredicted).toBeCloseTo(0.32 / 3, 12);
    expect(t.bins[0]!.observedRate).toBeCloseTo(1 / 3, 12);
    expect(t.bins[1]).toMatchObject({ count: 3, positives: 2 }); // 0.5 on the edge goes up, 1.0 in the last bin
    expect(t.bins[1]!.meanPredicted).toBeCloseTo(2.45 / 3, 12);
    expect(t.ece).toBeCloseTo(0.5 * Math.abs(0.32 / 3 - 1 / 3) + 0.5 * Math.abs(2.45 / 3 - 2 / 3), 12);
  });

  it('reports empty bins as null, supports quantile bins, rejects non-probabilities', () => {
    const t = calibrationTable([0, 1], [0.1, 0.2], 10);
    expect(t.bins[9]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
    const q = calibrationTable([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], 2, 'quantile');
    expect(q.bins.map((b) => b.count)).toEqual([2, 2]);
    expect(q.bins[1]!.lower).toBe(0.3);
    expect(() => calibrationTable([0], [1.5])).toThrow(/must be in \[0, 1\]/);
  });
});

describe('recall per fraud type', () => {
  it('counts only fraud rows, unknown type for missing, sorted by name', () => {
    const r = recallByFraudType(
      [1, 1, 1, 0, 1],
      [0.9, 0.2, 0.8, 0.9, 0.6],
      ['card_testing', 'card_testing', 'account_takeover', null, null],
      0.5,
    );
    expect(r).toEqual([
      { fraudType: 'account_takeover', frauds: 1, detected: 1, recall: 1 },
      { fraudType: 'card_testing', frauds: 2, detected: 1, recall: 0.5 },
      { fraudType: 'unknown', frauds: 1, detected: 1, recall: 1 },
    ]);
  });
});
