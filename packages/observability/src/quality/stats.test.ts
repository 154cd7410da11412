import { normalSample, Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { kolmogorovQ, mean, normalCdf, quantileSorted, standardDeviation } from './stats.ts';

describe('seeded samples (from @polymorph/random) through mean and standardDeviation', () => {
  it('uniform draws are deterministic and have mean 0.5', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(mean(xs)).toBeCloseTo(0.5, 1);
  });

  it('normal draws give N(mean, sd²)', () => {
    const xs = normalSample(50_000, 7, 3, 2);
    expect(mean(xs)).toBeCloseTo(3, 1);
    expect(standardDeviation(xs)).toBeCloseTo(2, 1);
  });
});

describe('stats', () => {
  it('type-7 quantiles match R/NumPy', () => {
    const s = [1, 2, 3, 4, 10];
    expect(quantileSorted(s, 0.25)).toBe(2);
    expect(quantileSorted(s, 0.5)).toBe(3);
    expect(quantileSorted(s, 0.9)).toBeCloseTo(7.6, 12);
    expect(quantileSorted([5], 0.3)).toBe(5);
    expect(quantileSorted([], 0.3)).toBeNaN();
  });

  it('normal CDF matches tabulated values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(normalCdf(0.5)).toBeCloseTo(0.691462, 6);
  });

  it('Kolmogorov tail matches the tabulated critical values', () => {
    expect(kolmogorovQ(1.358)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(1.628)).toBeCloseTo(0.01, 3);
    expect(kolmogorovQ(0.1)).toBe(1);
    expect(kolmogorovQ(5)).toBeLessThan(1e-20);
  });
});
