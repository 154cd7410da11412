import { describe, expect, it } from 'vitest';
import { topReasons } from './explain.ts';
import { trainGbdt } from './gbdt.ts';
import { trainLogReg } from './logreg.ts';
import { makeClassification } from './synthetic.ts';

describe('top reasons', () => {
  it('ranks positive contributions, or absolute ones when asked', () => {
    const c = { bias: -3, values: Float64Array.from([0.2, -1.5, 0.9, 0, 0.2]) };
    const names = ['a', 'b', 'c', 'd', 'e'];
    const row = [1, 2, Number.NaN, 4, 5];
    expect(topReasons(c, names, row, 2)).toEqual([
      { feature: 'c', contribution: 0.9, value: null },
      { feature: 'a', contribution: 0.2, value: 1 },
    ]);
    expect(topReasons(c, names, row, 10).map((r) => r.feature)).toEqual(['c', 'a', 'e']);
    expect(topReasons(c, names, row, 2, 'both').map((r) => r.feature)).toEqual(['b', 'c']);
    expect(() => topReasons(c, ['a'], row)).toThrow(/featureNames/);
  });

  it('names the feature that drives a high score, for both models', () => {
    // In makeClassification, x2 > 0.5 adds 2 to the log-odds.
    const { X, y } = makeClassification(6000, 6, 4);
    const names = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
    const g = trainGbdt(X, y, { nTrees: 40, maxDepth: 3 }, { featureNames: names });
    const l = trainLogReg(X, y, {}, { featureNames: names });
    const row = [0, 0, 2.5, 0, 0, 0];
    expect(topReasons(g.contributionsRow(row), names, row, 1)[0]!.feature).toBe('x2');
    expect(topReasons(l.contributionsRow(row), names, row, 1)[0]!.feature).toBe('x2');
  });
});
