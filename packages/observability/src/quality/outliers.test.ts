import { normalSample } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { fitIqrFences, fitMadFences, outlierStats } from './outliers.ts';
import { normalCdf } from './stats.ts';

// Theoretical rates for a normal distribution.
const TUKEY_RATE = 2 * (1 - normalCdf(0.6744898 * 4)); // fences at Q3 + 1.5·IQR = 2.698σ: ≈ 0.698 %
const MAD_RATE = 2 * (1 - normalCdf(3.5)); // fences at median ± 3.5σ: ≈ 0.047 %

describe('outliers', () => {
  it('IQR fences on a small hand example', () => {
    const f = fitIqrFences([1, 2, 3, 4, 5, 6, 7, 8, 100])!;
    // Q1 = 3, Q3 = 7, IQR = 4 → [−3, 13]
    expect(f).toEqual({ rule: 'iqr', threshold: 1.5, lower: -3, upper: 13 });
    expect(outlierStats([1, 2, 3, 4, 5, 6, 7, 8, 100, Number.NaN], f)).toEqual({
      checked: 9,
      outliers: 1,
      rate: 1 / 9,
    });
  });

  it('MAD fences on a small hand example, with the meanAD fallback', () => {
    const f = fitMadFences([1, 2, 3, 4, 100])!;
    // median 3, |x − 3| = 2,1,0,1,97 → MAD 1; fences 3 ± 3.5/0.6745
    expect(f.lower).toBeCloseTo(3 - 3.5 / 0.6745, 10);
    expect(f.upper).toBeCloseTo(3 + 3.5 / 0.6745, 10);
    const flat = fitMadFences([5, 5, 5, 5, 5, 9])!;
    // MAD 0 → meanAD = 4/6, half-width = 3.5·1.253314·(4/6)/0.6745
    expect(flat.upper - 5).toBeCloseTo((3.5 * 1.253314 * (4 / 6)) / 0.6745, 10);
    expect(fitMadFences([])).toBeNull();
  });

  it('Tukey rate on a normal sample matches theory (≈ 0.70 %), fences fitted on a reference', () => {
    const reference = normalSample(100_000, 1);
    const fresh = normalSample(200_000, 2);
    const f = fitIqrFences(reference)!;
    expect(f.upper).toBeCloseTo(2.698, 1);
    const r = outlierStats(fresh, f).rate;
    expect(TUKEY_RATE).toBeCloseTo(0.00698, 4);
    expect(Math.abs(r - TUKEY_RATE)).toBeLessThan(0.001);
  });

  it('MAD rate on a normal sample matches theory (≈ 0.047 %)', () => {
    const reference = normalSample(100_000, 3);
    const fresh = normalSample(200_000, 4);
    const r = outlierStats(fresh, fitMadFences(reference)!).rate;
    expect(Math.abs(r - MAD_RATE)).toBeLessThan(0.0002);
  });

  it('a contaminated batch shows the excess', () => {
    const xs = normalSample(10_000, 5);
    for (let i = 0; i < 500; i++) xs[i] = 10 + i; // 5 % gross errors
    const r = outlierStats(xs, fitIqrFences(normalSample(10_000, 6))!).rate;
    expect(r).toBeGreaterThan(0.05);
    expect(r).toBeLessThan(0.05 + 0.012);
  });
});
