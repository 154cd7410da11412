import { describe, expect, it } from 'vitest';
import { binMatrix, binOf, mapperFromEdges } from './binning.ts';
import { matrixFromColumns } from './matrix.ts';

describe('binMatrix', () => {
  it('puts every value, edges and NaN included, in the bin binOf gives', () => {
    const edgeSets = [[], [0], [-1, 2.5], Array.from({ length: 255 }, (_, i) => i * 0.5 - 40)];
    const values: number[] = [Number.NaN, -0, 0, -1e300, 1e300, Number.NEGATIVE_INFINITY];
    for (const e of edgeSets) for (const x of e) values.push(x, x - 1e-9, x + 1e-9);
    for (let i = 0; i < 2000; i++) values.push(Math.sin(i) * 100);
    const cols = edgeSets.map(() => Float64Array.from(values));
    const mapper = mapperFromEdges(edgeSets.map((e) => Float64Array.from(e)));
    const binned = binMatrix(matrixFromColumns(cols), mapper);
    edgeSets.forEach((e, c) => {
      const want = values.map((v) => binOf(Float64Array.from(e), v));
      const got = Array.from(binned.subarray(c * values.length, (c + 1) * values.length));
      expect(got).toEqual(want);
    });
  });
});
