import { describe, expect, it } from 'vitest';
import { trainGbdt } from './gbdt.ts';
import { makeClassification } from './synthetic.ts';

describe('GBDT fit on worker threads', () => {
  it('grows the same trees on 2 threads as on 1 (sums differ only in rounding)', () => {
    // Enough rows that the root and first levels are split between the main thread and a worker.
    const d = makeClassification(20_000, 8, 5, 0.05);
    const p = { nTrees: 15, maxDepth: 4, learningRate: 0.3, minSamplesLeaf: 1, colsampleBytree: 0.75 };
    const one = trainGbdt(d.X, d.y, p, { threads: 1 });
    const two = trainGbdt(d.X, d.y, p, { threads: 2 });
    expect([...two.trees.feature]).toEqual([...one.trees.feature]);
    expect([...two.trees.threshold]).toEqual([...one.trees.threshold]);
    const a = one.predictRaw(d.X);
    const b = two.predictRaw(d.X);
    for (let r = 0; r < a.length; r++) expect(b[r]!).toBeCloseTo(a[r]!, 9);
  });

  it('refuses a thread count out of range', () => {
    const d = makeClassification(100, 5, 1);
    expect(() => trainGbdt(d.X, d.y, { nTrees: 1 }, { threads: 0 })).toThrow(/threads must be an integer/);
  });
});
