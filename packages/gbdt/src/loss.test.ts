import { describe, expect, it } from 'vitest';
import { logLoss, pairedZ, softplus, weightedLogOdds } from './loss.ts';

describe('softplus / logLoss', () => {
  it('gives known values', () => {
    expect(softplus(0)).toBe(Math.LN2);
    expect(softplus(1)).toBeCloseTo(Math.log(1 + Math.E), 14);
    expect(softplus(-1)).toBeCloseTo(Math.log(1 + Math.exp(-1)), 14);
    expect(logLoss(0, 1)).toBe(Math.LN2);
    expect(logLoss(0, 0)).toBe(Math.LN2);
    // -log(sigmoid(2)) for y=1, -log(1 - sigmoid(2)) for y=0
    expect(logLoss(2, 1)).toBeCloseTo(-Math.log(1 / (1 + Math.exp(-2))), 14);
    expect(logLoss(2, 0)).toBeCloseTo(-Math.log(1 - 1 / (1 + Math.exp(-2))), 14);
  });

  it('stays finite for large |z|', () => {
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(logLoss(1000, 1)).toBe(0);
    expect(logLoss(1000, 0)).toBe(1000);
    expect(logLoss(-1000, 1)).toBe(1000);
    expect(logLoss(-1000, 0)).toBe(0);
  });
});

describe('weightedLogOdds', () => {
  it('is the log-odds of the positive rate without weights', () => {
    expect(weightedLogOdds([1, 0, 0, 0], undefined, 1e-12)).toBeCloseTo(Math.log(1 / 3), 14);
    expect(weightedLogOdds([1, 0], undefined, 1e-12)).toBe(0);
  });

  it('weights the rows', () => {
    // weighted positive rate 3 / (3 + 1 + 2) = 0.5
    expect(weightedLogOdds([1, 0, 0], [3, 1, 2], 1e-12)).toBe(0);
    // 1 / (1 + 4) = 0.2 -> log(0.25)
    expect(weightedLogOdds([1, 0], [1, 4], 1e-9)).toBeCloseTo(Math.log(0.25), 14);
  });

  it('clamps the rate to [eps, 1 - eps]', () => {
    expect(weightedLogOdds([0, 0], undefined, 1e-9)).toBeCloseTo(Math.log(1e-9 / (1 - 1e-9)), 10);
    expect(weightedLogOdds([1, 1], undefined, 1e-12)).toBeCloseTo(-Math.log(1e-12 / (1 - 1e-12)), 3);
    expect(Number.isFinite(weightedLogOdds([1, 1], undefined, 1e-12))).toBe(true);
  });
});

describe('pairedZ', () => {
  it('is the mean over its standard error (sample variance)', () => {
    const d = [1, 2, 3, 4];
    const sum = d.reduce((a, b) => a + b, 0);
    const sum2 = d.reduce((a, b) => a + b * b, 0);
    // mean 2.5, sample variance 5/3, se = sqrt(5/3 / 4)
    expect(pairedZ(sum, sum2, d.length)).toBeCloseTo(2.5 / Math.sqrt(5 / 3 / 4), 12);
    expect(pairedZ(-sum, sum2, d.length)).toBeCloseTo(-2.5 / Math.sqrt(5 / 3 / 4), 12);
  });

  it('handles zero spread', () => {
    expect(pairedZ(3, 3, 3)).toBe(Number.POSITIVE_INFINITY); // d = [1, 1, 1]
    expect(pairedZ(0, 0, 5)).toBe(0);
    expect(pairedZ(-2, 2, 2)).toBe(0); // d = [-1, -1]: no spread, non-positive mean
    expect(pairedZ(0.5, 0.25, 1)).toBe(Number.POSITIVE_INFINITY); // a single row
  });
});
