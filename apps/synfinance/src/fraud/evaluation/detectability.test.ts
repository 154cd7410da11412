import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../../generator/test-helpers.ts';
import { detectability } from './detectability.ts';
import { averagePrecision } from './metrics.ts';

describe('fraud is detectable from behaviour, but not trivially', () => {
  it('average precision is 1 for a perfect ranking and the positive rate for a constant score', () => {
    expect(averagePrecision([1, 1, 0, 0], [3, 2, 1, 0])).toBe(1);
    expect(averagePrecision([1, 0, 0, 0], [0, 0, 0, 0])).toBeGreaterThan(0);
  });
  it('history features + GBDT: default difficulty lands between chance and perfect; hard is harder than easy', async () => {
    const res: Record<string, number> = {};
    for (const difficulty of ['easy', 'hard'] as const) {
      const g = await generate(80_000, 'csv', { difficulty, seed: 11 });
      res[difficulty] = (await detectability(g.file, 60)).ap;
      fs.rmSync(g.dir, { recursive: true, force: true });
    }
    expect(res.easy!).toBeGreaterThan(0.6);
    expect(res.easy!).toBeLessThan(0.99);
    expect(res.hard!).toBeLessThan(res.easy!);
    expect(res.hard!).toBeGreaterThan(0.2);
  });
});
