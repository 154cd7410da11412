import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GbdtModel, trainGbdt } from './gbdt.ts';
import { LogisticModel, trainLogReg } from './logreg.ts';
import { matrixFromColumns } from './matrix.ts';
import {
  hashTrainingData,
  ModelFormatError,
  modelToJson,
  parseModel,
  readModelFile,
  stringifyModel,
  writeModelFile,
} from './model-io.ts';
import { makeClassification } from './synthetic.ts';

const dir = mkdtempSync(join(tmpdir(), 'gbdt-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = makeClassification(3000, 6, 1, 0.1);
const test = makeClassification(1000, 6, 2, 0.1);
const names = ['a', 'b', 'c', 'd', 'e', 'f'];
const meta = {
  createdAt: '2026-11-22T08:00:00.000Z',
  trainingDataHash: hashTrainingData(train.X, train.y),
  metrics: { auc: 0.9 },
};

describe('model files', () => {
  it('round-trips a GBDT through a real file with identical predictions', () => {
    const m = trainGbdt(
      train.X,
      train.y,
      { nTrees: 20, maxDepth: 4, subsample: 0.8, seed: 3 },
      { featureNames: names },
    );
    const path = join(dir, 'gbdt.json');
    writeModelFile(path, m, meta);
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    expect(raw.format_version).toBe(1);
    expect(raw.algo).toBe('gbdt');
    expect(raw.feature_names).toEqual(names);
    expect(raw.params.subsample).toBe(0.8);
    expect(raw.training_data_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(raw.metrics).toEqual({ auc: 0.9 });
    expect(raw.created_at).toBe(meta.createdAt);
    const { model } = readModelFile(path);
    expect(model).toBeInstanceOf(GbdtModel);
    expect([...model.predictRaw(test.X)]).toEqual([...m.predictRaw(test.X)]);
    expect(stringifyModel(model, meta)).toBe(stringifyModel(m, meta));
  });

  it('round-trips a logistic regression with identical predictions', () => {
    const m = trainLogReg(train.X, train.y, { classWeight: 'balanced' }, { featureNames: names });
    const path = join(dir, 'lr.json');
    writeModelFile(path, m, meta);
    const { model, file } = readModelFile(path);
    expect(model).toBeInstanceOf(LogisticModel);
    expect(file.algo).toBe('logreg');
    expect([...model.predictRaw(test.X)]).toEqual([...m.predictRaw(test.X)]);
  });

  it('stores an infinite threshold (value vs missing split) as null and restores it', () => {
    const n = 400;
    const x = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? Number.NaN : 1));
    const y = Uint8Array.from(x, (v) => (Number.isNaN(v) ? 1 : 0));
    const m = trainGbdt(matrixFromColumns([x]), y, { nTrees: 1, maxDepth: 1 });
    expect(m.trees.threshold[0]).toBe(Number.POSITIVE_INFINITY);
    const json = stringifyModel(m, meta);
    expect(JSON.parse(json).model.trees[0].threshold[0]).toBeNull();
    const back = parseModel(json).model;
    expect(back.predictRawRow([Number.NaN])).toBe(m.predictRawRow([Number.NaN]));
    expect(back.predictRawRow([1])).toBe(m.predictRawRow([1]));
    expect(m.predictRawRow([Number.NaN])).toBeGreaterThan(m.predictRawRow([1]));
  });

  it('rejects unknown versions, bad structure and bad metadata with clear errors', () => {
    const m = trainGbdt(train.X, train.y, { nTrees: 2, maxDepth: 2 });
    const good = modelToJson(m, meta);
    const mutate = (f: (o: Record<string, unknown>) => void) => {
      const o = JSON.parse(JSON.stringify(good));
      f(o);
      return o;
    };
    expect(() => parseModel(mutate((o) => (o.format_version = 2)))).toThrow(
      /unsupported model format_version 2; this library reads version 1/,
    );
    expect(() => parseModel(mutate((o) => delete o.format_version))).toThrow(ModelFormatError);
    expect(() => parseModel(mutate((o) => (o.algo = 'forest')))).toThrow(/unknown algo "forest"/);
    expect(() => parseModel(mutate((o) => (o.format = 'other')))).toThrow(/format must be/);
    expect(() => parseModel(mutate((o) => (o.created_at = 'yesterday')))).toThrow(/created_at/);
    expect(() => parseModel(mutate((o) => ((o.params as Record<string, unknown>).nTrees = -1)))).toThrow(
      /nTrees/,
    );
    expect(() =>
      parseModel(mutate((o) => ((o.model as { trees: { left: number[] }[] }).trees[0]!.left[0] = 0))),
    ).toThrow(/left\[0\]=0 out of range/);
    expect(() =>
      parseModel(mutate((o) => ((o.model as { trees: { feature: number[] }[] }).trees[0]!.feature[0] = 99))),
    ).toThrow(/feature\[0\]=99 out of range/);
    expect(() => parseModel('{not json')).toThrow(/not JSON/);
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(mutate((o) => (o.format_version = '1'))));
    expect(() => readModelFile(path)).toThrow(/format_version "1"/);
    expect(() => modelToJson(m, { createdAt: 'now' })).toThrow(/createdAt/);
  });

  it('hashes the training data independent of float width, sensitive to labels', () => {
    const h = hashTrainingData(train.X, train.y);
    const f32 = { ...train.X, data: Float32Array.from(train.X.data) };
    const f64from32 = { ...train.X, data: Float64Array.from(f32.data) };
    expect(hashTrainingData(f32, train.y)).toBe(hashTrainingData(f64from32, train.y));
    const y2 = train.y.slice();
    y2[0] = 1 - y2[0]!;
    expect(hashTrainingData(train.X, y2)).not.toBe(h);
    expect(hashTrainingData(train.X, train.y)).toBe(h);
  });
});
