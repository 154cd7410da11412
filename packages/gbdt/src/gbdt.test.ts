import { Rng } from '@polymorph/random/rng';
import { describe, expect, it } from 'vitest';
import { binMatrix, binOf, fitBins } from './binning.ts';
import { type GbdtModel, resolveGbdtParams, trainGbdt } from './gbdt.ts';
import { trainLogReg } from './logreg.ts';
import { getRow, matrixFromColumns, matrixFromRows, selectRows } from './matrix.ts';
import { parseModel, stringifyModel } from './model-io.ts';
import { aucForTests, makeClassification } from './synthetic.ts';

function accuracy(y: ArrayLike<number>, raw: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) ok += (raw[i]! > 0 ? 1 : 0) === y[i] ? 1 : 0;
  return ok / y.length;
}

describe('binning', () => {
  it('gives each distinct value its own bin with midpoint edges', () => {
    const X = matrixFromColumns([[3, 1, 2, 2, Number.NaN, 1]]);
    const m = fitBins(X, 255);
    expect([...m.edges[0]!]).toEqual([1.5, 2.5]);
    expect(m.nValueBins[0]).toBe(3);
    expect([...binMatrix(X, m)]).toEqual([2, 0, 1, 1, 3, 0]); // NaN -> missing bin 3
    expect(binOf(m.edges[0]!, 2.5)).toBe(1); // value == edge goes to the lower bin (v <= edge)
    expect(binOf(m.edges[0]!, Number.POSITIVE_INFINITY)).toBe(2);
  });

  it('caps the number of bins with quantile edges and switches to Uint16 above 256 bins', () => {
    const col = Float64Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_000);
    const X = matrixFromColumns([col]);
    const m = fitBins(X, 16);
    expect(m.nValueBins[0]).toBe(16);
    const b = binMatrix(X, m);
    expect(b).toBeInstanceOf(Uint8Array);
    const counts = new Array(17).fill(0);
    for (const v of b) counts[v]++;
    for (let i = 0; i < 16; i++) expect(Math.abs(counts[i] - 625)).toBeLessThanOrEqual(1);
    expect(binMatrix(X, fitBins(X, 1000))).toBeInstanceOf(Uint16Array);
  });
});

describe('GBDT known answers', () => {
  it('finds the exact threshold of a step function and the Newton leaf values', () => {
    const rng = new Rng(5);
    const x = Array.from({ length: 100 }, (_, i) => i);
    const noise = x.map(() => rng.next());
    const y = x.map((v) => (v >= 50 ? 1 : 0));
    const X = matrixFromColumns([noise, x]);
    const m = trainGbdt(X, y, { nTrees: 1, maxDepth: 1, learningRate: 1, lambda: 0, minSamplesLeaf: 1 });
    const t = m.trees;
    expect(t.feature[0]).toBe(1);
    expect(t.threshold[0]).toBe(49.5);
    // Base score log(0.5/0.5)=0; g = 0.5 - y, h = 0.25 => leaf value -G/H = -/+ 2.
    expect(t.baseScore).toBe(0);
    // Loss reduction (XGBoost scale, no 1/2) GL^2/HL + GR^2/HR - G^2/H with G_L = 25, G_R = -25, H_L = H_R = 12.5, G = 0.
    expect(t.gain[0]).toBeCloseTo(100, 9);
    expect(t.value[t.left[0]!]).toBeCloseTo(-2, 12);
    expect(t.value[t.left[0]! + 1]).toBeCloseTo(2, 12);
    expect(m.predictRawRow([0.3, 49.5])).toBeCloseTo(-2, 12);
    expect(m.predictRawRow([0.3, 49.6])).toBeCloseTo(2, 12);
  });

  it('solves XOR with depth-2 trees where logistic regression cannot', () => {
    const rng = new Rng(11);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const a = rng.next() * 2 - 1;
      const b = rng.next() * 2 - 1;
      rows.push([a, b]);
      y.push(a > 0 !== b > 0 ? 1 : 0);
    }
    const X = matrixFromRows(rows);
    const g = trainGbdt(X, y, { nTrees: 30, maxDepth: 2, learningRate: 0.5 });
    const lr = trainLogReg(X, y);
    expect(accuracy(y, g.predictRaw(X))).toBeGreaterThan(0.98);
    expect(accuracy(y, lr.predictRaw(X))).toBeLessThan(0.6);
    expect(aucForTests(y, lr.predictRaw(X))).toBeLessThan(0.6);
  });

  it('tree 0 node values match sums recomputed from the rows that reach each node (histogram subtraction)', () => {
    const { X, y } = makeClassification(3000, 6, 21, 0.1);
    const lambda = 1;
    const lr = 0.3;
    const m = trainGbdt(X, y, { nTrees: 1, maxDepth: 4, lambda, learningRate: lr, minSamplesLeaf: 5 });
    const t = m.trees;
    const p0 = 1 / (1 + Math.exp(-t.baseScore));
    const nNodes = t.feature.length;
    const G = new Float64Array(nNodes);
    const C = new Float64Array(nNodes);
    const row = new Float64Array(X.nCols);
    for (let r = 0; r < X.nRows; r++) {
      getRow(X, r, row);
      let node = 0;
      for (;;) {
        G[node]! += p0 - y[r]!;
        C[node]! += 1;
        const f = t.feature[node]!;
        if (f < 0) break;
        const v = row[f]!;
        node =
          t.left[node]! +
          (v <= t.threshold[node]! ? 0 : v > t.threshold[node]! ? 1 : 1 - t.defaultLeft[node]!);
      }
    }
    expect(nNodes).toBeGreaterThan(15);
    for (let k = 0; k < nNodes; k++) {
      expect(C[k]).toBe(t.count[k]);
      const H = C[k]! * p0 * (1 - p0);
      expect(t.value[k]).toBeCloseTo((-G[k]! / (H + lambda)) * lr, 9);
    }
  });

  it('learns a default direction for missing values', () => {
    const rng = new Rng(2);
    const n = 2000;
    const x = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (rng.next() < 0.3) {
        x[i] = Number.NaN;
        y[i] = 1;
      } else {
        x[i] = rng.next();
        y[i] = x[i]! < 0.2 ? 1 : 0;
      }
    }
    const m = trainGbdt(matrixFromColumns([x]), y, { nTrees: 20, maxDepth: 2, learningRate: 0.5 });
    expect(m.predictProbaRow([Number.NaN])).toBeGreaterThan(0.95);
    expect(m.predictProbaRow([0.1])).toBeGreaterThan(0.95);
    expect(m.predictProbaRow([0.7])).toBeLessThan(0.05);
  });
});

describe('GBDT behaviour', () => {
  const train = makeClassification(8000, 10, 1, 0.05);
  const test = makeClassification(8000, 10, 2, 0.05);
  let model: GbdtModel;

  it('reaches a high AUC on held-out data, close to the Bayes AUC', () => {
    model = trainGbdt(train.X, train.y, { nTrees: 60, maxDepth: 4, learningRate: 0.1 });
    const auc = aucForTests(test.y, model.predictRaw(test.X));
    const bayes = aucForTests(test.y, test.prob);
    expect(auc).toBeGreaterThan(0.85);
    expect(auc).toBeGreaterThan(bayes - 0.03);
  });

  it('beats logistic regression on non-linear data, and scores 0.5 AUC when trained on shuffled labels', () => {
    const lr = trainLogReg(train.X, train.y);
    const aucLr = aucForTests(test.y, lr.predictRaw(test.X));
    expect(aucForTests(test.y, model.predictRaw(test.X))).toBeGreaterThan(aucLr + 0.05);
    const rng = new Rng(99);
    const shuffled = train.y.slice();
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = shuffled[i]!;
      shuffled[i] = shuffled[j]!;
      shuffled[j] = t;
    }
    const control = trainGbdt(train.X, shuffled, { nTrees: 60, maxDepth: 4 });
    expect(Math.abs(aucForTests(test.y, control.predictRaw(test.X)) - 0.5)).toBeLessThan(0.03);
  });

  it('batch and single-row predictions agree; contributions add up to the raw score', () => {
    const raw = model.predictRaw(test.X);
    const row = new Float64Array(test.X.nCols);
    for (let r = 0; r < 500; r++) {
      getRow(test.X, r, row);
      expect(model.predictRawRow(row)).toBe(raw[r]);
      const c = model.contributionsRow(row);
      let s = c.bias;
      for (const v of c.values) s += v;
      expect(s).toBeCloseTo(raw[r]!, 9);
    }
  });

  it('scores very deep trees (no padded layout) and tiny batches the same as row by row', () => {
    const deep = trainGbdt(train.X, train.y, { nTrees: 3, maxDepth: 14, minSamplesLeaf: 1, lambda: 0.01 });
    const depthOf = (k: number): number =>
      deep.trees.feature[k]! < 0
        ? 0
        : 1 + Math.max(depthOf(deep.trees.left[k]!), depthOf(deep.trees.left[k]! + 1));
    expect(depthOf(0)).toBeGreaterThan(10);
    const row = new Float64Array(test.X.nCols);
    for (const m of [deep, model]) {
      const raw = m.predictRaw(test.X);
      const tiny = m.predictRaw(selectRows(test.X, [0, 1, 2]));
      for (let r = 0; r < 300; r++) {
        getRow(test.X, r, row);
        expect(raw[r]).toBe(m.predictRawRow(row));
        expect(raw[r]).toBe(m.predictRawRowNodes(row));
      }
      expect([...tiny]).toEqual([...raw.subarray(0, 3)]);
    }
  });

  it('ranks the informative features above pure noise by gain', () => {
    const imp = model.featureImportance('gain');
    const noiseMax = Math.max(...imp.slice(5));
    for (const f of [0, 1, 2, 3]) expect(imp[f]).toBeGreaterThan(noiseMax);
    expect(model.featureImportance('split').reduce((a, b) => a + b, 0)).toBe(
      [...model.trees.feature].filter((f) => f >= 0).length,
    );
  });

  it('is deterministic with subsampling, and the seed matters', () => {
    const small = selectRows(
      train.X,
      Array.from({ length: 3000 }, (_, i) => i),
    );
    const ys = train.y.subarray(0, 3000);
    const p = { nTrees: 15, maxDepth: 4, subsample: 0.6, seed: 7 };
    const meta = { createdAt: '2026-01-01T00:00:00Z' };
    const a = stringifyModel(trainGbdt(small, ys, p), meta);
    const b = stringifyModel(trainGbdt(small, ys, p), meta);
    const c = stringifyModel(trainGbdt(small, ys, { ...p, seed: 8 }), meta);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('accepts Float32 matrices and gives the same trees as Float64 for float32-representable data', () => {
    const n = 2000;
    const d64 = train.X.data.slice(0, n * 10);
    // Use the first n rows of each column, rounded to float32.
    const cols: Float32Array[] = [];
    for (let c = 0; c < 10; c++)
      cols.push(Float32Array.from(train.X.data.subarray(c * train.X.nRows, c * train.X.nRows + n)));
    const f32 = new Float32Array(n * 10);
    for (let c = 0; c < 10; c++) f32.set(cols[c]!, c * n);
    for (let i = 0; i < d64.length; i++) d64[i] = f32[i]!;
    const ys = train.y.subarray(0, n);
    const meta = { createdAt: '2026-01-01T00:00:00Z' };
    const a = trainGbdt({ nRows: n, nCols: 10, data: f32 }, ys, { nTrees: 5 });
    const b = trainGbdt({ nRows: n, nCols: 10, data: d64 }, ys, { nTrees: 5 });
    expect(stringifyModel(a, meta)).toBe(stringifyModel(b, meta));
  });
});

describe('GBDT weights and early stopping', () => {
  const tr = makeClassification(3000, 8, 31);
  const va = makeClassification(3000, 8, 32);
  const logloss = (y: ArrayLike<number>, raw: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const p = 1 / (1 + Math.exp(-raw[i]!));
      s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
    }
    return s / y.length;
  };

  it('starts balanced models at log-odds 0 and ranks like the unweighted model', () => {
    const bal = trainGbdt(tr.X, tr.y, { nTrees: 20, classWeight: 'balanced' });
    const plain = trainGbdt(tr.X, tr.y, { nTrees: 20 });
    expect(bal.trees.baseScore).toBeCloseTo(0, 12);
    expect(plain.trees.baseScore).toBeLessThan(-0.5);
    const aucBal = aucForTests(va.y, bal.predictRaw(va.X));
    expect(Math.abs(aucBal - aucForTests(va.y, plain.predictRaw(va.X)))).toBeLessThan(0.02);
  });

  it('with balanced classes, weighs validation rows by their class weight, as the objective does', () => {
    const m = trainGbdt(tr.X, tr.y, { nTrees: 30, classWeight: 'balanced' }, { validation: va });
    let pos = 0;
    for (const label of tr.y) pos += label;
    const wPos = tr.y.length / (2 * pos);
    const wNeg = tr.y.length / (2 * (tr.y.length - pos));
    const raw = m.predictRaw(va.X);
    let loss = 0;
    let sumW = 0;
    for (let i = 0; i < va.y.length; i++) {
      const w = va.y[i] === 1 ? wPos : wNeg;
      const p = 1 / (1 + Math.exp(-raw[i]!));
      loss -= w * (va.y[i] === 1 ? Math.log(p) : Math.log(1 - p));
      sumW += w;
    }
    expect(wPos / wNeg).toBeGreaterThan(3); // imbalanced enough for the weighting to matter
    expect(m.trainInfo!.validLoss[29]).toBeCloseTo(loss / sumW, 9);
    expect(Math.abs(m.trainInfo!.validLoss[29]! - logloss(va.y, raw))).toBeGreaterThan(0.01);
    expect(m.trainInfo!.validLossPrior).toBeCloseTo(Math.LN2, 12);
  });

  it('records validation loss and stops at the best iteration', () => {
    const p = { nTrees: 200, maxDepth: 6, learningRate: 0.5, minSamplesLeaf: 2 };
    const full = trainGbdt(tr.X, tr.y, p, { validation: va });
    expect(full.trainInfo!.validLoss).toHaveLength(200);
    expect(full.trainInfo!.validLoss[199]).toBeCloseTo(logloss(va.y, full.predictRaw(va.X)), 9);
    const es = trainGbdt(tr.X, tr.y, { ...p, earlyStoppingRounds: 10 }, { validation: va });
    const info = es.trainInfo!;
    expect(info.treesTrained).toBeLessThan(200);
    expect(info.treesTrained - info.treesKept).toBe(10);
    expect(es.nTrees).toBe(info.treesKept);
    const best = Math.min(...info.validLoss);
    expect(info.validLoss[info.treesKept - 1]).toBe(best);
    expect(logloss(va.y, es.predictRaw(va.X))).toBeCloseTo(best, 9);
    expect(best).toBeLessThan(full.trainInfo!.validLoss[199]!);
    expect(() => trainGbdt(tr.X, tr.y, { earlyStoppingRounds: 5 })).toThrow(/needs validation data/);
  });
});

describe('GBDT input validation', () => {
  const X = matrixFromRows([
    [0, 1],
    [1, 0],
  ]);
  it.each([
    [{ nTrees: 0 }, /nTrees/],
    [{ maxDepth: 1.5 }, /maxDepth/],
    [{ learningRate: 0 }, /learningRate/],
    [{ learningRate: Number.NaN }, /learningRate/],
    [{ subsample: 1.5 }, /subsample/],
    [{ maxBins: 1 }, /maxBins/],
    [{ lambda: -1 }, /lambda/],
    [{ seed: -1 }, /seed/],
    [{ classWeight: 'auto' as never }, /classWeight/],
    [{ ntrees: 10 } as never, /unknown parameter/],
  ])('rejects %o', (p, re) => {
    expect(() => resolveGbdtParams(p)).toThrow(re);
    expect(() => trainGbdt(X, [0, 1], p)).toThrow(re);
  });

  it('rejects bad labels, weights and shapes', () => {
    expect(() => trainGbdt(X, [0, 2])).toThrow(/labels must be 0 or 1/);
    expect(() => trainGbdt(X, [0])).toThrow(/labels have 1 values/);
    expect(() => trainGbdt(X, [0, 1], {}, { sampleWeight: [1, Number.NaN] })).toThrow(/weight at row 1/);
    expect(() => trainGbdt(X, [0, 1], {}, { featureNames: ['a'] })).toThrow(/featureNames/);
    const m = trainGbdt(X, [0, 1], { nTrees: 1, minSamplesLeaf: 1 });
    expect(() => m.predictRaw(matrixFromRows([[1, 2, 3]]))).toThrow(/3 columns/);
  });
});

describe('GBDT early stopping: known answers', () => {
  /** Features from makeClassification, labels replaced by coin flips with P(1) = 0.1: nothing to learn. */
  const noise = (n: number, seed: number) => {
    const d = makeClassification(n, 8, seed);
    const rng = new Rng(seed + 1000);
    return { X: d.X, y: Uint8Array.from({ length: n }, () => (rng.next() < 0.1 ? 1 : 0)) };
  };

  it('keeps 0 trees on pure-noise labels: the model predicts the prior for every row', () => {
    // Plain early stopping (min z 0) keeps the few first trees when they beat the prior on validation by
    // chance (by ~1e-4 of log-loss); earlyStoppingMinZ 3 asks the improvement to be 3 standard errors
    // of the paired per-row loss difference, which noise does not reach.
    const plainKept: number[] = [];
    for (const seed of [41, 43, 45, 47, 49, 51, 53, 55, 57, 59]) {
      const tr = noise(5000, seed);
      const va = noise(2000, seed + 1);
      const p = { nTrees: 100, earlyStoppingRounds: 10 };
      const plain = trainGbdt(tr.X, tr.y, p, { validation: va });
      plainKept.push(plain.nTrees);
      expect(plain.nTrees).toBeLessThanOrEqual(20);
      const m = trainGbdt(tr.X, tr.y, { ...p, earlyStoppingMinZ: 3 }, { validation: va });
      const info = m.trainInfo!;
      expect(info.bestIteration, `seed ${seed}`).toBe(0);
      expect(m.nTrees).toBe(0);
      expect(info.bestLossIteration).toBe(plain.nTrees);
      expect(info.bestImprovementZ === null || info.bestImprovementZ < 3).toBe(true);
      expect(info.rejectedByMinZ).toBe(plain.nTrees > 0);
      expect(info.treesTrained).toBe(plain.trainInfo!.treesTrained);
      if (plain.nTrees === 0) {
        // every tree made the validation loss worse than the prior
        for (const l of info.validLoss) expect(l).toBeGreaterThan(info.validLossPrior!);
      }
      const pos = tr.y.reduce((a, b) => a + b, 0);
      const prior = m.trees.baseScore;
      expect(prior).toBeCloseTo(Math.log(pos / (5000 - pos)), 12);
      const raw = m.predictRaw(va.X);
      for (const z of raw) expect(z).toBe(prior);
      expect(m.predictRawRow(getRow(va.X, 3))).toBe(prior);
      expect(aucForTests(va.y, raw)).toBe(0.5);
      const c = m.contributionsRow(getRow(va.X, 0));
      expect(c.bias).toBe(prior);
      expect([...c.values].every((v) => v === 0)).toBe(true);
      expect([...m.featureImportance()].every((v) => v === 0)).toBe(true);
      const json = JSON.parse(stringifyModel(m, { createdAt: '2026-01-01T00:00:00Z' }));
      expect(json.model.trees).toEqual([]);
      expect(json.training).toMatchObject({ best_iteration: 0, trees_kept: 0, early_stopping_min_z: 3 });
      expect(parseModel(json).model.predictRaw(va.X)).toEqual(raw);
    }
    // without the z check some seeds keep a few noise trees (why earlyStoppingMinZ exists)
    expect(plainKept.some((k) => k > 0)).toBe(true);
  });

  it('without early stopping the same noise is fitted: the kept trees raise the validation loss', () => {
    const tr = noise(5000, 41);
    const va = noise(2000, 42);
    const m = trainGbdt(tr.X, tr.y, { nTrees: 100 }, { validation: va });
    expect(m.nTrees).toBe(100);
    expect(m.trainInfo!.validLoss[99]).toBeGreaterThan(m.trainInfo!.validLossPrior! + 0.01);
  });

  it('keeps many trees on a learnable function, and the validation loss falls well below the prior', () => {
    const tr = makeClassification(5000, 8, 51);
    const va = makeClassification(2000, 8, 52);
    const te = makeClassification(3000, 8, 53);
    const m = trainGbdt(
      tr.X,
      tr.y,
      { nTrees: 500, maxDepth: 3, learningRate: 0.1, earlyStoppingRounds: 20, earlyStoppingMinZ: 3 },
      { validation: va },
    );
    const info = m.trainInfo!;
    expect(info.bestIteration).toBeGreaterThan(30);
    expect(info.treesTrained).toBeLessThan(500); // it did stop
    expect(info.bestImprovementZ).toBeGreaterThan(10);
    expect(m.nTrees).toBe(info.bestIteration);
    const v = info.validLoss;
    // the curve falls: the first 10 trees each lower the loss, and the best is far below the prior
    expect(v[0]!).toBeLessThan(info.validLossPrior!);
    for (let t = 1; t < 10; t++) expect(v[t]!).toBeLessThan(v[t - 1]!);
    expect(v[info.bestIteration! - 1]!).toBeLessThan(0.8 * info.validLossPrior!);
    expect(aucForTests(te.y, m.predictRaw(te.X))).toBeGreaterThan(0.8);
    const s = JSON.parse(stringifyModel(m, { createdAt: '2026-01-01T00:00:00Z' })).training;
    expect(s.best_iteration).toBe(info.bestIteration);
    expect(s.valid_loss_curve[0]).toEqual([0, info.validLossPrior]);
    expect(s.valid_loss_curve).toContainEqual([info.bestIteration, s.valid_loss_best]);
    expect(s.valid_loss_curve.at(-1)).toEqual([info.treesTrained, s.valid_loss_last]);
  });

  it('earlyStoppingMinDelta: a tree must improve the validation loss by more than it', () => {
    const tr = makeClassification(3000, 8, 61);
    const va = makeClassification(2000, 8, 62);
    const p = { nTrees: 300, maxDepth: 3, earlyStoppingRounds: 10 };
    const a = trainGbdt(tr.X, tr.y, p, { validation: va });
    const b = trainGbdt(tr.X, tr.y, { ...p, earlyStoppingMinDelta: 1e-3 }, { validation: va });
    expect(b.nTrees).toBeLessThan(a.nTrees);
    expect(b.nTrees).toBeGreaterThan(0);
    expect(() => resolveGbdtParams({ earlyStoppingMinDelta: -1 })).toThrow(/earlyStoppingMinDelta/);
  });
});
