import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { binMatrix, binOf, mapperFromEdges, sortFloat64 } from './binning.ts';
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

describe('sortFloat64', () => {
  it('sorts as Float64Array.prototype.sort does, signed zeros, infinities and subnormals included', () => {
    const rng = new Rng(99);
    const rand = () => rng.next();
    const special = [-0, 0, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE];
    const inputs = [
      Float64Array.from({ length: 5000 }, () => (rand() - 0.5) * 1e6), // both signs, all digits differ
      Float64Array.from({ length: 5000 }, () => Math.floor(rand() * 40)), // integers: low words all 0
      Float64Array.from({ length: 3000 }, (_, i) =>
        i % 7 === 0
          ? special[i % special.length]!
          : i % 11 === 0
            ? (-1) ** i * Number.POSITIVE_INFINITY
            : Math.exp(rand() * 80 - 40),
      ),
      Float64Array.of(3, 3, 3),
      Float64Array.of(1),
      new Float64Array(0),
    ];
    for (const x of inputs) {
      const want = x.slice().sort();
      const got = sortFloat64(x.slice());
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Object.is(got[i], want[i]), `index ${i}`).toBe(true);
    }
    // in place, on a view into a larger buffer
    const big = Float64Array.of(9, 5, -2, 7, 1, 100);
    sortFloat64(big.subarray(1, 5));
    expect([...big]).toEqual([9, -2, 1, 5, 7, 100]);
  });
});
