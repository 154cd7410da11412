import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { resolveLogRegParams, summarizeLogRegValidation, trainLogReg } from './logreg.ts';
import { matrixFromColumns, matrixFromRows } from './matrix.ts';
import { modelToJson, parseModel } from './model-io.ts';
import { aucForTests } from './synthetic.ts';

/** Data drawn from a known logistic model on features with different means and scales. */
function logisticData(n: number, seed: number, intercept: number, coef: number[]) {
  const rng = new Rng(seed);
  const x0 = new Float64Array(n);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x0[i] = rng.normal();
    x1[i] = 5 + 2 * rng.normal();
    x2[i] = rng.next() * 10;
    const z = intercept + coef[0]! * x0[i]! + coef[1]! * x1[i]! + coef[2]! * x2[i]!;
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: matrixFromColumns([x0, x1, x2]), y };
}

describe('logistic regression', () => {
  it('recovers the coefficients of a known logistic model', () => {
    const trueCoef = [1.2, -0.8, 0.3];
    const { X, y } = logisticData(40_000, 3, 1.5, trueCoef);
    const m = trainLogReg(X, y, { l2: 0 });
    expect(m.fitInfo.converged).toBe(true);
    expect(m.fitInfo.iterations).toBeLessThan(20);
    const { coef, intercept } = m.originalScale();
    for (let j = 0; j < 3; j++) expect(Math.abs(coef[j]! - trueCoef[j]!)).toBeLessThan(0.05);
    expect(Math.abs(intercept - 1.5)).toBeLessThan(0.15);
  });

  it('satisfies the intercept score equation: mean prediction equals the (weighted) positive rate', () => {
    const rng = new Rng(9);
    const n = 5000;
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const y = Uint8Array.from(x, (v) => (rng.next() < 1 / (1 + Math.exp(-(-3 + v))) ? 1 : 0));
    const X = matrixFromColumns([x]);
    const plain = trainLogReg(X, y, { l2: 0.01 });
    const p = plain.predictProba(X);
    const meanY = y.reduce((a, b) => a + b, 0) / n;
    expect(p.reduce((a, b) => a + b, 0) / n).toBeCloseTo(meanY, 6);
    // Balanced: the weighted mean prediction is 0.5, i.e. the classes have equal weight.
    const bal = trainLogReg(X, y, { l2: 0.01, classWeight: 'balanced' });
    const pb = bal.predictProba(X);
    const nPos = y.reduce((a, b) => a + b, 0);
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const w = y[i] === 1 ? n / (2 * nPos) : n / (2 * (n - nPos));
      num += w * pb[i]!;
      den += w;
    }
    expect(num / den).toBeCloseTo(0.5, 6);
    expect(bal.intercept).toBeGreaterThan(plain.intercept);
    // Class weights move the intercept, not the ranking much.
    expect(Math.abs(aucForTests(y, pb) - aucForTests(y, p))).toBeLessThan(0.01);
  });

  it('stronger L2 shrinks the coefficients', () => {
    const { X, y } = logisticData(5000, 4, 0, [1, -1, 0.2]);
    const weak = trainLogReg(X, y, { l2: 1e-6 });
    const strong = trainLogReg(X, y, { l2: 1 });
    const norm = (c: Float64Array) => Math.hypot(...c);
    expect(norm(strong.coef)).toBeLessThan(0.7 * norm(weak.coef));
  });

  it('gives contributions that add up, treats NaN as the mean, and handles a constant column', () => {
    const rng = new Rng(1);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const a = rng.normal();
      rows.push([a, 7, rng.normal()]);
      y.push(rng.next() < 1 / (1 + Math.exp(-2 * a)) ? 1 : 0);
    }
    const m = trainLogReg(matrixFromRows(rows), y);
    expect(m.scale[1]).toBe(1);
    const row = [1.3, 7, -0.4];
    const c = m.contributionsRow(row);
    expect(c.bias + c.values.reduce((a, b) => a + b, 0)).toBeCloseTo(m.predictRawRow(row), 12);
    expect(c.values[0]).toBeGreaterThan(0);
    const withNaN = m.contributionsRow([Number.NaN, 7, -0.4]);
    expect(withNaN.values[0]).toBe(0);
    expect(m.predictRawRow([Number.NaN, 7, -0.4])).toBeCloseTo(m.predictRawRow([m.mean[0]!, 7, -0.4]), 12);
    const batch = m.predictRaw(matrixFromRows([row]));
    expect(batch[0]).toBeCloseTo(m.predictRawRow(row), 12);
  });

  it('is deterministic', () => {
    const { X, y } = logisticData(3000, 5, 0.5, [0.5, 0.1, -0.2]);
    const a = trainLogReg(X, y, { classWeight: 'balanced' });
    const b = trainLogReg(X, y, { classWeight: 'balanced' });
    expect([...a.coef]).toEqual([...b.coef]);
    expect(a.intercept).toBe(b.intercept);
  });

  it.each([
    [{ l2: -1 }, /l2/],
    [{ l2: Number.POSITIVE_INFINITY }, /l2/],
    [{ maxIter: 0 }, /maxIter/],
    [{ tol: 0 }, /tol/],
    [{ classWeight: 'x' as never }, /classWeight/],
    [{ lambda: 1 } as never, /unknown parameter/],
  ])('rejects invalid params %o', (p, re) => {
    expect(() => resolveLogRegParams(p)).toThrow(re);
  });

  describe('validation check against the intercept-only model', () => {
    /** 12 features of mixed scales; outliers on the first two; labels from `label(x0, x1, rng)`. */
    const table = (n: number, seed: number, label: (x0: number, x1: number, rng: Rng) => number) => {
      const rng = new Rng(seed);
      const cols = Array.from({ length: 12 }, () => new Float64Array(n));
      const y = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < 12; j++) cols[j]![i] = (j + 1) * rng.normal() + j;
        if (rng.next() < 0.02) cols[0]![i]! += 8;
        y[i] = label(cols[0]![i]!, cols[1]![i]!, rng);
      }
      return { X: matrixFromColumns(cols), y };
    };
    const noise = (_a: number, _b: number, rng: Rng) => (rng.next() < 0.03 ? 1 : 0);
    const linear = (a: number, b: number, rng: Rng) =>
      rng.next() < 1 / (1 + Math.exp(-(-4 + 0.9 * a - 0.3 * (b - 1)))) ? 1 : 0;

    it.each(['balanced', 'none'] as const)(
      'pure-noise labels -> intercept-only (seeds 1-6, class weight %s)',
      (cw) => {
        for (let seed = 1; seed <= 6; seed++) {
          const fit = table(6000, seed, noise);
          const valid = table(2000, seed + 100, noise);
          const m = trainLogReg(fit.X, fit.y, { classWeight: cw }, { validation: valid, validationMinZ: 3 });
          const v = m.validation!;
          expect(v.kept, `seed ${seed} z ${v.z}`).toBe(false);
          expect(v.z).toBeLessThan(3);
          expect(m.interceptOnly).toBe(true);
          // the constant is the training positive rate (calibrated), not the class-weighted 0.5
          const rate = fit.y.reduce((a, b) => a + b, 0) / fit.y.length;
          const pr = m.predictProba(valid.X);
          expect(pr.every((q) => q === pr[0])).toBe(true);
          expect(pr[0]).toBeCloseTo(rate, 10);
          expect(aucForTests(valid.y, pr)).toBe(0.5);
        }
      },
    );

    it('a learnable linear function -> weights kept, and the file records the decision', () => {
      const fit = table(6000, 7, linear);
      const valid = table(2000, 8, linear);
      const plain = trainLogReg(fit.X, fit.y, { classWeight: 'balanced' });
      const m = trainLogReg(
        fit.X,
        fit.y,
        { classWeight: 'balanced' },
        { validation: valid, validationMinZ: 3 },
      );
      expect(m.validation!.kept).toBe(true);
      expect(m.validation!.z).toBeGreaterThan(5);
      expect(m.validation!.validLossFitted).toBeLessThan(m.validation!.validLossPrior);
      expect(m.interceptOnly).toBe(false);
      // the kept model is the fitted one, bit for bit
      expect([...m.coef]).toEqual([...plain.coef]);
      expect(m.intercept).toBe(plain.intercept);
      expect(aucForTests(valid.y, m.predictProba(valid.X))).toBeGreaterThan(0.8);
      const file = modelToJson(m, { createdAt: '2026-01-01T00:00:00Z' });
      expect(file.training).toEqual({ ...summarizeLogRegValidation(m.validation!) });
      expect(file.training).toMatchObject({
        kept: true,
        intercept_only: false,
        min_z: 3,
        class_weighted: true,
      });
      const back = parseModel(JSON.stringify(file)).model;
      expect([...back.predictRaw(valid.X)]).toEqual([...m.predictRaw(valid.X)]);
    });

    it('a gain below minZ standard errors is rejected; minZ 0 keeps any gain', () => {
      // weak signal on little validation data: beats the intercept, but not by many standard errors
      const weak = (a: number, _b: number, rng: Rng) =>
        rng.next() < 1 / (1 + Math.exp(-(-3.5 + 0.15 * a))) ? 1 : 0;
      const fit = table(20_000, 11, weak);
      const valid = table(1500, 12, weak);
      const loose = trainLogReg(fit.X, fit.y, {}, { validation: valid, validationMinZ: 0 });
      const z = loose.validation!.z;
      expect(z).toBeGreaterThan(0);
      expect(loose.validation!.kept).toBe(true);
      const strict = trainLogReg(fit.X, fit.y, {}, { validation: valid, validationMinZ: z + 0.01 });
      expect(strict.validation!.kept).toBe(false);
      expect(summarizeLogRegValidation(strict.validation!)).toMatchObject({
        intercept_only: true,
        rejected_by_min_z: true,
      });
      expect(strict.interceptOnly).toBe(true);
      expect(() => trainLogReg(fit.X, fit.y, {}, { validation: valid, validationMinZ: -1 })).toThrow(
        /validationMinZ/,
      );
    });

    it('an intercept-only file and an older file without training load', () => {
      const fit = table(3000, 1, noise);
      const m = trainLogReg(fit.X, fit.y, {}, { validation: table(1000, 2, noise), validationMinZ: 3 });
      const file = modelToJson(m, { createdAt: '2026-01-01T00:00:00Z' });
      const back = parseModel(JSON.stringify(file)).model;
      expect(back.predictRawRow(new Float64Array(12))).toBe(m.intercept);
      const { training: _t, ...old } = modelToJson(trainLogReg(fit.X, fit.y), {
        createdAt: '2026-01-01T00:00:00Z',
      });
      expect(parseModel(JSON.stringify(old)).file.training).toBeUndefined();
    });
  });

  it('rejects non-binary labels', () => {
    expect(() => trainLogReg(matrixFromRows([[1], [2]]), [0, 0.5])).toThrow(/labels must be 0 or 1/);
  });
});
