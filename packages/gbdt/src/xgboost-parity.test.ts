// Our GBDT against Debian's python3-xgboost (1.7, `hist`): with identical settings on data whose
// features have fewer distinct values than bins (so both bin them alike), the trees must agree tree by
// tree; and an XGBoost JSON model imported here must predict what XGBoost predicts, on every row.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@polymorph/random/rng';
import { afterAll, describe, expect, it } from 'vitest';
import { GbdtModel, trainGbdt } from './gbdt.ts';
import { getRow, type Matrix, matrixFromColumns } from './matrix.ts';
import { parseModel, stringifyModel } from './model-io.ts';
import { makeClassification } from './synthetic.ts';
import { float32LessAsDoubleLe, importXgboostJson } from './xgboost-import.ts';
import { readPredictions, runXgboost, writeMatrixCsv } from './xgboost-peer.ts';

const dir = mkdtempSync(join(tmpdir(), 'xgb-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Integer features 0..maxV (one with 10% missing), labels from a non-linear logistic model. */
function integerData(n: number, seed: number): { X: Matrix; y: Uint8Array; names: string[] } {
  const rng = new Rng(seed);
  const cols = Array.from({ length: 5 }, () => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < 5; c++) cols[c]![r] = rng.int(c === 4 ? 3 : 40);
    const x2 = rng.next() < 0.1 ? Number.NaN : cols[2]![r]!;
    const z =
      -3 +
      0.12 * cols[0]![r]! -
      0.08 * cols[1]![r]! +
      (Number.isNaN(x2) ? 1.5 : 0.03 * x2) +
      (cols[4]![r]! === 2 ? 1 : 0);
    cols[2]![r] = x2;
    y[r] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: matrixFromColumns(cols), y, names: ['a', 'b', 'c', 'd', 'e'] };
}

/** The value each row gets from tree t alone (its leaf). */
function treeLeafValues(m: GbdtModel, t: number, X: Matrix): Float64Array {
  const { roots, feature, threshold, left, defaultLeft, value } = m.trees;
  const out = new Float64Array(X.nRows);
  const row = new Float64Array(X.nCols);
  for (let r = 0; r < X.nRows; r++) {
    getRow(X, r, row);
    let node = roots[t]!;
    while (feature[node]! >= 0) {
      const v = row[feature[node]!]!;
      node = left[node]! + (Number.isNaN(v) ? 1 - defaultLeft[node]! : v <= threshold[node]! ? 0 : 1);
    }
    out[r] = value[node]!;
  }
  return out;
}

/** Split features in breadth-first order, leaves as -1. */
function shape(m: GbdtModel, t: number): number[] {
  const { roots, feature, left } = m.trees;
  const out: number[] = [];
  const queue = [roots[t]!];
  for (let k = 0; k < queue.length; k++) {
    const node = queue[k]!;
    out.push(feature[node]!);
    if (feature[node]! >= 0) queue.push(left[node]!, left[node]! + 1);
  }
  return out;
}

describe('GBDT against XGBoost hist, tree by tree', () => {
  const { X, y, names } = integerData(4000, 7);
  const trainCsv = join(dir, 'int-train.csv');
  writeMatrixCsv(trainCsv, X, y, names);
  const rounds = 8;

  it.each([
    { depth: 3, eta: 0.3, lambda: 1, mcw: 1 },
    { depth: 4, eta: 0.1, lambda: 5, mcw: 3 },
  ])('depth $depth, eta $eta, lambda $lambda, min_child_weight $mcw: same splits, leaves, gains', (s) => {
    const modelPath = join(dir, `int-${s.depth}.json`);
    runXgboost({
      train: trainCsv,
      rounds,
      model_out: modelPath,
      params: {
        max_depth: s.depth,
        eta: s.eta,
        lambda: s.lambda,
        min_child_weight: s.mcw,
        max_bin: 256,
        base_score: 0.5,
        nthread: 1,
      },
    });
    const peer = importXgboostJson(readFileSync(modelPath, 'utf8'), names).model;
    const ours = trainGbdt(
      X,
      y,
      {
        nTrees: rounds,
        maxDepth: s.depth,
        learningRate: s.eta,
        lambda: s.lambda,
        minHessianLeaf: s.mcw,
        minSamplesLeaf: 1,
        maxBins: 255,
        baseScore: 0.5,
      },
      { featureNames: names },
    );
    expect(ours.trees.baseScore).toBe(0);
    expect(peer.nTrees).toBe(rounds);
    for (let t = 0; t < rounds; t++) {
      expect(shape(ours, t), `tree ${t} splits`).toEqual(shape(peer, t));
      const a = treeLeafValues(ours, t, X);
      const b = treeLeafValues(peer, t, X);
      let worst = 0;
      for (let r = 0; r < X.nRows; r++) worst = Math.max(worst, Math.abs(a[r]! - b[r]!));
      // XGBoost keeps gradients and leaf values in float32.
      expect(worst, `tree ${t} leaf values`).toBeLessThan(1e-5);
      const rootGain = (m: GbdtModel) => m.trees.gain[m.trees.roots[t]!]!;
      expect(rootGain(ours) / rootGain(peer), `tree ${t} root gain`).toBeCloseTo(1, 4);
    }
  });
});

describe('XGBoost JSON import', () => {
  it('maps float32 "<" conditions to float64 "<=" thresholds exactly', () => {
    for (const c of [14, 0.1, -0.26886794, 1e-30, -3.5, 0, 123456.79]) {
      const t = float32LessAsDoubleLe(c);
      const fc = Math.fround(c);
      expect(Math.fround(t) < fc).toBe(true);
      // The next double up already rounds to the condition or above.
      const f64 = new Float64Array([t]);
      const u = new BigInt64Array(f64.buffer);
      u[0] = t >= 0 ? u[0]! + 1n : u[0]! - 1n;
      expect(Math.fround(f64[0]!) < fc).toBe(false);
    }
  });

  it('predicts what XGBoost predicts, within 1e-6 on every row, boundary values and NaN included', () => {
    const names = Array.from({ length: 8 }, (_, i) => `x${i}`);
    const train = makeClassification(6000, 8, 11, 0.1);
    const trainCsv = join(dir, 'cont-train.csv');
    writeMatrixCsv(trainCsv, train.X, train.y, names);
    const modelPath = join(dir, 'cont.json');
    runXgboost({
      train: trainCsv,
      rounds: 60,
      model_out: modelPath,
      params: { max_depth: 5, eta: 0.2, subsample: 0.8, colsample_bytree: 0.8, nthread: 1 },
    });
    const { model, source } = importXgboostJson(readFileSync(modelPath, 'utf8'));
    expect(source.objective).toBe('binary:logistic');
    expect(model.featureNames).toEqual(names);

    // Test rows: fresh random rows, plus rows sitting on and next to every split condition.
    const fresh = makeClassification(3000, 8, 12, 0.1).X;
    const cols = Array.from({ length: 8 }, (_, c) =>
      Array.from(fresh.data.subarray(c * 3000, (c + 1) * 3000)),
    );
    const { feature, threshold } = model.trees;
    const rng = new Rng(3);
    for (let k = 0; k < feature.length; k++) {
      if (feature[k]! < 0) continue;
      const thr = threshold[k]!;
      for (const v of [thr, Math.fround(thr), nextUp(thr), Math.fround(nextUp(thr)), nextUp(nextUp(thr))]) {
        for (let c = 0; c < 8; c++) cols[c]!.push(c === feature[k]! ? v : rng.normal());
      }
    }
    const test = matrixFromColumns(cols.map((c) => Float64Array.from(c)));
    const testCsv = join(dir, 'cont-test.csv');
    writeMatrixCsv(testCsv, test, new Uint8Array(test.nRows), names);
    const predPath = join(dir, 'cont-pred.txt');
    runXgboost({ model_in: modelPath, test: testCsv, pred_out: predPath });
    const theirs = readPredictions(predPath);
    expect(theirs.length).toBe(test.nRows);

    const batch = model.predictProba(test);
    const row = new Float64Array(8);
    let worst = 0;
    for (let r = 0; r < test.nRows; r++) {
      worst = Math.max(worst, Math.abs(batch[r]! - theirs[r]!));
      expect(model.predictProbaRow(getRow(test, r, row))).toBeCloseTo(batch[r]!, 12);
    }
    expect(worst).toBeLessThan(1e-6);

    // It survives our model file, and its reasons add up to the score.
    const again = parseModel(stringifyModel(model, { createdAt: '2026-12-06T00:00:00Z' })).model;
    expect(again).toBeInstanceOf(GbdtModel);
    const c = model.contributionsRow(getRow(test, 0, row));
    expect(c.bias + c.values.reduce((s, v) => s + v, 0)).toBeCloseTo(model.predictRawRow(row), 9);
  });

  it('refuses what it cannot represent, naming the problem', () => {
    const j = JSON.parse(readFileSync(join(dir, 'cont.json'), 'utf8'));
    j.learner.objective.name = 'multi:softprob';
    expect(() => importXgboostJson(JSON.stringify(j))).toThrow(/objective multi:softprob is not supported/);
    expect(() => importXgboostJson('{"learner": 1')).toThrow(/not JSON/);
  });
});

function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigInt64Array(f.buffer);
  if (x === 0) return Number.MIN_VALUE;
  u[0] = x > 0 ? u[0]! + 1n : u[0]! - 1n;
  return f[0]!;
}
