// XGBoost (Debian's python3-xgboost) trained on SynFinance's features, imported, and served: the
// imported model predicts what XGBoost predicts on every row, and the scoring API serves it with reasons.
import fs from 'node:fs';
import path from 'node:path';
import { columnMajor } from '@polymorph/gbdt/matrix';
import { readPredictions, runXgboost, writeMatrixCsv } from '@polymorph/gbdt/xgboost-peer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testFraudApp } from '../../api/test-api.ts';
import { generate } from '../../generator/test-helpers.ts';
import { readRows } from '../../transactions/read.ts';
import { HISTORY_SPEC, loadDataset, selectColumnMajor } from '../features/dataset.ts';
import { FEATURE_NAMES } from '../features/features.ts';
import { importXgboostModel } from './import-model.ts';
import { loadModelText, ModelLoadError, modelFileText, writeFileAtomic } from './train.ts';

let dir = '';
let dataFile = '';
let xgbModel = '';
let theirs: ArrayLike<number> = [];

beforeAll(async () => {
  const g = await generate(8000, 'csv', { seed: 21, days: 30 });
  dir = g.dir;
  dataFile = g.file;
  const ds = await loadDataset(g.file);
  const all = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
  const X = columnMajor(selectColumnMajor(ds, all), ds.nRows, ds.nCols);
  const csv = path.join(dir, 'features.csv');
  writeMatrixCsv(csv, X, ds.y, ds.featureNames);
  xgbModel = path.join(dir, 'xgb.json');
  const pred = path.join(dir, 'xgb-pred.txt');
  runXgboost({
    train: csv,
    test: csv,
    pred_out: pred,
    model_out: xgbModel,
    rounds: 40,
    params: { max_depth: 4, eta: 0.3, nthread: 1 },
  });
  theirs = readPredictions(pred);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('importing an XGBoost model', () => {
  it('becomes a SynFinance model whose predictions equal XGBoost on every row', async () => {
    const file = importXgboostModel(fs.readFileSync(xgbModel, 'utf8'), {
      createdAt: '2026-12-06T00:00:00.000Z',
    });
    const lm = loadModelText(modelFileText(file));
    expect(lm.spec).toEqual(HISTORY_SPEC);
    expect(lm.version).toBe('xgboost-2026-12-06T00:00:00.000Z');
    expect(lm.model.featureNames).toEqual(FEATURE_NAMES);
    expect(lm.file.training).toMatchObject({ imported_from: { format: 'xgboost-json', trees: 40 } });
    const ds = await loadDataset(dataFile);
    const all = Uint32Array.from({ length: ds.nRows }, (_, i) => i);
    const ours = lm.model.predictProba(columnMajor(selectColumnMajor(ds, all), ds.nRows, ds.nCols));
    expect(ours.length).toBe(theirs.length);
    let worst = 0;
    for (let r = 0; r < ours.length; r++) worst = Math.max(worst, Math.abs(ours[r]! - theirs[r]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('is served by the scoring API: the same probability from raw transactions, with reasons', async () => {
    const modelPath = path.join(dir, 'imported.json');
    writeFileAtomic(
      modelPath,
      modelFileText(
        importXgboostModel(fs.readFileSync(xgbModel, 'utf8'), { createdAt: '2026-12-06T00:00:00.000Z' }),
      ),
    );
    const api = await testFraudApp({ modelPath, adminApiKey: 'admin-secret', minFeedback: 5 });
    try {
      // The API keeps each customer's history, so posting the table's rows in order gives the same
      // features as the batch path.
      let i = 0;
      let withReasons = 0;
      for await (const row of readRows(dataFile)) {
        if (i >= 400) break;
        const t: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(row))
          t[k] =
            v === ''
              ? null
              : ['amount', 'latitude', 'longitude', 'distance_from_home_km', 'merchant_reputation'].includes(
                    k,
                  )
                ? Number(v)
                : v;
        const res = await api.app.inject({
          method: 'POST',
          url: '/api/fraud/predict',
          payload: { transaction: t },
        });
        expect(res.statusCode).toBe(200);
        const b = res.json();
        expect(b.model_version).toBe('xgboost-2026-12-06T00:00:00.000Z');
        expect(Math.abs(b.fraud_probability - theirs[i]!), `row ${i}`).toBeLessThan(1e-6);
        if (b.top_reasons.length > 0) withReasons++;
        i++;
      }
      expect(withReasons).toBe(400);
      const drift = await api.app.inject({ method: 'GET', url: '/api/fraud/drift' });
      expect(drift.statusCode).toBe(404);
    } finally {
      await api.app.close();
      api.contract.assertClean();
    }
  });

  it('refuses a model without feature names, saying how to fix it', () => {
    const j = JSON.parse(fs.readFileSync(xgbModel, 'utf8'));
    j.learner.feature_names = [];
    expect(() => importXgboostModel(JSON.stringify(j))).toThrow(ModelLoadError);
    expect(() => importXgboostModel(JSON.stringify(j))).toThrow(/no feature names/);
  });
});
